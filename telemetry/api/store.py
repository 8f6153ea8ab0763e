"""API of the telemetry store: a sensor's series over a range (raw or rollup, at most N points),
the rollups themselves (read-only), gateways and their keys, and CSV imports."""

from __future__ import annotations

from datetime import timedelta

import orjson
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from prosync.api import ScopedModelSerializer, ScopedQuerysetMixin, ScopedReadOnlyViewSet
from prosync.permissions import SiteScopedPermission
from telemetry import services, storage
from telemetry.models import CsvImport, Gateway, ReadingRollupHour, ReadingRollupMinute, Sensor

MAX_POINTS = 10_000
DEFAULT_SPAN = timedelta(hours=24)


def _parse_instant(raw: str | None, name: str):
    if raw in (None, ""):
        return None, None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        try:
            value = timezone.datetime.fromtimestamp(float(raw), tz=timezone.UTC)
        except (ValueError, OverflowError, OSError):
            return None, f"{name} must be an ISO 8601 instant with offset, or epoch seconds"
    if timezone.is_naive(value):
        return None, f"{name} has no time-zone offset (add Z or +hh:mm)"
    return value, None


class SeriesView(APIView):
    """``GET /api/v1/sensors/<id>/series/?start=&end=&points=N``: the sensor's values over the
    range, raw or from the 1-minute / 1-hour rollup depending on the span, at most N points
    (LTTB). Rollup points carry the min/max of the buckets they stand for."""

    permission_classes = [SiteScopedPermission]
    queryset = Sensor.objects.none()

    @extend_schema(parameters=[
        OpenApiParameter("start", str, description="ISO 8601 or epoch seconds; default end - 24 h"),
        OpenApiParameter("end", str, description="ISO 8601 or epoch seconds; default now"),
        OpenApiParameter("points", int, description=f"At most this many points (2..{MAX_POINTS}, default 1000)"),
        OpenApiParameter("resolution", str, enum=["raw", "1m", "1h"], description="Force a resolution"),
    ], responses={200: None, 400: None, 404: None})
    def get(self, request, pk: int):
        sensor = get_object_or_404(Sensor.objects.for_user(request.user, "view"), pk=pk)
        errors = {}
        end, err = _parse_instant(request.query_params.get("end"), "end")
        if err:
            errors["end"] = err
        start, err = _parse_instant(request.query_params.get("start"), "start")
        if err:
            errors["start"] = err
        raw_points = request.query_params.get("points", "1000")
        try:
            points = int(raw_points)
            if not 2 <= points <= MAX_POINTS:
                raise ValueError
        except ValueError:
            errors["points"] = f"points must be a whole number from 2 to {MAX_POINTS}"
            points = 0
        resolution = request.query_params.get("resolution") or None
        if resolution not in (None, "raw", "1m", "1h"):
            errors["resolution"] = "resolution must be raw, 1m or 1h"
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        end = end or timezone.now()
        start = start or end - DEFAULT_SPAN
        if start >= end:
            return Response({"start": "start must be before end"}, status=status.HTTP_400_BAD_REQUEST)
        result = storage.series(storage.SeriesRequest(sensor.pk, start, end, points, sensor.sampling_interval_s),
                                resolution)
        body = {"sensor": sensor.pk, "metric": sensor.metric, "unit": sensor.unit, "resolution": result.resolution,
                "start": start.isoformat(), "end": end.isoformat(), "points": len(result.t),
                "t": result.t.tolist(), "value": result.value.tolist()}
        if result.min is not None:
            body["min"], body["max"] = result.min.tolist(), result.max.tolist()
        # Thousands of floats: orjson writes them an order of magnitude faster than json.
        return HttpResponse(orjson.dumps(body), content_type="application/json")


class RollupSerializer(serializers.Serializer):
    sensor = serializers.IntegerField(source="sensor_id")
    bucket = serializers.DateTimeField()
    min = serializers.FloatField()
    max = serializers.FloatField()
    mean = serializers.FloatField()
    count = serializers.IntegerField()


class RollupMinuteViewSet(ScopedReadOnlyViewSet):
    queryset = ReadingRollupMinute.objects.all()
    serializer_class = RollupSerializer
    filterset_fields = ["sensor"]
    ordering_fields = ["bucket"]

    def get_queryset(self):
        storage.fold_rollups()  # what writes left pending, so the list has every reading
        return super().get_queryset()


class RollupHourViewSet(RollupMinuteViewSet):
    queryset = ReadingRollupHour.objects.all()


class GatewaySerializer(ScopedModelSerializer):
    class Meta:
        model = Gateway
        fields = ["id", "site", "name", "key_prefix", "is_active", "created_at", "last_seen_at"]
        read_only_fields = ["key_prefix", "is_active", "created_at", "last_seen_at"]


class GatewayViewSet(ScopedQuerysetMixin, mixins.CreateModelMixin, mixins.ListModelMixin,
                     mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Gateways of the user's sites. Creating one answers its key, once; ``revoke`` disables it."""

    queryset = Gateway.objects.select_related("site")
    serializer_class = GatewaySerializer
    filterset_fields = ["site", "is_active"]
    action_permissions = {"revoke": ["telemetry.change_gateway"]}
    action_scopes = {"revoke": "change"}

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site = serializer.validated_data["site"]
        if not request.user.sees_all_sites and site.pk not in request.user.site_ids:
            return Response({"site": ["Not one of your sites."]}, status=status.HTTP_400_BAD_REQUEST)
        gateway, key = services.issue_gateway(site=site, name=serializer.validated_data["name"],
                                              acting_user=request.user)
        return Response({**GatewaySerializer(gateway, context=self.get_serializer_context()).data, "key": key},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GatewaySerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        gateway = services.revoke_gateway(self.get_object(), acting_user=request.user)
        return Response(GatewaySerializer(gateway, context=self.get_serializer_context()).data)


class CsvImportSerializer(serializers.ModelSerializer):
    percent = serializers.IntegerField(read_only=True)

    class Meta:
        model = CsvImport
        fields = ["id", "original_name", "status", "atomic", "total_rows", "processed_rows", "percent", "stored",
                  "duplicates", "refused", "errors", "message", "created_at", "finished_at"]
        read_only_fields = fields


class CsvImportViewSet(ScopedQuerysetMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin,
                       viewsets.GenericViewSet):
    """Upload a CSV of historical readings (multipart ``file``, optional ``atomic``); the import
    runs in the background: poll the import for its progress and per-row errors."""

    queryset = CsvImport.objects.all()
    serializer_class = CsvImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    http_method_names = ["get", "head", "options", "post"]

    action_permissions = {"create": ["telemetry.add_reading"]}  # uploading a file is adding readings

    @extend_schema(request={"multipart/form-data": {"type": "object", "properties": {
        "file": {"type": "string", "format": "binary"}, "atomic": {"type": "boolean"}}}},
        responses={202: CsvImportSerializer, 400: None})
    def create(self, request, *args, **kwargs):
        upload = request.FILES.get("file")
        if upload is None:
            return Response({"file": ["Attach a CSV file with the columns sensor, ts, value."]},
                            status=status.HTTP_400_BAD_REQUEST)
        atomic = str(request.data.get("atomic", "")).lower() in ("1", "true", "yes", "on")
        job = services.start_csv_import(upload=upload, acting_user=request.user, atomic=atomic)
        return Response(CsvImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)
