"""Work-order writes: creation, edits and lifecycle transitions, checklists, comments,
attachments, time and parts, dependencies. Each is atomic, takes the acting user, writes the
audit trail and sends live events after commit."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import PurePosixPath

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import DecimalField, ExpressionWrapper, F, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from prosync.core.files import check_image_pixels
from prosync.core.recording import record, send_on_commit
from workorders import constants
from workorders.choices import ChecklistItemKind, PredictionOutcome, WorkOrderStatus, WorkOrderType
from workorders.models import (
    ALLOWED_TRANSITIONS,
    Attachment,
    ChecklistItem,
    ChecklistTemplate,
    Comment,
    FailureCode,
    LabourRate,
    PartUsage,
    SavedView,
    SlaPolicy,
    StatusChange,
    TimeEntry,
    WorkOrder,
)
from workorders.signals import work_order_assigned, work_order_status_changed, work_order_transitioned


class StaleVersion(Exception):
    """Someone else changed the work order since the caller read it."""


class OutcomeRequired(ValueError):
    """Completing a predictive order needs the technician's finding."""


class FailureCodesRequired(ValueError):
    """Completing a corrective order needs its problem, cause and remedy codes."""

    def __init__(self, missing: list[str]):
        self.missing = missing
        names = ", ".join(m.replace("_code", "") for m in missing)
        super().__init__(f"Give the failure codes to complete a corrective order: {names} missing.")


class Conflict(Exception):
    """A request that the current state refuses (a timer already running, a follow-up already made)."""


def _push(wo: WorkOrder, event_type: str) -> dict | None:
    """The live push of an order to its asset's pages (an order without asset has none)."""
    if not wo.asset_id:
        return None
    return {"asset_id": wo.asset_id, "site_id": wo.site_id, "event_type": event_type,
            "payload": {"id": wo.pk, "number": wo.number, "title": wo.title, "status": wo.status,
                        "status_label": wo.get_status_display(), "version": wo.version, "priority": wo.priority,
                        "asset": wo.asset_id}}


def _activity(wo: WorkOrder, kind: str, title: str, details: dict | None = None) -> dict:
    """An event of the order's asset and site in their activity log."""
    return {"kind": kind, "title": title[:200], "site_id": wo.site_id, "asset_id": wo.asset_id,
            "details": {"work_order": wo.pk, **(details or {})}}


def _locked(wo: WorkOrder, expected_version: int | None = None) -> WorkOrder:
    wo = WorkOrder.objects.select_for_update().get(pk=wo.pk)
    if expected_version is not None and wo.version != expected_version:
        raise StaleVersion(f"The work order was changed by someone else (version {wo.version}, "
                           f"you had {expected_version}); reload and try again.")
    return wo


def _signal_assigned(wo: WorkOrder, users: list, actor) -> None:
    if users:
        send_on_commit(work_order_assigned, sender=WorkOrder, work_order=wo, users=users, actor=actor)


# --- Orders ----------------------------------------------------------------------------------


def sla_for(priority: str) -> timedelta:
    """Resolution time of a priority: the SLA table, else the built-in default."""
    policy = SlaPolicy.objects.filter(priority=priority).first()
    return policy.resolve_within if policy else constants.DEFAULT_SLA[priority]


@transaction.atomic
def create_work_order(*, actor=None, asset=None, site=None, assignees: Iterable = (),
                      blocked_by: Iterable = (), **fields) -> WorkOrder:
    """A new order. Without a due date, the priority's SLA sets it; with people or a team it
    starts as assigned."""
    wo = WorkOrder(asset=asset, site=site or asset.site, created_by=actor, **fields)
    if wo.due_at is None:
        wo.due_at = timezone.now() + sla_for(wo.priority)
    people = {u.pk: u for u in assignees}
    if wo.assignee_id:
        people.setdefault(wo.assignee_id, wo.assignee)
    elif people:
        wo.assignee = next(iter(people.values()))
    if (people or wo.team_id) and wo.status == WorkOrderStatus.OPEN:
        wo.status = WorkOrderStatus.ASSIGNED
    wo.full_clean()
    wo.save()
    if people:
        wo.assignees.set(people.values())
    for blocker in blocked_by:
        add_dependency(wo, blocker, actor=actor)
    record(actor, "workorder.create", wo, changes={"title": wo.title, "kind": wo.kind, "priority": wo.priority},
           activity=_activity(wo, "workorder.created", f"Work order {wo} opened"), push=_push(wo, "workorder.created"))
    _signal_assigned(wo, list(people.values()), actor)
    return wo


