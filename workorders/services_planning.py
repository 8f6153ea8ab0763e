"""The planning area's services: work requests, preventive maintenance and projects.

Work requests: submitted by anyone with an account or through an asset's public QR form,
then approved into a work order (keeping the photos) or rejected with a reason by a manager.

Preventive maintenance: schedules, the generation of their due orders, and compliance.

Generation is idempotent by construction: each due occurrence of a schedule has a number
(``seq``) that every worker computes the same way, the pair (schedule, seq) is unique in the
database, and the occurrence row and its work order are written in one transaction while the
schedule row is locked. Beat firing twice, a retried task or two workers at once can therefore
create each due order once only.

Maintenance projects (a shutdown, a campaign): grouping orders, progress, a timeline that
respects dependencies, and the hours planned per technician per week against their capacity."""

from __future__ import annotations

import calendar
import logging
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.utils import timezone

from accounts.models import NotificationKind
from accounts.roles import Role
from accounts.services import notify
from prosync.core.files import check_image_pixels
from prosync.core.permissions import can
from prosync.core.recording import record
from workorders.choices import (
    OPEN_STATUSES,
    AttachmentKind,
    Compliance,
    IntervalUnit,
    PMAnchor,
    PMTrigger,
    RequestChannel,
    RequestStatus,
    WorkOrderStatus,
    WorkOrderType,
)
from workorders.models import (
    Attachment,
    PMOccurrence,
    PreventiveSchedule,
    Project,
    ProjectOrder,
    WorkOrder,
    WorkRequest,
    WorkRequestPhoto,
)

logger = logging.getLogger(__name__)

MAX_PHOTOS = 5
MAX_PHOTO_BYTES = 8 * 1024 * 1024
PHOTO_TYPES = {"image/jpeg", "image/png", "image/webp", "image/gif"}


class RequestAlreadyDecided(Exception):
    """Approving or rejecting a request that is no longer pending."""


def validate_photos(photos: list[UploadedFile]) -> None:
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": f"At most {MAX_PHOTOS} photos."})
    for photo in photos:
        if photo.size > MAX_PHOTO_BYTES:
            raise ValidationError({"photos": f"'{photo.name}' is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB."})
        if (getattr(photo, "content_type", "") or "") not in PHOTO_TYPES:
            raise ValidationError({"photos": f"'{photo.name}' is not a JPEG, PNG, WebP or GIF image."})
        check_image_pixels(photo, "photos")


def may_decide(user, request: WorkRequest) -> bool:
    """Managers and admins of the request's site; everyone else may only look."""
    if not can(user, "change", WorkRequest) or user.role not in (Role.ADMIN, Role.MANAGER):
        return False
    return user.sees_all_sites or request.site_id in user.site_ids


@transaction.atomic
def submit_request(*, site=None, asset=None, title: str, description: str, actor=None,
                   reporter_name: str = "", reporter_contact: str = "", priority: str = "",
                   channel: str = RequestChannel.PORTAL, photos: list[UploadedFile] = ()) -> WorkRequest:
    """Record a request (from a signed-in user, the API, or the public QR form with
    ``actor=None``) and tell the site's managers."""
    photos = list(photos)
    validate_photos(photos)
    wr = WorkRequest(site=site or (asset.site if asset is not None else None), asset=asset, title=title.strip(),
                     description=description.strip(), channel=channel, reporter_name=reporter_name.strip(),
                     reporter_contact=reporter_contact.strip(),
                     requested_by=actor if actor is not None and actor.is_authenticated else None)
    if priority:
        wr.priority = priority
    wr.full_clean()
    wr.save()
    for photo in photos:
        WorkRequestPhoto.objects.create(request=wr, image=photo, content_type=photo.content_type or "",
                                        size=photo.size or 0)
    record(wr.requested_by, "workrequest.submit", wr,
           changes={"channel": channel, "asset": asset.pk if asset is not None else None, "photos": len(photos)})
    for manager in site_managers(wr.site_id):
        notify(manager, kind=NotificationKind.STATUS_CHANGE, title=f"New request: {wr.title}"[:200],
               body=f"{wr.reporter} reported: {wr.description[:300]}", url=wr.get_absolute_url(),
               key=f"request:{wr.pk}")
    return wr


def site_managers(site_id: int):
    from accounts.models import User

    return User.objects.filter(is_active=True, groups__name=Role.MANAGER, memberships__site_id=site_id).distinct()


def _lock_pending(wr: WorkRequest, user) -> WorkRequest:
    if not may_decide(user, wr):
        raise PermissionDenied("Only a manager of the request's site may approve or reject it.")
    wr = WorkRequest.objects.select_for_update().get(pk=wr.pk)
    if wr.status != RequestStatus.PENDING:
        raise RequestAlreadyDecided(f"{wr.number} was already {wr.get_status_display().lower()}.")
    return wr


@transaction.atomic
def approve_request(wr: WorkRequest, *, actor, kind: str = WorkOrderType.CORRECTIVE, priority: str = "",
                    assignee=None, due_at=None) -> WorkOrder:
    """Turn the request into a work order; its photos become the order's "before" photos."""
    from workorders.services import create_work_order

    wr = _lock_pending(wr, actor)
    fields = {"title": wr.title, "description": f"{wr.description}\n\nReported by {wr.reporter}.".strip(),
              "kind": kind, "priority": priority or wr.priority, "source": "request", "source_ref": str(wr.pk)}
    if assignee is not None:
        fields["assignee"] = assignee
    if due_at is not None:
        fields["due_at"] = due_at
    wo = create_work_order(actor=actor, asset=wr.asset, site=wr.site, **fields)
    for photo in wr.photos.all():
        # The same stored file: the order keeps the photo even if the request is deleted later.
        Attachment.objects.create(work_order=wo, file=photo.image.name, kind=AttachmentKind.BEFORE,
                                  caption=f"From {wr.number}", content_type=photo.content_type, size=photo.size,
                                  uploaded_by=wr.requested_by)
    wr.status, wr.decided_by, wr.decided_at, wr.work_order = RequestStatus.APPROVED, actor, timezone.now(), wo
    wr.save(update_fields=["status", "decided_by", "decided_at", "work_order"])
    record(actor, "workrequest.approve", wr, changes={"work_order": wo.pk})
    if wr.requested_by_id and wr.requested_by_id != actor.pk:
        notify(wr.requested_by, kind=NotificationKind.STATUS_CHANGE, title=f"Your request became {wo.number}",
               body=wr.title, url=wo.get_absolute_url())
    return wo


@transaction.atomic
def reject_request(wr: WorkRequest, *, actor, reason: str) -> WorkRequest:
    if not (reason or "").strip():
        raise ValidationError({"reason": "Say why the request is rejected."})
    wr = _lock_pending(wr, actor)
    wr.status, wr.decided_by, wr.decided_at, wr.reason = (RequestStatus.REJECTED, actor, timezone.now(),
                                                          reason.strip())
    wr.full_clean()
    wr.save(update_fields=["status", "decided_by", "decided_at", "reason"])
    record(actor, "workrequest.reject", wr, changes={"reason": wr.reason})
    if wr.requested_by_id and wr.requested_by_id != actor.pk:
        notify(wr.requested_by, kind=NotificationKind.STATUS_CHANGE, title=f"Your request was rejected: {wr.title}",
               body=wr.reason, url=wr.get_absolute_url())
    return wr


# --- Preventive maintenance ----------------------------------------------------------------------

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


# --- Projects ------------------------------------------------------------------------------------

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
