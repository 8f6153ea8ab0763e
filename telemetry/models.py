"""Sensors, their readings, and alerts."""

import hashlib
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models

from prosync.core.permissions import SiteScopedManager
from telemetry.choices import (
    ACTIVE_ALERT_STATUSES,
    AlarmCondition,
    AlertSeverity,
    AlertSource,
    AlertStatus,
    DerivedMeterMode,
)


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
    """One value of one sensor at one instant; (sensor, ts) is stored once.

    In PostgreSQL the table is partitioned by day on ``ts`` (see telemetry/backends/postgres.py),
    keyed by its unique (sensor, ts); Django addresses rows by ``id``, unique through its sequence
    and found through a BRIN index (a B-tree key would have to include ``ts`` anyway).
    Written by the storage backend with COPY, never row by row through the ORM."""

    site_field = "sensor__asset__site"

    # No database foreign key (see migration 0007): the service writes only sensors it has just
    # looked up, and deleting a sensor deletes its readings through Django's cascade.
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="readings", db_constraint=False)
    ts = models.DateTimeField()
    value = models.FloatField()

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-ts"]
        constraints = [models.UniqueConstraint(fields=["sensor", "ts"], name="unique_reading_per_instant")]

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.ts:%Y-%m-%d %H:%M:%S} = {self.value}"


class RollupBase(models.Model):
    """Aggregate of one sensor's readings over one bucket, kept current by every write."""

    site_field = "sensor__asset__site"

    # No index of its own: the unique (sensor, bucket) key serves lookups by sensor.
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="+", db_index=False)
    bucket = models.DateTimeField(help_text="Start of the bucket (UTC).")
    min = models.FloatField()
    max = models.FloatField()
    sum = models.FloatField()
    count = models.PositiveIntegerField()

    objects = SiteScopedManager()

    class Meta:
        abstract = True
        ordering = ["sensor", "bucket"]

    def __str__(self) -> str:
        return f"{self.sensor_id}@{self.bucket:%Y-%m-%d %H:%M} n={self.count}"

    @property
    def mean(self) -> float:
        return self.sum / self.count if self.count else float("nan")


class ReadingRollupMinute(RollupBase):
    class Meta(RollupBase.Meta):
        verbose_name = "reading rollup (1 minute)"
        verbose_name_plural = "reading rollups (1 minute)"
        constraints = [models.UniqueConstraint(fields=["sensor", "bucket"], name="unique_rollup_minute")]


class ReadingRollupHour(RollupBase):
    class Meta(RollupBase.Meta):
        verbose_name = "reading rollup (1 hour)"
        verbose_name_plural = "reading rollups (1 hour)"
        constraints = [models.UniqueConstraint(fields=["sensor", "bucket"], name="unique_rollup_hour")]


class Gateway(models.Model):
    """A plant gateway (PLC bridge, historian) that sends readings with an API key of its own.

    Only a hash of the key is stored; the key is shown once, when it is issued. A gateway writes
    for the sensors of its site only, as the user it acts for (``actor``) would."""

    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.CASCADE, related_name="gateways")
    name = models.CharField(max_length=80)
    key_prefix = models.CharField(max_length=12, unique=True, editable=False,
                                  help_text="First characters of the key, to recognise it in logs.")
    key_hash = models.CharField(max_length=128, editable=False)
    mqtt_password_hash = models.CharField(
        max_length=200, blank=True, editable=False,
        help_text="The key hashed for the MQTT broker's password file (user gateway-<key prefix>).")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="unique_gateway_name_per_site")]

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"

    @staticmethod
    def hash_key(key: str) -> str:
        """Keys are random 256-bit secrets, so a SHA-256 is a safe and fast check (no slow
        password hash on every batch)."""
        return hashlib.sha256(key.encode()).hexdigest()


