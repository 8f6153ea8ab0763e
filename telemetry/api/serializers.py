"""API serializers of sensors, readings, alerts and alarm rules."""

from rest_framework import serializers

from prosync.core.api import ScopedModelSerializer
from telemetry.models import Alert, Sensor


class SensorSerializer(ScopedModelSerializer):
    class Meta:
        model = Sensor
        fields = ["id", "asset", "name", "metric", "unit", "key", "expected_min", "expected_max",
                  "sampling_interval_s", "is_active", "last_value", "last_ts"]
        read_only_fields = ["last_value", "last_ts"]


class BulkReadingItemSerializer(serializers.Serializer):
    """Schema only: the bulk endpoint validates items itself to report every bad one by index."""

    sensor = serializers.JSONField(help_text="Sensor id (integer) or external key (string).")
    ts = serializers.JSONField(help_text="ISO 8601 with offset, or epoch seconds.")
    value = serializers.FloatField()


class BulkResultSerializer(serializers.Serializer):
    received = serializers.IntegerField()
    stored = serializers.IntegerField()
    duplicates = serializers.IntegerField()
    refused = serializers.IntegerField()
    errors = serializers.ListField(child=serializers.DictField())


class AlertSerializer(ScopedModelSerializer):
    class Meta:
        model = Alert
        fields = ["id", "site", "asset", "sensor", "source", "cause", "severity", "status", "title", "message",
                  "details", "opened_at", "acknowledged_at", "acknowledged_by", "closed_at"]
        read_only_fields = fields
