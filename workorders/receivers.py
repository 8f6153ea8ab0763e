"""Reactions to work-order events: tell the people concerned (assignment, status change, due
soon, overdue) and record preventive-maintenance compliance when an order completes; tell a
site's planners when a spare part falls to its reorder point."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import NotificationKind
from accounts.services import notify
from workorders import services_planning
from workorders.choices import WorkOrderStatus

DUE_SOON = timedelta(hours=24)


def people_of(wo) -> list:
    """The lead assignee and everyone assigned with them (without duplicates)."""
    people = {}
    if wo.assignee_id:
        people[wo.assignee_id] = wo.assignee
    assignees = getattr(wo, "assignees", None)
    if assignees is not None and wo.pk:
        for user in assignees.all():
            people.setdefault(user.pk, user)
    return list(people.values())


def on_assigned(sender, work_order, users=(), actor=None, **kwargs):
    for user in users:
        if actor is not None and user.pk == actor.pk:
            continue  # taking an order yourself needs no message
        notify(user, kind=NotificationKind.ASSIGNMENT, title=f"{work_order.number} assigned to you",
               body=f"{work_order.title}" + (f" · due {timezone.localtime(work_order.due_at):%Y-%m-%d %H:%M}"
                                             if work_order.due_at else ""),
               url=work_order.get_absolute_url())


def on_status_changed(sender, work_order, previous="", actor=None, **kwargs):
    people = {u.pk: u for u in people_of(work_order)}
    if work_order.created_by_id:
        people.setdefault(work_order.created_by_id, work_order.created_by)
    labels = dict(WorkOrderStatus.choices)
    for user in people.values():
        if actor is not None and user.pk == actor.pk:
            continue
        notify(user, kind=NotificationKind.STATUS_CHANGE,
               title=f"{work_order.number} is now {labels.get(work_order.status, work_order.status).lower()}",
               body=f"{work_order.title} (was {labels.get(previous, previous).lower()})"
                    + (f" · by {actor}" if actor is not None else ""),
               url=work_order.get_absolute_url())


def on_transitioned(sender, work_order, actor=None, **kwargs):
    """A preventive order's occurrence is done (on time or late) or missed with the order."""
    if work_order.status == WorkOrderStatus.COMPLETED:
        services_planning.record_completion(work_order, actor=actor)
    elif work_order.status == WorkOrderStatus.CANCELLED:
        services_planning.record_cancellation(work_order, actor=actor)


def notify_due_orders(*, now: datetime | None = None) -> dict:
    """Due within a day, or overdue: each person hears it once per order and due date (the
    notification key includes the due date, so a rescheduled order is announced again)."""
    from workorders.models import WorkOrder

    now = now or timezone.now()
    counts = {"due_soon": 0, "overdue": 0}
    base = WorkOrder.objects.open().filter(due_at__isnull=False).select_related("assignee")
    if hasattr(WorkOrder, "assignees"):
        base = base.prefetch_related("assignees")
    for kind, qs in ((NotificationKind.OVERDUE, base.filter(due_at__lt=now)),
                     (NotificationKind.DUE_SOON, base.filter(due_at__gte=now, due_at__lt=now + DUE_SOON))):
        for wo in qs.iterator(chunk_size=500):
            when = timezone.localtime(wo.due_at)
            title = (f"{wo.number} is overdue (was due {when:%Y-%m-%d %H:%M})" if kind == NotificationKind.OVERDUE
                     else f"{wo.number} is due {when:%Y-%m-%d %H:%M}")
            for user in people_of(wo):
                if notify(user, kind=kind, title=title, body=wo.title, url=wo.get_absolute_url(),
                          key=f"{wo.pk}:{wo.due_at.isoformat()}") is not None:
                    counts[kind] += 1
    return counts


def planners_of(site_id: int) -> list:
    """Who plans a site's work: its Managers, else (a site without one) the Admins."""
    from django.contrib.auth import get_user_model

    from accounts.roles import Role
    from workorders.services_planning import site_managers

    return list(site_managers(site_id)) or list(
        get_user_model().objects.filter(is_active=True, groups__name=Role.ADMIN).distinct())


def on_stock_low(sender, level, **kwargs):
    """A part fell to its reorder point in a storeroom: its site's planners are told, once per
    crossing (the ledger sends the signal when the stock crosses, not on every movement below)."""
    part, room = level.part, level.storeroom
    for user in planners_of(room.site_id):
        notify(user, kind=NotificationKind.STOCK_LOW, title=f"Reorder {part.part_number}: {level.on_hand.normalize():f}"
                                                             f" {part.unit} left in {room.code}",
               body=f"{part.name} · reorder point {level.reorder_point.normalize():f}, reorder quantity "
                    f"{level.reorder_quantity.normalize():f}",
               url=part.get_absolute_url())


def connect() -> None:
    from assets.signals import stock_low
    from workorders import signals

    stock_low.connect(on_stock_low, dispatch_uid="workorders.receivers.stock_low")

    pairs = [("work_order_assigned", on_assigned), ("work_order_status_changed", on_status_changed),
             ("work_order_transitioned", on_transitioned)]
    for name, receiver in pairs:
        signal = getattr(signals, name, None)
        if signal is not None:
            signal.connect(receiver, dispatch_uid=f"workorders.receivers.{name}")
