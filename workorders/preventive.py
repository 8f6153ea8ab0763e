"""Preventive maintenance: schedules, the generation of their due orders, and compliance.

Generation is idempotent by construction: each due occurrence of a schedule has a number
(``seq``) that every worker computes the same way, the pair (schedule, seq) is unique in the
database, and the occurrence row and its work order are written in one transaction while the
schedule row is locked. Beat firing twice, a retried task or two workers at once can therefore
create each due order once only."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.utils import timezone

from prosync.core.recording import record
from workorders.choices import Compliance, IntervalUnit, PMAnchor, PMTrigger, WorkOrderStatus, WorkOrderType
from workorders.models import PMOccurrence, PreventiveSchedule, WorkOrder

logger = logging.getLogger(__name__)

# A meter occurrence has no calendar date: it is due this long after its order is created, and
# missed if not done this long after that.
METER_DUE_AFTER = timedelta(days=7)
METER_WINDOW = timedelta(days=7)


def add_months(moment: datetime, months: int) -> datetime:
    """Same day of month, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month0 = moment.month - 1 + months
    year, month = moment.year + month0 // 12, month0 % 12 + 1
    return moment.replace(year=year, month=month, day=min(moment.day, calendar.monthrange(year, month)[1]))


def shift(moment: datetime, schedule: PreventiveSchedule, steps: int) -> datetime:
    n = schedule.interval * steps
    if schedule.interval_unit == IntervalUnit.MONTHS:
        return add_months(moment, n)
    days = n * 7 if schedule.interval_unit == IntervalUnit.WEEKS else n
    return moment + timedelta(days=days)


@dataclass
class Due:
    seq: int
    due_at: datetime
    window_ends_at: datetime
    meter_due: Decimal | None = None
    first_unseen: int | None = None  # fixed calendar: occurrences from here to seq - 1 were skipped


_QUERY = object()


