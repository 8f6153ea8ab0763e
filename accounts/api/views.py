"""API of the accounts app: sign-in tokens, the current user, users and their notifications."""

from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from accounts.models import User
from prosync.core.throttling import ScopedRateThrottle


class MeSerializer(serializers.ModelSerializer):
    role = serializers.CharField(read_only=True)
    sites = serializers.ListField(source="site_ids", child=serializers.IntegerField(), read_only=True)
    sees_all_sites = serializers.BooleanField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "first_name", "last_name", "email", "role", "sites", "sees_all_sites"]


class MeView(APIView):
    """Who the token or session belongs to, with role and sites."""

    permission_classes = [IsAuthenticated]
    serializer_class = MeSerializer

    def get(self, request):
        return Response(MeSerializer(request.user).data)


class LoginThrottled:
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login"


class TokenObtainView(LoginThrottled, TokenObtainPairView):
    """Exchange username and password for an access and a refresh token."""


class TokenRotateView(LoginThrottled, TokenRefreshView):
    """Exchange a refresh token for a new pair; the used refresh token is blacklisted."""


class TokenRevokeView(LoginThrottled, TokenBlacklistView):
    """Log out an API client: blacklist its refresh token."""
