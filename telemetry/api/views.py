"""API of sensors, alerts, the event log and live series."""

import orjson
from django.conf import settings
from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.authentication import JWTAuthentication

from prosync.core.api import BodyLimitMixin, ScopedReadOnlyViewSet, ScopedViewSet
from prosync.core.idempotency import IDEMPOTENCY_PARAMETER, idempotent
from prosync.core.permissions import SiteScopedPermission
from prosync.core.throttling import ScopedRateThrottle
from telemetry import services
from telemetry.api.gateway_auth import GatewayKeyAuthentication
from telemetry.api.parsers import LenientJSONParser
from telemetry.api.serializers import (
    AlertSerializer,
    BulkReadingItemSerializer,
    BulkResultSerializer,
    SensorSerializer,
)
from telemetry.filters import AlertFilterSet, SensorFilterSet
from telemetry.models import Alert, Reading, Sensor


class SensorViewSet(ScopedViewSet):
    queryset = Sensor.objects.select_related("asset")
    serializer_class = SensorSerializer
    filterset_class = SensorFilterSet
    search_fields = ["name", "key", "metric"]
    ordering_fields = ["name", "metric", "last_ts"]


class BulkReadingsView(BodyLimitMixin, APIView):
    """Store many readings at once: ``[{"sensor": 12 | "gateway-key", "ts": "...", "value": 1.5}, ...]``.

    Authenticated by a gateway key (``Authorization: Gateway <key>``), a JWT or a session."""

    authentication_classes = [GatewayKeyAuthentication, JWTAuthentication, SessionAuthentication]
    parser_classes = [LenientJSONParser]
    permission_classes = [SiteScopedPermission]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "ingest"
    max_body_setting = "INGEST_MAX_BODY_BYTES"
    queryset = Reading.objects.none()  # tells the permission class which model this writes

    @extend_schema(
        request=BulkReadingItemSerializer(many=True),
        parameters=[OpenApiParameter("atomic", bool, description="Refuse the whole batch if any item is bad."),
                    IDEMPOTENCY_PARAMETER],
        responses={201: BulkResultSerializer, 400: BulkResultSerializer, 413: None},
        description=f"At most {settings.INGEST_MAX_BATCH} readings. Bad items are refused with their index, field "
                    "and reason (400) while the valid ones are stored, unless atomic=true. A reading already stored "
                    "for the same sensor and instant is counted as a duplicate and kept once.")
    @idempotent
    def post(self, request):
        atomic = request.query_params.get("atomic", "").lower() in ("1", "true", "yes")
        try:
            result = services.ingest_readings(request.data, actor=request.user, atomic=atomic)
        except (services.BatchRefused, ParseError) as exc:  # a refused batch answers in the one documented shape
            reason = exc.reason if isinstance(exc, services.BatchRefused) else str(exc.detail)
            return Response({"received": 0, "stored": 0, "duplicates": 0, "refused": 0,
                             "errors": [{"index": None, "field": None, "reason": reason}]},
                            status=status.HTTP_400_BAD_REQUEST)
        code = status.HTTP_400_BAD_REQUEST if result.errors else status.HTTP_201_CREATED
        # orjson straight to bytes: the answer of a 5,000-item batch is small, but this path runs
        # at thousands of requests a minute and DRF's renderer negotiation is not needed here.
        return HttpResponse(orjson.dumps(result.as_dict()), status=code, content_type="application/json")


class AlertViewSet(ScopedReadOnlyViewSet):
    queryset = Alert.objects.select_related("asset")
    serializer_class = AlertSerializer
    filterset_class = AlertFilterSet
    ordering_fields = ["opened_at", "severity", "status"]
    http_method_names = ["get", "head", "options", "post"]
    action_permissions = {"acknowledge": ["telemetry.change_alert"]}
    action_scopes = {"acknowledge": "change"}

    @extend_schema(request=None, responses={200: AlertSerializer, 409: None})
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, pk=None):
        try:
            alert = services.acknowledge_alert(self.get_object(), actor=request.user)
        except ValueError as exc:
            return Response({"detail": str(exc)}, status=status.HTTP_409_CONFLICT)
        return Response(AlertSerializer(alert, context=self.get_serializer_context()).data)