EDITABLE_FIELDS = ("title", "description", "priority", "kind", "assignee", "due_at", "asset", "team",
                   "scheduled_start", "estimated_hours", "problem_code", "cause_code", "remedy_code")


@transaction.atomic
def update_work_order(wo: WorkOrder, *, actor, expected_version: int | None = None, **changes) -> WorkOrder:
    """Edit the order's fields (status changes go through transition_work_order). ``assignees``
    replaces the people on it."""
    wo = _locked(wo, expected_version)
    changed = {}
    for field in EDITABLE_FIELDS:
        if field in changes and getattr(wo, field) != changes[field]:
            setattr(wo, field, changes[field])
            value = changes[field]
            changed[field] = value.pk if hasattr(value, "pk") else str(value) if value is not None else None
    new_people = []
    if "assignees" in changes or "assignee" in changed:
        current = set(wo.assignees.values_list("pk", flat=True))
        wanted = {u.pk: u for u in changes.get("assignees", wo.assignees.all())}
        if wo.assignee_id:
            wanted.setdefault(wo.assignee_id, wo.assignee)
        elif wanted:
            wo.assignee = next(iter(wanted.values()))
            changed["assignee"] = wo.assignee_id
        if set(wanted) != current:
            wo.assignees.set(wanted.values())
            changed["assignees"] = sorted(wanted)
            new_people = [u for pk, u in wanted.items() if pk not in current]
    if not changed:
        return wo
    if ("assignee" in changed or "assignees" in changed or "team" in changed) and \
            (wo.assignee_id or wo.team_id) and wo.status == WorkOrderStatus.OPEN:
        previous = wo.transition_to(WorkOrderStatus.ASSIGNED)
        StatusChange.objects.create(work_order=wo, from_status=previous, to_status=wo.status, actor=actor,
                                    note="assigned")
    wo.version += 1
    wo.full_clean()
    wo.save()
    record(actor, "workorder.update", wo, changes=changed, push=_push(wo, "workorder.updated"))
    _signal_assigned(wo, new_people, actor)
    return wo


# Moves that stop the people's running timers on the order.
STOPS_TIMERS = {WorkOrderStatus.ON_HOLD, WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED}


