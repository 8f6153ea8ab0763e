"""Choices of the telemetry app (metrics, alarm conditions, severities, alert states)."""

from django.db import models


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CLOSED = "closed", "Closed"


class AlertSeverity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    CRITICAL = "critical", "Critical"


class AlertSource(models.TextChoices):
    RULE = "rule", "Alarm rule"
    PREDICTION = "prediction", "Health prediction"


ACTIVE_ALERT_STATUSES = (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED)


class AlarmCondition(models.TextChoices):
    ABOVE = "above", "Above the high limit"
    BELOW = "below", "Below the low limit"
    OUTSIDE = "outside", "Outside the band"
    RATE = "rate", "Changes faster than"
    STALE = "stale", "No data for"


class DerivedMeterMode(models.TextChoices):
    RUNNING_HOURS = "running_hours", "Running hours (time above the threshold)"
    CYCLES = "cycles", "Cycles (crossings of the threshold)"