class CsvImport(models.Model):
    """An upload of historical readings as CSV, processed by a Celery task in chunks."""

    site_field = "site"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    site = models.ForeignKey("assets.Site", null=True, blank=True, on_delete=models.CASCADE, related_name="+",
                             help_text="Empty when the uploader sees every site.")
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    file = models.FileField(upload_to="telemetry/csv/%Y/%m/")
    original_name = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    atomic = models.BooleanField(default=False, help_text="Refuse the whole file if any row is bad.")
    total_rows = models.PositiveIntegerField(default=0)
    processed_rows = models.PositiveIntegerField(default=0)
    stored = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="The first errors, with row numbers.")
    message = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True,
                                        help_text="Last progress report of the worker running it.")
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "CSV import"

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def percent(self) -> int:
        return int(100 * self.processed_rows / self.total_rows) if self.total_rows else (
            100 if self.status == self.Status.DONE else 0)

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


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
    # Alarm-rule alerts: the rule that raised it, and the instants the condition began and cleared
    # (reading time, which may differ from the wall-clock opened_at/closed_at for late data).
    rule = models.ForeignKey("AlarmRule", null=True, blank=True, on_delete=models.SET_NULL, related_name="alerts")
    condition_at = models.DateTimeField(null=True, blank=True)
    cleared_value_at = models.DateTimeField(null=True, blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-opened_at"]
        constraints = [
            # The database, not only the code, keeps one active alert per asset and cause.
            models.UniqueConstraint(fields=["asset", "cause"], condition=models.Q(status__in=ACTIVE_ALERT_STATUSES),
                                    name="one_active_alert_per_asset_cause"),
            models.UniqueConstraint(fields=["rule", "sensor"], condition=models.Q(status__in=ACTIVE_ALERT_STATUSES),
                                    name="one_active_alert_per_rule_sensor"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_status_display()})"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_ALERT_STATUSES


class AlarmRule(models.Model):
    """A limit on one sensor, or on one metric of every asset of a category at a site.

    Above / below / outside a band, held for at least ``duration_s`` before the alarm is raised,
    and cleared only once the value is back inside the limit by more than the deadband, so a
    value hovering at the limit raises one alarm, not one per reading. Rate of change and stale
    (no data) rules use their own limit fields."""

    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.CASCADE, related_name="alarm_rules")
    name = models.CharField(max_length=120)
    sensor = models.ForeignKey(Sensor, null=True, blank=True, on_delete=models.CASCADE, related_name="alarm_rules",
                               help_text="The one sensor this rule watches; or leave empty and give a category.")
    category = models.ForeignKey("assets.AssetCategory", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="alarm_rules",
                                 help_text="Every asset of this category at the site, on the metric below.")
    metric = models.SlugField(max_length=40, blank=True, help_text="With a category: which metric, e.g. vibration.")
    condition = models.CharField(max_length=10, choices=AlarmCondition.choices, default=AlarmCondition.ABOVE)
    high = models.FloatField(null=True, blank=True, help_text="High limit (above, outside).")
    low = models.FloatField(null=True, blank=True, help_text="Low limit (below, outside).")
    deadband = models.FloatField(default=0.0, help_text="How far back inside the limit the value must come "
                                                        "before the alarm clears (hysteresis), in the sensor's unit.")
    duration_s = models.PositiveIntegerField(default=0, help_text="The condition must hold this many seconds.")
    rate_per_minute = models.FloatField(null=True, blank=True,
                                        help_text="Rate of change: alarm when the value moves faster than this "
                                                  "(unit per minute, either direction).")
    stale_minutes = models.PositiveIntegerField(null=True, blank=True, help_text="Stale: minutes without data.")
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.WARNING)
    create_work_order = models.BooleanField(default=False, help_text="Open a corrective work order with the alarm.")
    is_enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site", "name"]
        indexes = [models.Index(fields=["category", "metric"])]
        constraints = [
            models.CheckConstraint(condition=(models.Q(sensor__isnull=False, category__isnull=True)
                                              | models.Q(sensor__isnull=True, category__isnull=False)),
                                   name="alarm_rule_sensor_xor_category"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("telemetry:rule-edit", args=[self.pk])

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.sensor_id and self.category_id:
            errors["category"] = "Give either one sensor or a category, not both."
        elif not self.sensor_id and not self.category_id:
            errors["sensor"] = "Choose the sensor this rule watches, or a category and metric."
        if self.category_id and not self.metric:
            errors["metric"] = "A category rule needs the metric it watches."
        if self.category_id and not self.site_id:
            errors["site"] = "A category rule needs the site whose assets it watches."
        if self.sensor_id and self.site_id and self.sensor.asset.site_id != self.site_id:
            errors["sensor"] = "This sensor belongs to another site."
        c = self.condition
        if c in (AlarmCondition.ABOVE, AlarmCondition.OUTSIDE) and self.high is None:
            errors["high"] = "This condition needs a high limit."
        if c in (AlarmCondition.BELOW, AlarmCondition.OUTSIDE) and self.low is None:
            errors["low"] = "This condition needs a low limit."
        if c == AlarmCondition.OUTSIDE and self.high is not None and self.low is not None and self.low >= self.high:
            errors["high"] = "The high limit must be above the low limit."
        if c == AlarmCondition.RATE and (self.rate_per_minute is None or self.rate_per_minute <= 0):
            errors["rate_per_minute"] = "A rate-of-change rule needs a positive rate per minute."
        if c == AlarmCondition.STALE and not self.stale_minutes:
            errors["stale_minutes"] = "A stale rule needs the number of minutes without data."
        if self.deadband is not None and self.deadband < 0:
            errors["deadband"] = "The deadband cannot be negative."
        if (c == AlarmCondition.OUTSIDE and self.deadband and self.high is not None and self.low is not None
                and 2 * self.deadband >= self.high - self.low):
            errors["deadband"] = "The deadband must be less than half the band, or the alarm could never clear."
        if errors:
            raise ValidationError(errors)

    def describe(self) -> str:
        """The condition in words, e.g. 'above 7.1 (deadband 0.2) for 30 s'."""
        c = self.condition
        if c == AlarmCondition.ABOVE:
            text = f"above {self.high:g}"
        elif c == AlarmCondition.BELOW:
            text = f"below {self.low:g}"
        elif c == AlarmCondition.OUTSIDE:
            text = f"outside {self.low:g} – {self.high:g}"
        elif c == AlarmCondition.RATE:
            text = f"changes faster than {self.rate_per_minute:g}/min"
        else:
            return f"no data for {self.stale_minutes} min"
        if self.deadband:
            text += f" (deadband {self.deadband:g})"
        if self.duration_s:
            text += f" for {self.duration_s} s"
        return text


class AlarmState(models.Model):
    """Where one rule stands on one sensor, kept in the database so that every ingesting
    process (web, MQTT worker, CSV task) continues the same evaluation."""

    site_field = "sensor__asset__site"

    rule = models.ForeignKey(AlarmRule, on_delete=models.CASCADE, related_name="states")
    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="alarm_states")
    in_condition = models.BooleanField(default=False, help_text="The limit is exceeded (with hysteresis).")
    since = models.DateTimeField(null=True, blank=True, help_text="When the condition began (reading time).")
    active = models.BooleanField(default=False, help_text="The alarm is raised (or would be, if suppressed).")
    suppressed = models.BooleanField(default=False, help_text="Held back: the asset is under maintenance.")
    last_ts = models.DateTimeField(null=True, blank=True)
    last_value = models.FloatField(null=True, blank=True)
    alert = models.ForeignKey(Alert, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["rule", "sensor"]
        constraints = [models.UniqueConstraint(fields=["rule", "sensor"], name="one_alarm_state_per_rule_sensor")]

    def __str__(self) -> str:
        return f"{self.rule} on {self.sensor_id}: {'active' if self.active else 'normal'}"


class EventOutbox(models.Model):
    """Events bound for the MongoDB event log, written in the transaction of the change they
    describe and removed once MongoDB holds them: with MongoDB down the change still commits and
    its events wait here (telemetry.eventlog)."""

    key = models.UUIDField(default=uuid.uuid4, unique=True, editable=False,
                           help_text="The document's _id in MongoDB, so a second delivery stores nothing twice.")
    at = models.DateTimeField()
    record = models.JSONField(encoder=DjangoJSONEncoder)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.record.get('kind', '')}"


class Event(models.Model):
    """The activity log of an asset and a site (PostgreSQL backend of telemetry.eventlog):
    append-only; alarms, asset status changes and work-order events."""

    site_field = "site"

    at = models.DateTimeField(db_index=True)
    site = models.ForeignKey("assets.Site", on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=40, help_text="Namespaced, e.g. alarm.raised, workorder.completed.")
    title = models.CharField(max_length=200)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.INFO)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    details = models.JSONField(default=dict, blank=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["site", "-at"]), models.Index(fields=["asset", "-at"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.kind} {self.title}"



class DerivedMeter(models.Model):
    """Running hours or cycles of an asset computed from one of its sensors (e.g. motor current
    above a threshold), fed into an asset meter of the registry."""

    site_field = "sensor__asset__site"

    sensor = models.ForeignKey(Sensor, on_delete=models.CASCADE, related_name="derived_meters")
    meter = models.OneToOneField("assets.Meter", on_delete=models.CASCADE, related_name="derived_from")
    mode = models.CharField(max_length=20, choices=DerivedMeterMode.choices, default=DerivedMeterMode.RUNNING_HOURS)
    threshold = models.FloatField(help_text="The machine counts as running while the value is above this.")
    max_gap_s = models.PositiveIntegerField(default=300, help_text="A longer gap between readings is not counted "
                                                                   "as running time (the sensor was silent).")
    is_running = models.BooleanField(default=False, editable=False)
    last_ts = models.DateTimeField(null=True, blank=True, editable=False)
    pending = models.FloatField(default=0.0, editable=False,
                                help_text="Hours or cycles counted but not yet added to the meter.")
    is_enabled = models.BooleanField(default=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["sensor"]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} from {self.sensor}"

    def clean(self) -> None:
        if self.sensor_id and self.meter_id and self.meter.asset_id != self.sensor.asset_id:
            raise ValidationError({"meter": "The meter and the sensor must belong to the same asset."})
