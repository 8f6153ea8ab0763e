"""API of the telemetry store: a sensor's series over a range (raw or rollup, at most N points),
the rollups themselves (read-only), gateways and their keys, and CSV imports."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

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

from prosync.core.api import ScopedModelSerializer, ScopedQuerysetMixin
from prosync.core.permissions import SiteScopedPermission
from telemetry import services, storage
from telemetry.backends import BUCKET_US, from_us, to_us
from telemetry.models import CsvImport, Gateway, Reading, ReadingRollupHour, ReadingRollupMinute, Sensor

MAX_POINTS = 10_000
DEFAULT_SPAN = timedelta(hours=24)


EARLIEST, LATEST = datetime(1970, 1, 2, tzinfo=UTC), datetime(9000, 1, 1, tzinfo=UTC)


def _parse_instant(raw: str | None, name: str):
    if raw in (None, ""):
        return None, None
    try:
        value = parse_datetime(raw)
    except ValueError:
        value = None
    if value is None:
        try:
            value = datetime.fromtimestamp(float(raw), tz=UTC)
        except (ValueError, OverflowError, OSError):
            return None, f"{name} must be an ISO 8601 instant with offset, or epoch seconds"
    if timezone.is_naive(value):
        return None, f"{name} has no time-zone offset (add Z or +hh:mm)"
    if not EARLIEST <= value <= LATEST:
        return None, f"{name} must lie between {EARLIEST:%Y-%m-%d} and {LATEST:%Y-%m-%d}"
    return value, None


def _whole_number(raw: str) -> int | None:
    return int(raw) if re.fullmatch(r"[0-9]{1,12}", raw) else None


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
        try:
            result = storage.series(storage.SeriesRequest(sensor.pk, start, end, points, sensor.sampling_interval_s),
                                    resolution)
        except storage.TooManyRawRows as exc:
            return Response({"resolution": str(exc), "max_raw_points": exc.cap}, status=status.HTTP_400_BAD_REQUEST)
        body = {"sensor": sensor.pk, "metric": sensor.metric, "unit": sensor.unit, "resolution": result.resolution,
                "start": start.isoformat(), "end": end.isoformat(), "points": len(result.t),
                "t": result.t.tolist(), "value": result.value.tolist()}
        if result.min is not None:
            body["min"], body["max"] = result.min.tolist(), result.max.tolist()
        # Thousands of floats: orjson writes them an order of magnitude faster than json.
        return HttpResponse(orjson.dumps(body), content_type="application/json")


class StoreListViewSet(viewsets.ViewSet):
    """Base of the store's lists (raw readings, 1-minute and 1-hour rollups): one sensor at a
    time over ``since``..``until`` (default the last 24 h), at most ``limit`` rows oldest first,
    and a ``next`` link that goes on after the last row. Read through the configured store, so
    they answer alike on PostgreSQL and MongoDB."""

    permission_classes = [SiteScopedPermission]
    queryset = Reading.objects.none()  # names the model whose view permission is needed
    resolution = "raw"
    max_limit = 10_000

    @extend_schema(parameters=[
        OpenApiParameter("sensor", int, required=True, description="The sensor's id"),
        OpenApiParameter("since", str, description="ISO 8601 or epoch seconds; default until - 24 h"),
        OpenApiParameter("until", str, description="ISO 8601 or epoch seconds; default now"),
        OpenApiParameter("limit", int, description="Rows per answer (1..10000, default 1000)"),
    ], responses={200: None, 400: None})
    def list(self, request):
        params, errors = request.query_params, {}
        raw_sensor, sensor = params.get("sensor", ""), None
        if not raw_sensor:
            errors["sensor"] = "give the sensor's id: the store is listed one sensor at a time"
        elif _whole_number(raw_sensor) is None:
            errors["sensor"] = f"{raw_sensor!r} is not a sensor id"
        else:
            sensor = Sensor.objects.for_user(request.user, "view").filter(pk=_whole_number(raw_sensor)).first()
            if sensor is None:
                errors["sensor"] = f"no sensor {raw_sensor} among those you may see"
        since, err = _parse_instant(params.get("since"), "since")
        if err:
            errors["since"] = err
        until, err = _parse_instant(params.get("until"), "until")
        if err:
            errors["until"] = err
        raw_limit = params.get("limit", "1000")
        limit = _whole_number(raw_limit) or 0
        if not 1 <= limit <= self.max_limit:
            errors["limit"] = f"limit must be a whole number from 1 to {self.max_limit}"
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        until = until or timezone.now()
        since = since or until - DEFAULT_SPAN
        if since > until:
            return Response({"since": "since must not be after until"}, status=status.HTTP_400_BAD_REQUEST)
        rows, last_us = self.rows(sensor.pk, to_us(since), to_us(until), limit)
        following = None
        if len(rows) == limit:
            query = params.copy()
            query["since"], query["until"] = from_us(last_us + self.step_us).isoformat(), until.isoformat()
            following = request.build_absolute_uri(f"{request.path}?{query.urlencode()}")
        return Response({"sensor": sensor.pk, "resolution": self.resolution, "since": since.isoformat(),
                         "until": until.isoformat(), "count": len(rows), "next": following, "results": rows})

    step_us = 1  # the next answer starts just after the last reading

    def rows(self, sensor_id: int, start_us: int, end_us: int, limit: int) -> tuple[list[dict], int]:
        t, v = storage.get_store().raw(sensor_id, start_us, end_us, limit)
        rows = [{"ts": from_us(ts).isoformat(), "value": value}
                for ts, value in zip(t.tolist(), v.tolist(), strict=True)]
        return rows, int(t[-1]) if len(t) else 0


class ReadingViewSet(StoreListViewSet):
    """``GET /api/v1/readings/?sensor=<id>&since=&until=&limit=``: a sensor's raw readings."""


class RollupMinuteViewSet(StoreListViewSet):
    """A sensor's 1-minute buckets (min, max, mean, count), pending aggregates folded first."""

    queryset = ReadingRollupMinute.objects.none()
    resolution = "1m"

    @property
    def step_us(self) -> int:  # the next answer starts with the bucket after the last one
        return BUCKET_US[self.resolution]

    def rows(self, sensor_id, start_us, end_us, limit):
        bucket, lo, hi, total, count = storage.get_store().rollup(sensor_id, self.resolution, start_us, end_us,
                                                                  limit)
        rows = [{"bucket": from_us(b).isoformat(), "min": mn, "max": mx, "mean": sm / max(n, 1), "count": n}
                for b, mn, mx, sm, n in zip(bucket.tolist(), lo.tolist(), hi.tolist(), total.tolist(),
                                            count.tolist(), strict=True)]
        return rows, int(bucket[-1]) if len(bucket) else 0


class RollupHourViewSet(RollupMinuteViewSet):
    """A sensor's 1-hour buckets (min, max, mean, count), pending aggregates folded first."""

    queryset = ReadingRollupHour.objects.none()
    resolution = "1h"


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
                                              actor=request.user)
        return Response({**GatewaySerializer(gateway, context=self.get_serializer_context()).data, "key": key},
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: GatewaySerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request, pk=None):
        gateway = services.revoke_gateway(self.get_object(), actor=request.user)
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
        job = services.start_csv_import(upload=upload, actor=request.user, atomic=atomic)
        return Response(CsvImportSerializer(job).data, status=status.HTTP_202_ACCEPTED)