@transaction.atomic
def transition_work_order(wo: WorkOrder, status: str, *, actor, note: str = "",
                          expected_version: int | None = None, outcome: str = "",
                          problem_code: FailureCode | None = None, cause_code: FailureCode | None = None,
                          remedy_code: FailureCode | None = None, assignee=None) -> WorkOrder:
    """Move a work order along its lifecycle; raises IllegalTransition (including an order
    blocked by open ones), StaleVersion, OutcomeRequired (a predictive order is completed with
    "fault confirmed" or "no fault found") or FailureCodesRequired (a corrective order is
    completed with problem, cause and remedy). Codes may be given with the move, and the lead
    with a move to Assigned. Whoever starts an order that has no lead becomes its lead."""
    from workorders.models import IllegalTransition

    wo = _locked(wo, expected_version)
    if assignee is not None and status == WorkOrderStatus.ASSIGNED:
        if status not in ALLOWED_TRANSITIONS[wo.status]:
            wo.transition_to(status)  # raises the refusal, with its reason
        wo = update_work_order(wo, actor=actor, assignee=assignee)  # an open order given a lead is assigned
        if wo.status == WorkOrderStatus.ASSIGNED:
            return wo
    if outcome and outcome not in PredictionOutcome.values:
        raise OutcomeRequired(f"'{outcome}' is not an outcome; use one of: {', '.join(PredictionOutcome.values)}.")
    previous = wo.status
    wo.transition_to(status)  # refuses an illegal move before anything else is looked at
    wo.status = previous
    completing = status == WorkOrderStatus.COMPLETED
    if status == WorkOrderStatus.IN_PROGRESS:
        open_blockers = list(wo.blocked_by.exclude(status__in=(WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED))
                             .order_by("pk"))
        if open_blockers:
            names = ", ".join(b.number for b in open_blockers)
            raise IllegalTransition(f"{wo.number} cannot start: it waits for {names} to be completed.")
    codes = {"problem_code": problem_code, "cause_code": cause_code, "remedy_code": remedy_code}
    code_fields = [name for name, code in codes.items() if code is not None]
    for name in code_fields:
        setattr(wo, name, codes[name])
    if completing:
        if wo.kind == WorkOrderType.PREDICTIVE and not (outcome or wo.outcome):
            raise OutcomeRequired("Say what you found to complete a predictive work order: "
                                  "fault confirmed, or no fault found.")
        missing = wo.missing_failure_codes()
        if missing:
            raise FailureCodesRequired(missing)
    if code_fields:
        wo.clean()
    wo.transition_to(status)
    if completing:
        wo.completed_at = timezone.now()
        wo.outcome = outcome or wo.outcome
    new_lead = status == WorkOrderStatus.IN_PROGRESS and not wo.assignee_id and actor is not None
    if new_lead:
        wo.assignee = actor
        code_fields.append("assignee")
    wo.version += 1
    wo.save(update_fields=["status", "completed_at", "outcome", "version", "updated_at", *code_fields])
    if new_lead:
        wo.assignees.add(actor)
    StatusChange.objects.create(work_order=wo, from_status=previous, to_status=status, actor=actor,
                                note=note[:500])
    if status in STOPS_TIMERS:
        for entry in TimeEntry.objects.filter(work_order=wo, ended_at__isnull=True):
            _finish_entry(entry, timezone.now())
        _roll_up(wo)
    record(actor, "workorder.transition", wo,
           changes={"from": previous, "to": status, "note": note, "outcome": wo.outcome},
           activity=_activity(wo, f"workorder.{status}", f"Work order {wo}: {WorkOrderStatus(status).label}",
                              {"from": previous, "to": status, "note": note}),
           push=_push(wo, "workorder.updated"))
    work_order_transitioned.send(sender=WorkOrder, work_order=wo, previous=previous, actor=actor)
    send_on_commit(work_order_status_changed, sender=WorkOrder, work_order=wo, previous=previous, actor=actor)
    return wo


def open_work_order_exists(*, asset, kind: str) -> bool:
    return WorkOrder.objects.open().filter(asset=asset, kind=kind).exists()


# --- Dependencies ----------------------------------------------------------------------------


@transaction.atomic
def add_dependency(wo: WorkOrder, blocker: WorkOrder, *, actor) -> None:
    """``wo`` cannot start until ``blocker`` is completed. Refuses a cycle, naming it."""
    if blocker.pk == wo.pk:
        raise ValidationError({"blocked_by": "An order cannot wait for itself."})
    if blocker.site_id != wo.site_id:
        raise ValidationError({"blocked_by": f"{blocker.number} is on another site."})
    # Lock both rows in a fixed order so two opposite requests cannot both pass the cycle check.
    list(WorkOrder.objects.select_for_update().filter(pk__in=[wo.pk, blocker.pk]).order_by("pk"))
    path = _dependency_path(start=blocker.pk, goal=wo.pk)
    if path is not None:
        chain = " → ".join(f"WO-{pk:05d}" for pk in [wo.pk, *path])
        raise ValidationError({"blocked_by": f"This would make a cycle of orders waiting for each other: {chain}."})
    wo.blocked_by.add(blocker)
    record(actor, "workorder.dependency_add", wo, changes={"blocked_by": blocker.pk})


