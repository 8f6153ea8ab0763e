"""Maintenance projects (a shutdown, a campaign): grouping orders, progress, a timeline that
respects dependencies, and the hours planned per technician per week against their capacity."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.utils import timezone

from prosync.core.recording import record
from workorders.choices import OPEN_STATUSES, WorkOrderStatus
from workorders.models import Project, ProjectOrder, WorkOrder

DONE = (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED)


@transaction.atomic
def save_project(project: Project, *, actor) -> Project:
    creating = project.pk is None
    project.full_clean()
    project.save()
    record(actor, "project.create" if creating else "project.update", project,
           changes={"name": project.name, "status": project.status, "starts_on": str(project.starts_on),
                    "ends_on": str(project.ends_on)})
    return project


@transaction.atomic
def add_orders(project: Project, orders, *, actor) -> int:
    """Put orders into the project; an order of another site, or already in a project, is refused."""
    orders = list(orders)
    for wo in orders:
        if wo.site_id != project.site_id:
            raise ValidationError({"work_orders": f"{wo.number} is on another site than the project."})
    taken = ProjectOrder.objects.filter(work_order__in=orders).exclude(project=project).select_related("work_order",
                                                                                                    "project")
    for item in taken:
        raise ValidationError({"work_orders": f"{item.work_order.number} is already in project '{item.project}'."})
    existing = set(project.items.values_list("work_order_id", flat=True))
    new = [ProjectOrder(project=project, work_order=wo) for wo in orders if wo.pk not in existing]
    ProjectOrder.objects.bulk_create(new)
    if new:
        record(actor, "project.add_orders", project, changes={"work_orders": [i.work_order_id for i in new]})
    return len(new)


@transaction.atomic
def remove_order(project: Project, wo: WorkOrder, *, actor) -> None:
    if project.items.filter(work_order=wo).delete()[0]:
        record(actor, "project.remove_order", project, changes={"work_order": wo.pk})


@dataclass
class Progress:
    total: int
    done: int
    open: int
    estimated_hours: Decimal
    actual_hours: Decimal

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


def progress(project: Project) -> Progress:
    agg = WorkOrder.objects.filter(project_item__project=project).exclude(status=WorkOrderStatus.CANCELLED).aggregate(
        total=Count("pk"), done=Count("pk", filter=Q(status__in=DONE)),
        open=Count("pk", filter=Q(status__in=OPEN_STATUSES)),
        est=Sum("estimated_hours"), act=Sum("actual_hours"))
    return Progress(total=agg["total"], done=agg["done"], open=agg["open"],
                    estimated_hours=agg["est"] or Decimal("0"), actual_hours=agg["act"] or Decimal("0"))


def progress_many(projects) -> dict[int, Progress]:
    rows = ProjectOrder.objects.filter(project__in=projects).exclude(work_order__status=WorkOrderStatus.CANCELLED) \
        .values("project_id").annotate(total=Count("pk"), done=Count("pk", filter=Q(work_order__status__in=DONE)),
                                       open=Count("pk", filter=Q(work_order__status__in=OPEN_STATUSES)),
                                       est=Sum("work_order__estimated_hours"), act=Sum("work_order__actual_hours"))
    return {r["project_id"]: Progress(total=r["total"], done=r["done"], open=r["open"],
                                      estimated_hours=r["est"] or Decimal("0"), actual_hours=r["act"] or Decimal("0"))
            for r in rows}


# --- Timeline ------------------------------------------------------------------------------------


@dataclass
class Bar:
    wo: WorkOrder
    start: date
    end: date
    blockers: list[int] = field(default_factory=list)
    conflict: bool = False  # planned to start before a blocker ends
    row: int = 0
    left: float = 0.0  # percent of the timeline width
    width: float = 0.0


@dataclass
class Timeline:
    start: date
    end: date
    bars: list[Bar]
    weeks: list[tuple[date, float]]  # week starts and their offset in percent
    links: list[tuple[Bar, Bar]]  # (blocker, blocked)
    today: float | None


def _day(value: datetime | None) -> date | None:
    return timezone.localtime(value).date() if value is not None else None


def timeline(project: Project) -> Timeline:
    """Bars from planned start to due date, ordered so every order comes after the orders that
    block it (a topological order); a bar planned to start before a blocker ends is flagged."""
    orders = list(WorkOrder.objects.filter(project_item__project=project).select_related("assignee")
                  .prefetch_related("blocked_by").order_by("scheduled_start", "due_at", "pk"))
    ids = {wo.pk for wo in orders}
    bars: dict[int, Bar] = {}
    for wo in orders:
        start = _day(wo.scheduled_start) or _day(wo.created_at) or project.starts_on
        start = max(start, project.starts_on) if wo.scheduled_start is None else start
        end = _day(wo.due_at) or _day(wo.completed_at) or max(start, project.ends_on)
        end = max(end, start)
        bars[wo.pk] = Bar(wo=wo, start=start, end=end, blockers=[b.pk for b in wo.blocked_by.all() if b.pk in ids])
    # Kahn's algorithm, stable by planned start; a cycle (refused elsewhere) just keeps input order.
    ordered, placed = [], set()
    pending = list(bars.values())
    while pending:
        ready = [b for b in pending if all(x in placed for x in b.blockers)] or pending[:1]
        for b in ready:
            ordered.append(b)
            placed.add(b.wo.pk)
        pending = [b for b in pending if b.wo.pk not in placed]
    for b in ordered:
        b.conflict = any(bars[x].end >= b.start for x in b.blockers)
    start = min([project.starts_on, *(b.start for b in ordered)])
    end = max([project.ends_on, *(b.end for b in ordered)])
    span = (end - start).days + 1
    for row, b in enumerate(ordered):
        b.row = row
        b.left = 100 * (b.start - start).days / span
        b.width = max(100 * ((b.end - b.start).days + 1) / span, 0.8)
    monday = start - timedelta(days=start.weekday())
    weeks = []
    while monday <= end:
        weeks.append((monday, max(0.0, 100 * (monday - start).days / span)))
        monday += timedelta(days=7)
    today = timezone.localdate()
    links = [(bars[x], b) for b in ordered for x in b.blockers]
    return Timeline(start=start, end=end, bars=ordered, weeks=weeks, links=links,
                    today=100 * (today - start).days / span if start <= today <= end else None)


# --- Resources -----------------------------------------------------------------------------------


@dataclass
class PersonLoad:
    user: object
    capacity: Decimal
    hours: list[Decimal]  # per week

    @property
    def cells(self):
        return [(h, h > self.capacity) for h in self.hours]


def resource_load(project: Project, *, weeks: int | None = None) -> tuple[list[date], list[PersonLoad]]:
    """Hours planned per technician per week over the project's weeks: their orders in this
    project and all their other open orders in those weeks (so a person busy elsewhere shows
    as overloaded), against their weekly capacity. An order counts in the week of its planned
    start, or of its due date when it has none."""
    first = project.starts_on - timedelta(days=project.starts_on.weekday())
    n = weeks or ((project.ends_on - first).days // 7 + 1)
    n = max(1, min(n, 26))
    week_starts = [first + timedelta(days=7 * i) for i in range(n)]
    lo = timezone.make_aware(datetime.combine(first, datetime.min.time()))
    hi = lo + timedelta(days=7 * n)
    people_ids = set(WorkOrder.objects.filter(project_item__project=project, assignee__isnull=False)
                     .values_list("assignee_id", flat=True))
    orders = WorkOrder.objects.filter(assignee_id__in=people_ids, estimated_hours__isnull=False).filter(
        Q(project_item__project=project) | Q(status__in=OPEN_STATUSES)).filter(
        Q(scheduled_start__gte=lo, scheduled_start__lt=hi) |
        Q(scheduled_start__isnull=True, due_at__gte=lo, due_at__lt=hi)).exclude(status=WorkOrderStatus.CANCELLED) \
        .values_list("assignee_id", "scheduled_start", "due_at", "estimated_hours")
    from accounts.models import User

    people = {u.pk: PersonLoad(user=u, capacity=u.weekly_capacity_hours, hours=[Decimal("0")] * n)
              for u in User.objects.filter(pk__in=people_ids).order_by("username")}
    for assignee_id, start, due, hours in orders:
        when = _day(start or due)
        i = (when - first).days // 7
        if 0 <= i < n:
            people[assignee_id].hours[i] += hours
    return week_starts, list(people.values())
