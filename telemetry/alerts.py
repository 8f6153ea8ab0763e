"""The alert lifecycle: raise, acknowledge and close, each recorded with its activity event and
live push. Below the alarm rules (which raise and clear alerts) and the services."""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone

from prosync.core.recording import record, send_on_commit
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlertSeverity, AlertStatus
from telemetry.models import Alert
from telemetry.signals import alarm_raised


def _alert_payload(alert: Alert) -> dict:
    return {"id": alert.pk, "asset": alert.asset_id, "sensor": alert.sensor_id, "rule": alert.rule_id,
            "cause": alert.cause, "severity": alert.severity, "status": alert.status, "title": alert.title,
            "message": alert.message, "opened_at": alert.opened_at.isoformat() if alert.opened_at else None,
            "closed_at": alert.closed_at.isoformat() if alert.closed_at else None}


def _as_event(alert: Alert, kind: str, title: str, details: dict | None = None) -> dict:
    """Every alarm change is an event: in the activity log and live to the asset and site."""
    return {"activity": {"kind": kind, "title": title, "site_id": alert.site_id, "asset_id": alert.asset_id,
                         "severity": alert.severity,
                         "details": {"alert": alert.pk, "rule": alert.rule_id, **(details or {})}},
            "push": {"asset_id": alert.asset_id, "site_id": alert.site_id, "event_type": "telemetry.alert",
                     "payload": _alert_payload(alert)}}


def raise_alert(*, asset, cause: str, source: str, title: str, message: str = "",
                severity: str = AlertSeverity.WARNING, details: dict | None = None, sensor=None,
                actor=None, rule=None, condition_at: datetime | None = None) -> tuple[Alert, bool]:
    """Open an alert unless one is already active for this asset and cause. Returns (alert, created).

    With ``rule`` (an alarm rule raised it) the ``alarm_raised`` signal follows after commit, so
    that work orders can open an order for it."""
    existing = Alert.objects.filter(asset=asset, cause=cause, status__in=ACTIVE_ALERT_STATUSES).first()
    if existing:
        return existing, False
    try:
        with transaction.atomic():
            alert = Alert.objects.create(site_id=asset.site_id, asset=asset, sensor=sensor, source=source, cause=cause,
                                         severity=severity, title=title, message=message, details=details or {},
                                         rule=rule, condition_at=condition_at)
            record(actor, "alert.raise", alert, changes={"cause": cause},
                   **_as_event(alert, "alarm.raised", f"Alarm: {title}", {"message": message} if message else None))
    except IntegrityError:  # a concurrent run opened it first; the constraint keeps it single
        return Alert.objects.get(asset=asset, cause=cause, status__in=ACTIVE_ALERT_STATUSES), False
    if rule is not None:
        send_on_commit(alarm_raised, sender=Alert, alert=alert, rule=rule)
    return alert, True


@transaction.atomic
def acknowledge_alert(alert: Alert, *, actor) -> Alert:
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status != AlertStatus.OPEN:
        raise ValueError(f"Only an open alert can be acknowledged; this one is {alert.get_status_display().lower()}.")
    alert.status = AlertStatus.ACKNOWLEDGED
    alert.acknowledged_at = timezone.now()
    alert.acknowledged_by = actor
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by"])
    record(actor, "alert.acknowledge", alert, **_as_event(alert, "alarm.acknowledged",
                                                          f"Acknowledged by {actor}: {alert.title}"))
    return alert


@transaction.atomic
def close_alert(alert: Alert, *, actor=None, reason: str = "", cleared_value_at: datetime | None = None) -> Alert:
    """Clear an alert (its condition is over). Closing a cleared alert again changes nothing."""
    alert = Alert.objects.select_for_update().get(pk=alert.pk)
    if alert.status == AlertStatus.CLOSED:
        return alert
    alert.status = AlertStatus.CLOSED
    alert.closed_at = timezone.now()
    alert.cleared_value_at = cleared_value_at
    alert.save(update_fields=["status", "closed_at", "cleared_value_at"])
    record(actor, "alert.close", alert, changes={"reason": reason},
           **_as_event(alert, "alarm.cleared", f"Cleared: {alert.title}", {"reason": reason} if reason else None))
    return alert
