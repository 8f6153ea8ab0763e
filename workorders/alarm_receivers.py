"""An alarm rule that asks for it opens a corrective work order with its alarm (telemetry sends
``alarm_raised``; workorders listens, so telemetry never imports workorders)."""

from __future__ import annotations

import logging

from django.db import transaction

from workorders.choices import OPEN_STATUSES, WorkOrderPriority, WorkOrderType

logger = logging.getLogger(__name__)

PRIORITY_FOR_SEVERITY = {"critical": WorkOrderPriority.URGENT, "warning": WorkOrderPriority.HIGH,
                         "info": WorkOrderPriority.MEDIUM}


def on_alarm_raised(sender, alert, rule, **kwargs):
    """One open order per alarm rule and asset: a rule that fires again while its order is still
    open adds nothing."""
    from workorders.models import WorkOrder
    from workorders.services import create_work_order

    if rule is None or not rule.create_work_order:
        return None
    ref = f"rule:{rule.pk}"
    try:
        with transaction.atomic():
            if WorkOrder.objects.filter(asset_id=alert.asset_id, source="alarm", source_ref=ref,
                                        status__in=OPEN_STATUSES).exists():
                return None
            return create_work_order(
                asset=alert.asset, title=alert.title[:200], kind=WorkOrderType.CORRECTIVE,
                priority=PRIORITY_FOR_SEVERITY.get(alert.severity, WorkOrderPriority.MEDIUM),
                description=f"Opened by the alarm rule \u201c{rule.name}\u201d.\n\n{alert.message}",
                source="alarm", source_ref=ref)
    except Exception:  # the alarm stands even if the order cannot be opened; say so in the log
        logger.exception("work order for alarm not created", extra={"alert": alert.pk, "rule": rule.pk})
        return None


def connect() -> None:
    from telemetry.signals import alarm_raised

    alarm_raised.connect(on_alarm_raised, dispatch_uid="workorders.alarm_receivers.on_alarm_raised")