def _dependency_path(*, start: int, goal: int) -> list[int] | None:
    """The chain of 'waits for' links from ``start`` to ``goal``, if there is one (breadth first,
    one query per level)."""
    through = WorkOrder.blocked_by.through
    parents = {start: None}
    frontier = [start]
    while frontier:
        links = through.objects.filter(from_workorder_id__in=frontier).values_list("from_workorder_id",
                                                                                    "to_workorder_id")
        frontier = []
        for src, dst in links:
            if dst in parents:
                continue
            parents[dst] = src
            if dst == goal:
                path, node = [], dst
                while node is not None:
                    path.append(node)
                    node = parents[node]
                return path[::-1]
            frontier.append(dst)
    return None


@transaction.atomic
def remove_dependency(wo: WorkOrder, blocker: WorkOrder, *, actor) -> None:
    wo.blocked_by.remove(blocker)
    record(actor, "workorder.dependency_remove", wo, changes={"blocked_by": blocker.pk})


# --- Checklists ------------------------------------------------------------------------------

CHECKLIST_FIELDS = ("label", "kind", "position", "unit", "min_value", "max_value", "required")


def _refuse_if_finished(wo: WorkOrder, what: str) -> None:
    if wo.status in (WorkOrderStatus.CLOSED, WorkOrderStatus.CANCELLED):
        raise Conflict(f"{wo.number} is {wo.get_status_display().lower()}: {what} can no longer change.")


@transaction.atomic
def attach_checklist(wo: WorkOrder, template: ChecklistTemplate, *, actor) -> list[ChecklistItem]:
    """Copy a template's checks onto the order (later edits of the template leave it alone)."""
    _refuse_if_finished(wo, "its checklist")
    start = (wo.checklist_items.order_by("-position").values_list("position", flat=True).first() or 0) + 1
    items = [ChecklistItem(work_order=wo, template=template, **{f: getattr(t, f) for f in CHECKLIST_FIELDS
                                                                if f != "position"}, position=start + i)
             for i, t in enumerate(template.items.all())]
    ChecklistItem.objects.bulk_create(items)
    record(actor, "workorder.checklist_attach", wo, changes={"template": template.name, "items": len(items)},
           push=_push(wo, "workorder.updated"))
    return items


@transaction.atomic
def add_checklist_item(wo: WorkOrder, *, actor, **fields) -> ChecklistItem:
    _refuse_if_finished(wo, "its checklist")
    fields.setdefault("position", (wo.checklist_items.order_by("-position").values_list("position", flat=True)
                                   .first() or 0) + 1)
    item = ChecklistItem(work_order=wo, **fields)
    item.full_clean()
    item.save()
    record(actor, "workorder.checklist_add", wo, changes={"label": item.label})
    return item


@transaction.atomic
def record_checklist_result(item: ChecklistItem, *, actor, passed: bool | None = None,
                            number: float | None = None, text: str = "", photo=None) -> ChecklistItem:
    """Fill one check in; the value must fit the kind of check."""
    item = ChecklistItem.objects.select_for_update(of=("self",)).select_related("work_order").get(pk=item.pk)
    _refuse_if_finished(item.work_order, "its checklist")
    kind = item.kind
    if kind == ChecklistItemKind.PASS_FAIL:
        if passed is None:
            raise ValidationError({"passed": "Say pass or fail."})
        item.passed = passed
        item.text = text.strip()[:500]  # what was found, said with a failed check
    elif kind == ChecklistItemKind.NUMBER:
        if number is None:
            raise ValidationError({"number": f"Give the measured value{f' in {item.unit}' if item.unit else ''}."})
        item.number = number
        item.text = text.strip()[:500]
    elif kind == ChecklistItemKind.TEXT:
        if not text.strip():
            raise ValidationError({"text": "Write the answer."})
        item.text = text.strip()
    elif kind == ChecklistItemKind.PHOTO:
        if photo is None:
            raise ValidationError({"photo": "Add the photo."})
        _check_upload(photo, image_only=True, field="photo")
        item.photo.save(photo.name, photo, save=False)
    item.done_by, item.done_at = actor, timezone.now()
    item.save()
    record(actor, "workorder.checklist_result", item.work_order,
           changes={"item": item.pk, "label": item.label, "result": item.result_display, "failed": item.is_failed},
           push=_push(item.work_order, "workorder.updated"))
    return item


