"""API of alarm rules, their states and the activity log."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from prosync.core.api import ScopedModelSerializer, ScopedReadOnlyViewSet, ScopedViewSet
from telemetry import alarms, meters
from telemetry.eventlog import events_for
from telemetry.filters import AlarmRuleFilterSet, AlarmStateFilterSet
from telemetry.models import AlarmRule, AlarmState, DerivedMeter, Event


class AlarmRuleSerializer(ScopedModelSerializer):
    description = serializers.CharField(source="describe", read_only=True)

    class Meta:
        model = AlarmRule
        fields = ["id", "site", "name", "sensor", "category", "metric", "condition", "high", "low", "deadband",
                  "duration_s", "rate_per_minute", "stale_minutes", "severity", "create_work_order", "is_enabled",
                  "description", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"site": {"required": False}}


class AlarmRuleViewSet(ScopedViewSet):
    """Alarm rules per sensor, or per category and metric at a site; writes go through the
    alarm services (validation, audit, evaluation reset on a changed limit)."""

    queryset = AlarmRule.objects.select_related("sensor", "category")
    serializer_class = AlarmRuleSerializer
    filterset_class = AlarmRuleFilterSet
    search_fields = ["name", "metric"]
    ordering_fields = ["name", "severity", "created_at"]

    def perform_create(self, serializer):
        serializer.instance = alarms.create_alarm_rule(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = alarms.update_alarm_rule(serializer.instance, actor=self.request.user,
                                                       **serializer.validated_data)

    def perform_destroy(self, instance):
        alarms.delete_alarm_rule(instance, actor=self.request.user)


class AlarmStateSerializer(serializers.ModelSerializer):
    class Meta:
        model = AlarmState
        fields = ["id", "rule", "sensor", "in_condition", "since", "active", "suppressed", "last_ts", "last_value",
                  "alert", "updated_at"]
        read_only_fields = fields


class AlarmStateViewSet(ScopedReadOnlyViewSet):
    """Where each rule stands on each sensor (read only; the evaluation writes it)."""

    queryset = AlarmState.objects.all()
    serializer_class = AlarmStateSerializer
    filterset_class = AlarmStateFilterSet
    ordering_fields = ["updated_at"]


class DerivedMeterSerializer(ScopedModelSerializer):
    class Meta:
        model = DerivedMeter
        fields = ["id", "sensor", "meter", "mode", "threshold", "max_gap_s", "is_enabled", "is_running", "last_ts",
                  "pending"]
        read_only_fields = ["is_running", "last_ts", "pending"]


class DerivedMeterViewSet(ScopedViewSet):
    """Running hours or cycles of an asset counted from one of its sensors into an asset meter."""

    queryset = DerivedMeter.objects.select_related("sensor", "meter")
    serializer_class = DerivedMeterSerializer
    filterset_fields = ["sensor", "meter", "mode", "is_enabled"]
    ordering_fields = ["id"]

    def perform_create(self, serializer):
        serializer.instance = meters.create_derived_meter(actor=self.request.user, **serializer.validated_data)

    def perform_update(self, serializer):
        serializer.instance = meters.update_derived_meter(serializer.instance, actor=self.request.user,
                                                          **serializer.validated_data)


class EventSerializer(serializers.Serializer):
    id = serializers.CharField()
    at = serializers.DateTimeField()
    site = serializers.IntegerField(source="site_id")
    asset = serializers.IntegerField(source="asset_id", allow_null=True)
    kind = serializers.CharField()
    title = serializers.CharField()
    severity = serializers.CharField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    details = serializers.JSONField()


class EventPageSerializer(serializers.Serializer):
    results = EventSerializer(many=True)
    next_before = serializers.DateTimeField(allow_null=True, help_text="Pass as ?before= for the older events; "
                                                                        "null on the last page.")


class EventListView(APIView):
    """The activity log of the user's sites, newest first; ``before`` (the ``at`` of the last
    event of a page) pages back. Served by the configured event-log backend."""

    queryset = Event.objects.none()  # tells the permission class which model this reads

    @extend_schema(parameters=[
        OpenApiParameter("asset", int), OpenApiParameter("site", int),
        OpenApiParameter("kind", str, description="Comma-separated kinds, e.g. alarm.raised,alarm.cleared"),
        OpenApiParameter("before", str, description="ISO 8601 instant: events strictly older"),
        OpenApiParameter("limit", int, description="At most 500 (default 50)")],
        responses={200: EventPageSerializer, 400: None})
    def get(self, request):
        errors, params = {}, {}
        for name in ("asset", "site", "limit"):
            raw = request.query_params.get(name)
            if raw:
                try:
                    params[name] = int(raw)
                except ValueError:
                    errors[name] = [f"'{raw[:40]}' is not a whole number."]
        before = request.query_params.get("before")
        if before:
            params["before"] = parse_datetime(before.replace(" ", "+"))
            if params["before"] is None:
                errors["before"] = ["Give an ISO 8601 instant with its offset."]
        if errors:
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        limit = min(max(params.pop("limit", 50), 1), 500)
        kinds = [k for k in request.query_params.get("kind", "").split(",") if k]
        events = events_for(request.user, asset_id=params.get("asset"), site_id=params.get("site"), kinds=kinds,
                            before=params.get("before"), limit=limit)
        data = EventSerializer(events, many=True).data
        return Response({"results": data, "next_before": data[-1]["at"] if len(data) == limit else None})
