"""API of the accounts app: sign-in tokens, the current user, users and their notifications."""

from rest_framework import serializers
from rest_framework.exceptions import Throttled
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.views import TokenBlacklistView, TokenObtainPairView, TokenRefreshView

from accounts import sign_in
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

    def post(self, request, *args, **kwargs):
        username = request.data.get("username", "") if hasattr(request.data, "get") else ""
        try:
            sign_in.check(request, str(username))
        except sign_in.SignInRefused as refused:
            raise Throttled(wait=refused.wait, detail=refused.message) from None
        return super().post(request, *args, **kwargs)


class TokenRotateView(LoginThrottled, TokenRefreshView):
    """Exchange a refresh token for a new pair; the used refresh token is blacklisted."""


class TokenRevokeView(LoginThrottled, TokenBlacklistView):
    """Log out an API client: blacklist its refresh token."""
