"""Sensors, their readings, and alerts."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from prosync.permissions import SiteScopedManager
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlertSeverity, AlertSource, AlertStatus


class Sensor(models.Model):
    site_field = "asset__site"

    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="sensors")
    name = models.CharField(max_length=80)
    metric = models.SlugField(max_length=40, help_text="What is measured, e.g. vibration, temperature.")
    unit = models.CharField(max_length=20, blank=True)
    key = models.CharField(max_length=100, unique=True, help_text="External key used by gateways.")
    expected_min = models.FloatField(null=True, blank=True)
    expected_max = models.FloatField(null=True, blank=True)
    sampling_interval_s = models.PositiveIntegerField(default=2)
    is_active = models.BooleanField(default=True)
    last_value = models.FloatField(null=True, blank=True, editable=False)
    last_ts = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["asset", "metric", "name"]
        constraints = [models.UniqueConstraint(fields=["asset", "metric"], name="unique_sensor_metric_per_asset")]

    def __str__(self) -> str:
        return f"{self.asset.tag}/{self.metric}"

    def clean(self) -> None:
        if self.expected_min is not None and self.expected_max is not None and self.expected_min > self.expected_max:
            raise ValidationError({"expected_max": "The expected maximum is below the expected minimum."})

    @property
    def out_of_range(self) -> bool:
        v = self.last_value
        return v is not None and (
            (self.expected_min is not None and v < self.expected_min)
            or (self.expected_max is not None and v > self.expected_max))


class Reading(models.Model):
    """One value of one sensor at one instant; (sensor, ts) is stored once."""

    site_field = "sensor__asset__site"

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="readings")
    ts = models.DateTimeField()
    value = models.FloatField()

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-ts"]
        constraints = [models.UniqueConstraint(fields=["sensor", "ts"], name="unique_reading_per_instant")]

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.ts:%Y-%m-%d %H:%M:%S} = {self.value}"


class Alert(models.Model):
    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.CASCADE, related_name="alerts")
    asset = models.ForeignKey("assets.Asset", on_delete=models.CASCADE, related_name="alerts")
    sensor = models.ForeignKey(Sensor, null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    source = models.CharField(max_length=20, choices=AlertSource.choices)
    cause = models.CharField(max_length=64, help_text="Machine-readable reason, e.g. 'low_health'.")
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    status = models.CharField(max_length=15, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    title = models.CharField(max_length=200)
    message = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField(auto_now_add=True, db_index=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # The database, not only the code, keeps one active alert per asset and cause.
            models.UniqueConstraint(fields=["asset", "cause"], condition=models.Q(status__in=ACTIVE_ALERT_STATUSES),
                                    name="one_active_alert_per_asset_cause"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ALERT_STATUSES