def follow_up_title(item: ChecklistItem) -> str:
    """Named after what was found, not after the check: the note said with the failure ("Fix: Seal
    leaking"), else the measured value against its limits, else the check that failed."""
    note = " ".join((item.text or "").split())
    if note:
        return f"Fix: {note[:1].upper()}{note[1:]}"
    if item.kind == ChecklistItemKind.NUMBER and item.number is not None:
        return f"Fix: {item.label} at {item.result_display} (limits {item.limits})"
    return f"Fix: failed check “{item.label}”"


@transaction.atomic
def create_follow_up(item: ChecklistItem, *, actor, **overrides) -> WorkOrder:
    """A corrective order for a failed check, linked to the check and its order, with the asset
    and a description of the finding filled in."""
    item = ChecklistItem.objects.select_for_update(of=("self",)).select_related("work_order__asset") \
        .get(pk=item.pk)
    parent = item.work_order
    if item.follow_up_id:
        raise Conflict(f"This check already has its follow-up, WO-{item.follow_up_id:05d}.")
    if not item.is_failed:
        raise Conflict("Only a failed check gets a follow-up order.")
    finding = "failed" if item.kind == ChecklistItemKind.PASS_FAIL else \
        f"measured {item.result_display}, limits {item.limits}"
    fields = {"title": follow_up_title(item)[:200], "kind": WorkOrderType.CORRECTIVE,
              "priority": parent.priority,
              "description": f"Check “{item.label}” on {parent.number} ({parent.title}) {finding}."
                             + (f"\n{item.text}" if item.text else "")}
    fields.update(overrides)
    follow_up = create_work_order(actor=actor, asset=parent.asset, site=parent.site,
                                  follow_up_of=parent, source="checklist", source_ref=str(item.pk), **fields)
    item.follow_up = follow_up
    item.save(update_fields=["follow_up"])
    record(actor, "workorder.follow_up", parent, changes={"item": item.pk, "follow_up": follow_up.pk})
    return follow_up


# --- Comments and attachments ----------------------------------------------------------------

MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")


def _notify(user, **kwargs) -> None:
    """In-app (and e-mail) notification, when the accounts app offers it."""
    try:
        from accounts.services import notify
    except ImportError:  # notifications not installed: comments still work
        return
    notify(user, **kwargs)


@transaction.atomic
def add_comment(wo: WorkOrder, body: str, *, actor, public: bool = False) -> Comment:
    """A comment; each @username of someone who may see the order is mentioned and notified.
    ``public``: the requester also reads it on their tracking page."""
    from django.contrib.auth import get_user_model

    body = body.strip()
    if not body:
        raise ValidationError({"body": "Write something."})
    if len(body) > 5000:
        raise ValidationError({"body": "At most 5,000 characters."})
    comment = Comment.objects.create(work_order=wo, author=actor, body=body, public=public)
    names = {m.rstrip(".") for m in MENTION.findall(body)}
    if names:
        people = [u for u in get_user_model().objects.filter(username__in=names, is_active=True)
                  if u.sees_all_sites or wo.site_id in u.site_ids]
        comment.mentions.set(people)
        for person in people:
            if person.pk != getattr(actor, "pk", None):
                _notify(person, kind="mention", title=f"{actor} mentioned you on {wo.number}",
                        body=body[:300], url=wo.get_absolute_url())
    record(actor, "workorder.comment", wo, changes={"comment": comment.pk, "public": public},
           push=_push(wo, "workorder.updated"))
    return comment


