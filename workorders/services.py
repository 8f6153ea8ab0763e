"""Work-order writes: creation and lifecycle transitions, with audit and live events."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from accounts.services import write_audit
from prosync.events import broadcast_on_commit
from workorders.choices import PredictionOutcome, WorkOrderStatus, WorkOrderType
from workorders.models import WorkOrder
from workorders.signals import work_order_completed


class StaleVersion(Exception):
    """Someone else changed the work order since the caller read it."""


def _event(wo: WorkOrder, event_type: str) -> None:
    if wo.asset_id:
        broadcast_on_commit(asset_id=wo.asset_id, site_id=wo.site_id, event_type=event_type,
                            payload={"id": wo.pk, "number": wo.number, "title": wo.title, "status": wo.status,
                                     "priority": wo.priority, "asset": wo.asset_id})


@transaction.atomic
def create_work_order(*, acting_user=None, asset=None, site=None, **fields) -> WorkOrder:
    wo = WorkOrder(asset=asset, site=site or asset.site, created_by=acting_user, **fields)
    if wo.assignee_id and wo.status == WorkOrderStatus.OPEN:
        wo.status = WorkOrderStatus.ASSIGNED
    wo.full_clean()
    wo.save()
    write_audit(actor=acting_user, action="workorder.create", obj=wo,
                changes={"title": wo.title, "kind": wo.kind, "priority": wo.priority})
    _event(wo, "workorder.created")
    return wo


EDITABLE_FIELDS = ("title", "description", "priority", "kind", "assignee", "due_at", "asset")


@transaction.atomic
def update_work_order(wo: WorkOrder, *, acting_user, expected_version: int | None = None, **changes) -> WorkOrder:
    """Edit the order's fields (status changes go through transition_work_order)."""
    wo = WorkOrder.objects.select_for_update().get(pk=wo.pk)
    if expected_version is not None and wo.version != expected_version:
        raise StaleVersion(f"The work order was changed by someone else (version {wo.version}, "
                           f"you had {expected_version}); reload and try again.")
    changed = {}
    for field in EDITABLE_FIELDS:
        if field in changes and getattr(wo, field) != changes[field]:
            setattr(wo, field, changes[field])
            value = changes[field]
            changed[field] = value.pk if hasattr(value, "pk") else str(value) if value is not None else None
    if not changed:
        return wo
    if "assignee" in changed and wo.assignee_id and wo.status == WorkOrderStatus.OPEN:
        wo.status = WorkOrderStatus.ASSIGNED
    wo.version += 1
    wo.full_clean()
    wo.save()
    write_audit(actor=acting_user, action="workorder.update", obj=wo, changes=changed)
    _event(wo, "workorder.updated")
    return wo


class OutcomeRequired(ValueError):
    """Completing a predictive order needs the technician's finding."""


@transaction.atomic
def transition_work_order(wo: WorkOrder, status: str, *, acting_user, note: str = "",
                          expected_version: int | None = None, outcome: str = "") -> WorkOrder:
    """Move a work order along its lifecycle; raises IllegalTransition, StaleVersion or
    OutcomeRequired (a predictive order is completed with "fault confirmed" or "no fault found")."""
    wo = WorkOrder.objects.select_for_update().get(pk=wo.pk)
    if expected_version is not None and wo.version != expected_version:
        raise StaleVersion(f"The work order was changed by someone else (version {wo.version}, "
                           f"you had {expected_version}); reload and try again.")
    if outcome and outcome not in PredictionOutcome.values:
        raise OutcomeRequired(f"'{outcome}' is not an outcome; use one of: {', '.join(PredictionOutcome.values)}.")
    completing = status == WorkOrderStatus.COMPLETED
    if completing and wo.kind == WorkOrderType.PREDICTIVE and not (outcome or wo.outcome):
        raise OutcomeRequired("Say what you found to complete a predictive work order: "
                              "fault confirmed, or no fault found.")
    previous = wo.transition_to(status)
    if completing:
        wo.completed_at = timezone.now()
        wo.outcome = outcome or wo.outcome
    wo.version += 1
    wo.save(update_fields=["status", "completed_at", "outcome", "version", "updated_at"])
    write_audit(actor=acting_user, action="workorder.transition", obj=wo,
                changes={"from": previous, "to": status, "note": note, "outcome": wo.outcome})
    _event(wo, "workorder.updated")
    if completing:
        transaction.on_commit(lambda: work_order_completed.send(sender=WorkOrder, work_order=wo,
                                                                acting_user=acting_user))
    return wo


def open_work_order_exists(*, asset, kind: str) -> bool:
    return WorkOrder.objects.open().filter(asset=asset, kind=kind).exists()
