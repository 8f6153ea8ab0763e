"""A person's notifications and their preferences over the API (each user sees only their own)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Notification, NotificationKind
from accounts.services import channels_for, mark_notifications_read, set_notification_preferences


class NotificationSerializer(serializers.ModelSerializer):
    is_read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "is_read", "read_at", "created_at"]
        read_only_fields = fields


class MarkReadSerializer(serializers.Serializer):
    ids = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False, allow_empty=False,
                                help_text="Leave out to mark all read.")


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The inbox: newest first; ``?unread=true`` for the unread ones only."""

    serializer_class = NotificationSerializer
    permission_classes = [IsAuthenticated]
    queryset = Notification.objects.all()
    filterset_fields = ["kind"]

    def get_queryset(self):
        qs = Notification.objects.for_user(self.request.user)
        if self.request.query_params.get("unread") in ("1", "true", "True"):
            qs = qs.unread()
        return qs

    @extend_schema(request=MarkReadSerializer, responses={200: None})
    @action(detail=False, methods=["post"], url_path="mark-read")
    def mark_read(self, request):
        params = MarkReadSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        count = mark_notifications_read(request.user, params.validated_data.get("ids"))
        return Response({"marked": count, "unread": Notification.objects.for_user(request.user).unread().count()})


class ChannelSerializer(serializers.Serializer):
    in_app = serializers.BooleanField()
    email = serializers.BooleanField()


class PreferencesSerializer(serializers.Serializer):
    def get_fields(self):
        return {kind: ChannelSerializer(required=False) for kind in NotificationKind.values}


class NotificationPreferencesView(APIView):
    """Which notifications the user gets, per kind and channel (in-app, e-mail)."""

    permission_classes = [IsAuthenticated]

    @staticmethod
    def _current(user) -> dict:
        return {kind: dict(zip(("in_app", "email"), channels_for(user, kind), strict=True))
                for kind in NotificationKind.values}

    @extend_schema(responses={200: PreferencesSerializer})
    def get(self, request):
        return Response(self._current(request.user))

    @extend_schema(request=PreferencesSerializer, responses={200: PreferencesSerializer})
    def put(self, request):
        unknown = set(request.data) - set(NotificationKind.values) if isinstance(request.data, dict) else set()
        if unknown:
            return Response({k: ["Unknown notification kind."] for k in sorted(unknown)}, status=400)
        params = PreferencesSerializer(data=request.data)
        params.is_valid(raise_exception=True)
        set_notification_preferences(request.user, {k: (v["in_app"], v["email"])
                                                     for k, v in params.validated_data.items()})
        return Response(self._current(request.user))

    patch = put