def _check_upload(upload, *, image_only: bool = False, field: str = "file") -> str:
    """Size and type limits; the type is read from the content (an image must open as one), not
    trusted from the browser. Returns the content type."""
    if upload.size > constants.MAX_ATTACHMENT_BYTES:
        raise ValidationError({field: f"The file is {upload.size / 1e6:.1f} MB; at most "
                                      f"{constants.MAX_ATTACHMENT_BYTES // 1_000_000} MB."})
    if upload.size == 0:
        raise ValidationError({field: "The file is empty."})
    ext = PurePosixPath(upload.name).suffix.lower()
    ctype = next((t for t, exts in constants.ALLOWED_ATTACHMENT_TYPES.items() if ext in exts), None)
    allowed = ", ".join(sorted({e for exts in constants.ALLOWED_ATTACHMENT_TYPES.values() for e in exts}))
    if ctype is None or (image_only and not ctype.startswith("image/")):
        raise ValidationError({field: f"'{ext or upload.name}' files are not accepted; use {allowed}."
                               if not image_only else "Only photos (JPEG, PNG, WebP, GIF) are accepted."})
    if ctype.startswith("image/"):
        from PIL import Image, UnidentifiedImageError

        check_image_pixels(upload, field)
        try:
            upload.seek(0)
            Image.open(upload).verify()
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise ValidationError({field: "The file is not a readable image."}) from exc
        finally:
            upload.seek(0)
    elif ctype == "application/pdf":
        upload.seek(0)
        head = upload.read(5)
        upload.seek(0)
        if head != b"%PDF-":
            raise ValidationError({field: "The file is not a PDF."})
    return ctype


@transaction.atomic
def add_attachment(wo: WorkOrder, upload, *, actor, kind: str = "document", caption: str = "") -> Attachment:
    ctype = _check_upload(upload)
    att = Attachment(work_order=wo, kind=kind, caption=caption[:200], content_type=ctype, size=upload.size,
                     uploaded_by=actor)
    att.full_clean(exclude=["file"])
    att.file.save(PurePosixPath(upload.name).name, upload, save=False)
    att.save()
    record(actor, "workorder.attachment", wo, changes={"attachment": att.pk, "kind": kind, "name": str(att)},
           push=_push(wo, "workorder.updated"))
    return att


# --- Time ------------------------------------------------------------------------------------

HOUR = Decimal("0.01")


def rate_for(user) -> Decimal:
    rate = LabourRate.objects.filter(user=user).values_list("hourly_rate", flat=True).first()
    return rate if rate is not None else constants.DEFAULT_HOURLY_RATE


def _hours_between(start: datetime, end: datetime) -> Decimal:
    return (Decimal((end - start).total_seconds()) / Decimal(3600)).quantize(HOUR, rounding=ROUND_HALF_UP)


def _finish_entry(entry: TimeEntry, end: datetime) -> TimeEntry:
    entry.ended_at = max(end, entry.started_at)
    entry.hours = _hours_between(entry.started_at, entry.ended_at)
    entry.save(update_fields=["ended_at", "hours"])
    return entry


def _roll_up(wo: WorkOrder) -> None:
    """Hours and labour and parts cost of the order, from its entries (no version bump: these
    are sums, not edits a person could collide with)."""
    cost = ExpressionWrapper(F("hours") * F("hourly_rate"), output_field=DecimalField(max_digits=14, decimal_places=4))
    labour = TimeEntry.objects.filter(work_order=wo, ended_at__isnull=False).aggregate(
        total_hours=Coalesce(Sum("hours"), Decimal("0")), total_cost=Coalesce(Sum(cost), Decimal("0")))
    hours, labour_cost = labour["total_hours"], Decimal(labour["total_cost"]).quantize(HOUR)
    parts = _parts_cost(wo)
    WorkOrder.objects.filter(pk=wo.pk).update(actual_hours=hours, labour_cost=labour_cost, parts_cost=parts)
    wo.actual_hours, wo.labour_cost, wo.parts_cost = hours, labour_cost, parts


def _parts_cost(wo: WorkOrder) -> Decimal:
    cost = ExpressionWrapper(F("quantity") * F("unit_cost"), output_field=DecimalField(max_digits=16, decimal_places=4))
    total = PartUsage.objects.filter(work_order=wo).aggregate(t=Coalesce(Sum(cost), Decimal("0")))["t"]
    return Decimal(total).quantize(HOUR)


