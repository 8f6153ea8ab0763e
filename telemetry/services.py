"""Telemetry writes: reading ingestion (every channel goes through ``ingest_readings``) and the
alert lifecycle."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from accounts.services import write_audit
from prosync.events import broadcast_many_on_commit, broadcast_on_commit
from telemetry import storage
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlertSeverity, AlertStatus
from telemetry.models import Alert, Sensor


@dataclass
class IngestResult:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    errors: list[dict] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return len({e["index"] for e in self.errors})

    def as_dict(self) -> dict:
        return {"received": self.received, "stored": self.stored, "duplicates": self.duplicates,
                "refused": self.refused, "errors": self.errors}


class BatchRefused(ValueError):
    """The whole batch is unusable (not a list, empty, too large)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _parse_ts(raw, now: datetime) -> tuple[datetime | None, str | None]:
    if isinstance(raw, bool) or raw is None:
        return None, "a timestamp is required (ISO 8601 with offset, or epoch seconds)"
    if isinstance(raw, (int, float)):
        if not math.isfinite(raw):
            return None, "the timestamp is not a finite number"
        try:
            ts = datetime.fromtimestamp(raw, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None, "the timestamp is out of range"
    elif isinstance(raw, str):
        try:
            ts = parse_datetime(raw.strip())
        except ValueError:
            ts = None
        if ts is None:
            return None, f"'{raw[:40]}' is not an ISO 8601 timestamp"
        if timezone.is_naive(ts):
            return None, "the timestamp has no time-zone offset (add Z or +hh:mm)"
    else:
        return None, "the timestamp must be a string or a number"
    if ts > now + settings.INGEST_MAX_FUTURE:
        return None, "the timestamp is in the future beyond the allowed clock skew"
    return ts, None


def _parse_value(raw) -> tuple[float | None, str | None]:
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        if isinstance(raw, str):
            return None, "the value is a string; send a JSON number"
        return None, "the value must be a number"
    value = float(raw)
    if not math.isfinite(value):
        return None, "the value is NaN or infinite"
    return value, None


def ingest_readings(items, *, acting_user=None, atomic: bool = False) -> IngestResult:
    """Validate and store readings ``[{sensor, ts, value}, ...]``; ``sensor`` is an id or a key.

    Each bad item is refused with its index, field and reason while the valid items are stored
    (or nothing is stored when ``atomic``). Sensors are looked up among those the acting user
    may see, so another site's sensor is as unknown as one that does not exist.
    """
    if not isinstance(items, list):
        raise BatchRefused("the body must be a JSON list of readings")
    if not items:
        raise BatchRefused("the list of readings is empty")
    if len(items) > settings.INGEST_MAX_BATCH:
        raise BatchRefused(f"the batch has {len(items)} readings; the limit is {settings.INGEST_MAX_BATCH}")

    result = IngestResult(received=len(items))
    now = timezone.now()
    ids, keys = set(), set()
    for item in items:
        ref = item.get("sensor") if isinstance(item, dict) else None
        if isinstance(ref, int) and not isinstance(ref, bool):
            ids.add(ref)
        elif isinstance(ref, str):
            keys.add(ref)
    sensors = Sensor.objects.all() if acting_user is None else Sensor.objects.for_user(acting_user, "view")
    found = list(sensors.filter(is_active=True).filter(
        Q(id__in=ids) | Q(key__in=keys)).values_list("id", "key", "asset_id", "asset__site_id"))
    by_id = {row[0]: row for row in found}
    by_key = {row[1]: row for row in found}

    rows: list[tuple[int, datetime, float]] = []
    touched: dict[int, tuple[int, int]] = {}
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            result.errors.append({"index": index, "field": None, "reason": "each reading must be a JSON object"})
            continue
        bad = False
        ref = item.get("sensor")
        sensor = None
        if ref is None:
            result.errors.append({"index": index, "field": "sensor", "reason": "the sensor is required"})
            bad = True
        else:
            sensor = by_id.get(ref) if isinstance(ref, int) and not isinstance(ref, bool) else (
                by_key.get(ref) if isinstance(ref, str) else None)
            if sensor is None:
                result.errors.append({"index": index, "field": "sensor", "reason": f"unknown sensor {ref!r}"[:120]})
                bad = True
        ts, reason = _parse_ts(item.get("ts"), now)
        if reason:
            result.errors.append({"index": index, "field": "ts", "reason": reason})
            bad = True
        value, reason = _parse_value(item.get("value"))
        if reason:
            result.errors.append({"index": index, "field": "value", "reason": reason})
            bad = True
        if bad:
            continue
        rows.append((sensor[0], ts, value))
        touched[sensor[0]] = (sensor[2], sensor[3])

    if atomic and result.errors:
        return result
    with transaction.atomic():
        result.stored = storage.write_readings(rows)
        result.duplicates = len(rows) - result.stored
        _broadcast_latest(touched)
    return result


def _broadcast_latest(touched: dict[int, tuple[int, int]]) -> None:
    """One coalesced event per asset per batch with the latest value of each of its sensors."""
    if not touched:
        return
    by_asset: dict[tuple[int, int], list[dict]] = {}
    latest = Sensor.objects.filter(id__in=touched).values("id", "metric", "unit", "last_value", "last_ts")
    for row in latest:
        by_asset.setdefault(touched[row["id"]], []).append({
            "sensor": row["id"], "metric": row["metric"], "unit": row["unit"], "value": row["last_value"],
            "ts": row["last_ts"].isoformat() if row["last_ts"] else None,
        })
    broadcast_many_on_commit([(asset_id, site_id, "telemetry.readings", {"asset": asset_id, "readings": values})
                              for (asset_id, site_id), values in by_asset.items()])


# --- Alerts -----------------------------------------------------------------------------------


def _alert_payload(alert: Alert) -> dict:
    return {"id": alert.pk, "asset": alert.asset_id, "cause": alert.cause, "severity": alert.severity,
            "status": alert.status, "title": alert.title, "message": alert.message,
            "opened_at": alert.opened_at.isoformat() if alert.opened_at else None}


def raise_alert(*, asset, cause: str, source: str, title: str, message: str = "",
                severity: str = AlertSeverity.WARNING, details: dict | None = None, sensor=None,
                acting_user=None) -> tuple[Alert, bool]:
    """Open an alert unless one is already active for this asset and cause. Returns (alert, created)."""
    existing = Alert.objects.filter(asset=asset, cause=cause, status__in=ACTIVE_ALERT_STATUSES).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(site_id=asset.site_id, asset=asset, sensor=sensor, source=source, cause=cause,
                                         severity=severity, title=title, message=message, details=details or {})
            write_audit(actor=acting_user, action="alert.raise", obj=alert, changes={"cause": cause})
            broadcast_on_commit(asset_id=asset.pk, site_id=asset.site_id, event_type="telemetry.alert",
                                payload=_alert_payload(alert))
    except IntegrityError:  # a concurrent run opened it first; the constraint keeps it single
        return Alert.objects.get(asset=asset, cause=cause, status__in=ACTIVE_ALERT_STATUSES), False
    return alert, True


@transaction.atomic
def acknowledge_alert(alert: Alert, *, acting_user) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValueError(f"Only an open alert can be acknowledged; this one is {alert.get_status_display().lower()}.")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = acting_user
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    write_audit(actor=acting_user, action="alert.acknowledge", obj=alert)
    broadcast_on_commit(asset_id=alert.asset_id, site_id=alert.site_id, event_type="telemetry.alert",
                        payload=_alert_payload(alert))
    return alert


@transaction.atomic
def close_alert(alert: Alert, *, acting_user=None, reason: str = "") -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.CLOSED:
        return alert
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.save(update_fields=["status", "closed_at"])
    write_audit(actor=acting_user, action="alert.close", obj=alert, changes={"reason": reason})
    broadcast_on_commit(asset_id=alert.asset_id, site_id=alert.site_id, event_type="telemetry.alert",
                        payload=_alert_payload(alert))
    return alert
