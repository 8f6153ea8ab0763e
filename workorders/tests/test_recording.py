"""What a work-order change records: the follow-on writes (PM compliance) in its own transaction
and audited, its activity event, and notifications after commit that cannot undo it."""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from accounts.models import AuditLog
from telemetry.eventlog import events_for
from workorders import services
from workorders import services_planning as preventive
from workorders.choices import Compliance, WorkOrderStatus
from workorders.models import PMOccurrence, PreventiveSchedule, WorkOrder
from workorders.signals import work_order_status_changed


def _pm_order(plant) -> WorkOrder:
    start = timezone.now() + timedelta(days=1)
    schedule = preventive.save_schedule(PreventiveSchedule(asset=plant.asset_a, title="Grease", interval=1,
                                                           interval_unit="weeks", starts_at=start, lead_time_days=2),
                                        actor=plant.manager_a)
    preventive.generate_due_orders(now=start - timedelta(days=1))
    return WorkOrder.objects.get(pm_occurrence__schedule=schedule)


def test_completing_a_pm_order_records_its_compliance_in_the_same_transaction(plant,
                                                                              django_capture_on_commit_callbacks):
    wo = _pm_order(plant)
    with django_capture_on_commit_callbacks(execute=False):  # nothing waits for the commit
        services.transition_work_order(wo, WorkOrderStatus.IN_PROGRESS, actor=plant.tech_a)
        services.transition_work_order(wo, WorkOrderStatus.COMPLETED, actor=plant.tech_a)
    assert PMOccurrence.objects.get(work_order=wo).compliance == Compliance.ON_TIME
    assert AuditLog.objects.filter(action="pm.complete", actor=plant.tech_a).exists()
    kinds = [e["kind"] for e in events_for(plant.manager_a, asset_id=plant.asset_a.pk)]
    assert kinds[:3] == ["workorder.completed", "workorder.in_progress", "workorder.created"]


def test_a_failing_notification_is_logged_and_leaves_the_change_made(plant, django_capture_on_commit_callbacks,
                                                                     caplog):
    def broken(sender, **kwargs):
        raise RuntimeError("mail server down")

    wo = services.create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Check", kind="inspection")
    work_order_status_changed.connect(broken)
    try:
        with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
            services.transition_work_order(wo, WorkOrderStatus.CANCELLED, actor=plant.manager_a)
    finally:
        work_order_status_changed.disconnect(broken)
    assert WorkOrder.objects.get(pk=wo.pk).status == WorkOrderStatus.CANCELLED
    assert "mail server down" in caplog.text