@transaction.atomic
def start_timer(wo: WorkOrder, *, actor) -> TimeEntry:
    """Start the acting user's timer on the order; one timer per person at a time."""
    _refuse_if_finished(wo, "its time")
    if wo.status == WorkOrderStatus.COMPLETED:
        raise Conflict(f"{wo.number} is completed: reopen it (in progress) to log more work.")
    running = TimeEntry.objects.select_for_update().filter(user=actor, ended_at__isnull=True) \
        .select_related("work_order").first()
    if running is not None:
        raise Conflict(f"Your timer is already running on {running.work_order.number}; stop it first.")
    try:
        with transaction.atomic():
            entry = TimeEntry.objects.create(work_order=wo, user=actor, started_at=timezone.now(),
                                             hourly_rate=rate_for(actor))
    except IntegrityError as exc:  # a second tab started one at the same instant
        raise Conflict("Your timer is already running on another order; stop it first.") from exc
    record(actor, "workorder.timer_start", wo, changes={"entry": entry.pk}, push=_push(wo, "workorder.updated"))
    return entry


@transaction.atomic
def stop_timer(*, actor, work_order: WorkOrder | None = None, note: str = "") -> TimeEntry:
    """Stop the acting user's running timer (on ``work_order`` if given)."""
    running = TimeEntry.objects.select_for_update().filter(user=actor, ended_at__isnull=True)
    if work_order is not None:
        running = running.filter(work_order=work_order)
    entry = running.first()
    if entry is None:
        raise Conflict("No timer of yours is running" + (f" on {work_order.number}." if work_order else "."))
    wo = _locked(entry.work_order)
    if note:
        entry.note = note[:300]
        entry.save(update_fields=["note"])
    _finish_entry(entry, timezone.now())
    _roll_up(wo)
    record(actor, "workorder.timer_stop", wo, changes={"entry": entry.pk, "hours": str(entry.hours)},
           push=_push(wo, "workorder.updated"))
    return entry


@transaction.atomic
def log_time(wo: WorkOrder, *, actor, hours: Decimal, user=None, started_at: datetime | None = None,
             note: str = "") -> TimeEntry:
    """A manual labour entry (work done without the timer)."""
    hours = Decimal(hours)
    if hours <= 0 or hours > 24:
        raise ValidationError({"hours": "Between 0 and 24 hours per entry."})
    _refuse_if_finished(wo, "its time")
    wo = _locked(wo)
    person = user or actor
    started_at = started_at or timezone.now() - timedelta(hours=float(hours))
    entry = TimeEntry(work_order=wo, user=person, started_at=started_at,
                      ended_at=started_at + timedelta(hours=float(hours)), hours=hours.quantize(HOUR),
                      hourly_rate=rate_for(person), note=note[:300])
    entry.full_clean()
    entry.save()
    _roll_up(wo)
    record(actor, "workorder.time_log", wo, changes={"entry": entry.pk, "user": person.pk, "hours": str(entry.hours)},
           push=_push(wo, "workorder.updated"))
    return entry


@transaction.atomic
def delete_time_entry(entry: TimeEntry, *, actor) -> None:
    wo = _locked(entry.work_order)
    _refuse_if_finished(wo, "its time")
    record(actor, "workorder.time_delete", wo,
           changes={"entry": entry.pk, "user": entry.user_id, "hours": str(entry.hours)})
    entry.delete()
    _roll_up(wo)


# --- Parts ------------------------------------------------------------------------------------