def next_due(schedule: PreventiveSchedule, *, now: datetime, last=_QUERY) -> Due | None:
    """The occurrence that should have its order by ``now`` and does not yet, or None.

    Fixed calendar: occurrence k is due at starts_at + k intervals; when several have passed
    unseen (beat was down), only the latest gets an order and the earlier ones are missed.
    Floating: the next is due one interval after the last order's completion (none while that
    order is still open). Meter: occurrence k is due at meter_start + k * meter_interval."""
    if last is _QUERY:  # the latest occurrence (seq, completed_at, window_ends_at, work_order)
        last = schedule.occurrences.order_by("-seq").select_related("work_order").first()
    lead = timedelta(days=schedule.lead_time_days)
    if schedule.trigger == PMTrigger.METER:
        value = schedule.meter.current_value
        step = schedule.meter_interval
        seq = int((value + schedule.meter_lead - schedule.meter_start) // step)
        if seq < 1 or (last is not None and last.seq >= seq):
            return None
        due_at = now + METER_DUE_AFTER
        return Due(seq=seq, due_at=due_at, window_ends_at=due_at + METER_WINDOW,
                   meter_due=schedule.meter_start + seq * step)
    if schedule.anchor == PMAnchor.FLOATING:
        if last is None:
            seq, due_at = 1, schedule.starts_at
        else:
            wo = last.work_order
            done_at = last.completed_at or (wo.completed_at if wo is not None else None)
            if done_at is None:
                if wo is None or wo.status == WorkOrderStatus.CANCELLED:
                    done_at = last.window_ends_at  # start again from where it should have been done
                else:
                    return None  # floating waits for the completion
            seq, due_at = last.seq + 1, shift(done_at, schedule, 1)
        if due_at - lead > now:
            return None
        return Due(seq=seq, due_at=due_at, window_ends_at=shift(due_at, schedule, 1))
    # Fixed calendar: the latest occurrence whose lead window has opened.
    if schedule.starts_at - lead > now:
        return None
    seq = opened_steps(schedule, now + lead) + 1  # occurrence 1 is due at starts_at
    first_unseen = (last.seq + 1) if last is not None else 1
    if seq < first_unseen:
        return None
    due_at = shift(schedule.starts_at, schedule, seq - 1)
    return Due(seq=seq, due_at=due_at, window_ends_at=shift(due_at, schedule, 1), first_unseen=first_unseen)


def opened_steps(schedule: PreventiveSchedule, until: datetime) -> int:
    """How many whole intervals after starts_at fall on or before ``until`` (computed, not
    counted one by one: a daily schedule started years ago costs the same as a new one)."""
    start = schedule.starts_at
    if schedule.interval_unit == IntervalUnit.MONTHS:
        k = ((until.year - start.year) * 12 + until.month - start.month) // schedule.interval
        while k > 0 and shift(start, schedule, k) > until:
            k -= 1
        while shift(start, schedule, k + 1) <= until:
            k += 1
        return max(k, 0)
    step = timedelta(days=schedule.interval * (7 if schedule.interval_unit == IntervalUnit.WEEKS else 1))
    return max((until - start) // step, 0)


def generate_for_schedule(schedule_id: int, *, now: datetime | None = None) -> WorkOrder | None:
    """Create the due order of one schedule if it has none yet; returns it, or None."""
    from workorders.services import create_work_order

    now = now or timezone.now()
    with transaction.atomic():
        # Lock the schedule: a second worker waits here and then sees the first one's occurrence.
        schedule = (PreventiveSchedule.objects.select_for_update(of=("self",))
                    .select_related("asset", "meter", "checklist_template").filter(pk=schedule_id, active=True)
                    .first())
        if schedule is None:
            return None
        due = next_due(schedule, now=now)
        if due is None:
            return None
        if due.first_unseen is not None and due.first_unseen < due.seq:
            # Skipped while nothing generated (beat down): missed, except those due before the
            # schedule existed (a schedule entered with a start in the past owes nothing for it).
            skipped = [(k, shift(schedule.starts_at, schedule, k - 1)) for k in range(due.first_unseen, due.seq)]
            PMOccurrence.objects.bulk_create(
                [PMOccurrence(schedule=schedule, seq=k, due_at=d, window_ends_at=shift(d, schedule, 1),
                              compliance=Compliance.MISSED) for k, d in skipped if d >= schedule.created_at],
                ignore_conflicts=True)
        try:
            with transaction.atomic():  # the unique (schedule, seq) refuses a second insert
                occurrence = PMOccurrence.objects.create(schedule=schedule, seq=due.seq, due_at=due.due_at,
                                                         window_ends_at=due.window_ends_at, meter_due=due.meter_due)
        except IntegrityError:
            return None
        wo = create_work_order(actor=None, **_order_fields(schedule, due))
        occurrence.work_order = wo
        occurrence.save(update_fields=["work_order"])
        _attach_checklist(wo, schedule)
        record(None, "pm.generate", schedule,
               changes={"seq": due.seq, "work_order": wo.pk, "due_at": due.due_at.isoformat()})
        return wo


def _order_fields(schedule: PreventiveSchedule, due: Due) -> dict:
    description = schedule.description
    parts = list(schedule.parts.select_related("part"))
    if parts:
        description += "\n\nPlanned parts:\n" + "\n".join(
            f"- {p.quantity.normalize():f} {p.part.unit} × {p.part.part_number} {p.part.name}" for p in parts)
    title = schedule.title
    if due.meter_due is not None:
        title = f"{title} ({due.meter_due.normalize():f} {schedule.meter.unit})"
    fields = {"asset": schedule.asset, "title": title[:200], "description": description.strip(),
              "kind": WorkOrderType.PREVENTIVE, "priority": schedule.priority, "due_at": due.due_at,
              "assignee": schedule.assignee, "source": "pm", "source_ref": f"pm:{schedule.pk}:{due.seq}"}
    if schedule.team_id:
        fields["team"] = schedule.team
    if schedule.estimated_hours is not None:
        fields["estimated_hours"] = schedule.estimated_hours
    return fields


def _attach_checklist(wo: WorkOrder, schedule: PreventiveSchedule) -> None:
    """Copy the schedule's checklist template onto the order (the checklist service does it)."""
    if schedule.checklist_template is not None:
        from workorders.services import attach_checklist

        attach_checklist(wo, schedule.checklist_template, actor=None)


@dataclass
class GenerationResult:
    created: list[int] = field(default_factory=list)
    missed: int = 0


def generate_due_orders(*, now: datetime | None = None) -> GenerationResult:
    """The beat job: every active schedule gets its due order, and occurrences whose window has
    passed without completion are marked missed. Safe to run any number of times, concurrently.

    One query finds the schedules that may be due (each with its latest occurrence); only those
    are locked and generated, so a run with nothing due costs a handful of queries."""
    now = now or timezone.now()
    result = GenerationResult()
    for schedule_id in candidates(now=now):
        try:
            wo = generate_for_schedule(schedule_id, now=now)
        except Exception:  # one broken schedule must not stop the others
            logger.exception("preventive order not generated", extra={"schedule": schedule_id})
            continue
        if wo is not None:
            result.created.append(wo.pk)
    result.missed = mark_missed(now=now)
    return result


def candidates(*, now: datetime) -> list[int]:
    """Ids of active schedules whose next occurrence is due by ``now`` (checked again under the
    lock by generate_for_schedule, so a stale answer here can only cost a wasted lock)."""
    latest = PMOccurrence.objects.filter(schedule=OuterRef("pk")).order_by("-seq")
    rows = (PreventiveSchedule.objects.filter(active=True).select_related("meter")
            .annotate(last_seq=Subquery(latest.values("seq")[:1]),
                      last_completed_at=Subquery(latest.values("completed_at")[:1]),
                      last_window_ends_at=Subquery(latest.values("window_ends_at")[:1]),
                      last_wo_id=Subquery(latest.values("work_order_id")[:1]),
                      last_wo_status=Subquery(latest.values("work_order__status")[:1]),
                      last_wo_completed_at=Subquery(latest.values("work_order__completed_at")[:1])))
    due = []
    for schedule in rows.iterator(chunk_size=2000):
        last = None
        if schedule.last_seq is not None:
            wo = None if schedule.last_wo_id is None else SimpleNamespace(
                status=schedule.last_wo_status, completed_at=schedule.last_wo_completed_at)
            last = SimpleNamespace(seq=schedule.last_seq, completed_at=schedule.last_completed_at,
                                   window_ends_at=schedule.last_window_ends_at, work_order=wo)
        if next_due(schedule, now=now, last=last) is not None:
            due.append(schedule.pk)
    return due


def mark_missed(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    return PMOccurrence.objects.filter(compliance=Compliance.PENDING, window_ends_at__lt=now,
                                       completed_at__isnull=True).update(compliance=Compliance.MISSED)


def record_completion(work_order: WorkOrder, *, actor=None) -> None:
    """Called when an order completes: on time, late, or (after its window) still missed."""
    occurrence = PMOccurrence.objects.filter(work_order=work_order).first()
    if occurrence is None or occurrence.completed_at is not None:
        return
    done = work_order.completed_at or timezone.now()
    occurrence.completed_at = done
    if occurrence.compliance == Compliance.PENDING:
        occurrence.compliance = Compliance.ON_TIME if done <= occurrence.due_at else Compliance.LATE
    occurrence.save(update_fields=["completed_at", "compliance"])
    record(actor, "pm.complete", occurrence, changes={"work_order": work_order.pk, "compliance": occurrence.compliance})


def record_cancellation(work_order: WorkOrder, *, actor=None) -> None:
    """Called when an order is cancelled: its pending occurrence is missed."""
    occurrence = PMOccurrence.objects.filter(work_order=work_order, compliance=Compliance.PENDING).first()
    if occurrence is not None:
        occurrence.compliance = Compliance.MISSED
        occurrence.save(update_fields=["compliance"])
        record(actor, "pm.missed", occurrence, changes={"work_order": work_order.pk})


def compliance_summary(schedules) -> dict[int, dict]:
    """Per schedule id: counts of on time / late / missed and the compliance percentage (on
    time over decided occurrences), in one query."""
    rows = PMOccurrence.objects.filter(schedule__in=schedules).values("schedule_id").annotate(
        on_time=Count("pk", filter=Q(compliance=Compliance.ON_TIME)),
        late=Count("pk", filter=Q(compliance=Compliance.LATE)),
        missed=Count("pk", filter=Q(compliance=Compliance.MISSED)),
        pending=Count("pk", filter=Q(compliance=Compliance.PENDING)))
    out = {}
    for r in rows:
        decided = r["on_time"] + r["late"] + r["missed"]
        r["percent"] = round(100 * r["on_time"] / decided) if decided else None
        out[r["schedule_id"]] = r
    return out


@transaction.atomic
def save_schedule(schedule: PreventiveSchedule, *, actor, parts: list[tuple] | None = None) -> PreventiveSchedule:
    """Create or edit a schedule (the form, the API and the admin call this)."""
    from workorders.models import PreventiveSchedulePart

    creating = schedule.pk is None
    schedule.full_clean()
    schedule.save()
    if parts is not None:
        schedule.parts.all().delete()
        PreventiveSchedulePart.objects.bulk_create(
            [PreventiveSchedulePart(schedule=schedule, part=part, quantity=qty) for part, qty in parts])
    record(actor, "pm.create" if creating else "pm.update", schedule,
           changes={"rule": schedule.rule, "active": schedule.active})
    return schedule