@transaction.atomic
def issue_part(wo: WorkOrder, *, part, storeroom, quantity, actor, note: str = "") -> PartUsage:
    """Take parts out of a storeroom for the order, through the stock ledger (raises
    assets' InsufficientStock, a ValidationError on ``quantity``, when there is not enough)."""
    from assets.services import issue_stock

    _refuse_if_finished(wo, "its parts")
    wo = _locked(wo)
    if storeroom.site_id != wo.site_id:
        raise ValidationError({"storeroom": f"{storeroom} is on another site than {wo.number}."})
    movement = issue_stock(part, storeroom, quantity, actor=actor, reference=wo.number, asset=wo.asset,
                           note=note or wo.title)
    usage = PartUsage.objects.create(work_order=wo, part=part, storeroom=storeroom, quantity=-movement.quantity,
                                     unit_cost=movement.unit_cost if movement.unit_cost is not None else part.unit_cost,
                                     movement=movement, issued_by=actor)
    _roll_up(wo)
    record(actor, "workorder.part_issue", wo,
           changes={"usage": usage.pk, "part": part.part_number, "quantity": str(usage.quantity),
                    "storeroom": storeroom.code}, push=_push(wo, "workorder.updated"))
    return usage


def outstanding_quantity(wo: WorkOrder, part, storeroom) -> Decimal:
    """What of a part issued to the order from a storeroom has not been returned yet."""
    return PartUsage.objects.filter(work_order=wo, part=part, storeroom=storeroom) \
        .aggregate(q=Coalesce(Sum("quantity"), Decimal("0")))["q"]


def with_returnable(usages) -> list[PartUsage]:
    """The order's part rows, each issue with ``returnable``: how much of it may still come back
    (what is still out of that part and storeroom on the order, as ``outstanding_quantity``
    counts it, at most the issue itself)."""
    usages = list(usages)
    out = defaultdict(Decimal)
    for u in usages:
        out[u.part_id, u.storeroom_id] += u.quantity
    for u in usages:
        u.returnable = min(u.quantity, out[u.part_id, u.storeroom_id]) if u.quantity > 0 else Decimal(0)
    return usages


@transaction.atomic
def return_part(usage: PartUsage, *, quantity, actor, note: str = "") -> PartUsage:
    """Bring unused parts of an issue back to its storeroom, through the stock ledger: a return
    row (negative quantity, at the cost they were issued at) lowers the order's parts cost. No
    more than what is still out can come back; the order's lock makes two returns of the last
    unit queue, so only one succeeds."""
    from assets.services import return_stock
    from assets.services_parts import parse_quantity

    wo = _locked(usage.work_order)
    _refuse_if_finished(wo, "its parts")
    if usage.quantity <= 0:
        raise ValidationError({"usage": "This row is itself a return; return from the issue it came from."})
    quantity = parse_quantity(quantity)
    out = outstanding_quantity(wo, usage.part, usage.storeroom)
    if quantity > out:
        what = f"{usage.part.part_number} from {usage.storeroom.code}"
        raise ValidationError({"quantity": f"Nothing of {what} is still out on {wo.number}: it has all come back."
                               if out <= 0 else f"Only {out.normalize():f} {usage.part.unit} of {what} are still out "
                                                f"on {wo.number}."})
    movement = return_stock(usage.part, usage.storeroom, quantity, actor=actor, reference=wo.number,
                            asset=wo.asset, note=note or f"Unused, back from {wo.number}")
    back = PartUsage.objects.create(work_order=wo, part=usage.part, storeroom=usage.storeroom, quantity=-quantity,
                                    unit_cost=usage.unit_cost, movement=movement, issued_by=actor)
    _roll_up(wo)
    record(actor, "workorder.part_return", wo,
           changes={"usage": back.pk, "part": usage.part.part_number, "quantity": str(quantity),
                    "storeroom": usage.storeroom.code}, push=_push(wo, "workorder.updated"))
    return back


# --- Saved views -----------------------------------------------------------------------------


@transaction.atomic
def save_view(*, actor, name: str, query: str) -> SavedView:
    """Store (or replace) one of the user's named list filters."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the view."})
    view, _ = SavedView.objects.update_or_create(user=actor, name=name[:80],
                                                 defaults={"query": query.lstrip("?")[:1000]})
    return view


@transaction.atomic
def delete_saved_view(view: SavedView, *, actor) -> None:
    if view.user_id != actor.pk:
        raise Conflict("Only its owner deletes a saved view.")
    view.delete()
