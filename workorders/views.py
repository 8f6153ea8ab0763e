"""Work-order pages: the list with saved views, the kanban board, the calendar, "my work", the
order with its checklist, comments, photos, time, parts and timeline, and the work-orders tab
of the asset page. Every write calls workorders.services."""

from __future__ import annotations

import calendar as pycalendar
import re
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import EmptyResultSet, PermissionDenied, ValidationError
from django.db import connections
from django.db.models import Count, DecimalField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from assets.models import Asset
from prosync.core import humanize
from prosync.core.files import serve_file
from prosync.core.generic import FilteredListView, ScopedDetailView
from prosync.core.permissions import can
from prosync.core.views import apply_errors, next_url, require
from workorders import services
from workorders.choices import OPEN_STATUSES, ChecklistItemKind, PredictionOutcome, WorkOrderStatus, WorkOrderType
from workorders.filters import WorkOrderFilterSet
from workorders.forms import (
    AttachmentForm,
    ChecklistTemplateChoiceForm,
    CommentForm,
    CompletionCodesForm,
    DependencyForm,
    IssuePartForm,
    SaveViewForm,
    TimeLogForm,
    WorkOrderForm,
)
from workorders.models import (
    ALLOWED_TRANSITIONS,
    Attachment,
    ChecklistItem,
    Comment,
    IllegalTransition,
    LabourRate,
    PartUsage,
    SavedView,
    StatusChange,
    TimeEntry,
    WorkOrder,
    pay_visible_to,
)
from workorders.tables import WorkOrderTable

S = WorkOrderStatus
REFUSALS = (IllegalTransition, services.StaleVersion, services.OutcomeRequired, services.FailureCodesRequired,
            services.Conflict)


def _order(request, pk, action="view") -> WorkOrder:
    """The order if the user may ``action`` it; another site's order is a 404, like the API."""
    return get_object_or_404(WorkOrder.objects.for_user(request.user, action).select_related("site", "asset"), pk=pk)


def _error_text(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        if hasattr(exc, "error_dict"):
            return " ".join(f"{'' if k == '__all__' else k.replace('_', ' ') + ': '}{' '.join(v)}"
                            for k, v in exc.message_dict.items())
        return " ".join(exc.messages)
    return str(exc)


def _back(wo: WorkOrder, anchor: str = ""):
    return redirect(wo.get_absolute_url() + (f"#{anchor}" if anchor else ""))


def _tabs(active: str) -> list[tuple[str, str, str, bool]]:
    return [(key, label, reverse(name), key == active) for key, label, name in (
        ("list", "List", "workorders:list"), ("board", "Board", "workorders:board"),
        ("calendar", "Calendar", "workorders:calendar"), ("my", "My work", "workorders:my-work"),
        ("time", "Time & cost", "workorders:time"))]


# --- List, saved views, create and edit --------------------------------------------------------


class WorkOrderListView(FilteredListView):
    model = WorkOrder
    filterset_class = WorkOrderFilterSet
    table_class = WorkOrderTable
    title = "Work orders"
    template_name = "workorders/workorder_list.html"
    partial_template_name = "workorders/_workorder_table.html"
    default_sort = "-created"

    def base_queryset(self):
        return WorkOrder.objects.select_related("asset", "site", "assignee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        if not getattr(self.request, "htmx", False):
            ctx["saved_views"] = list(SavedView.objects.for_user(self.request.user, "view"))
            ctx["tabs"] = _tabs("list")
            ctx["may_add"] = can(self.request.user, "add", WorkOrder)
            ctx["may_save"] = can(self.request.user, "add", SavedView)
        return ctx


@login_required
@require_POST
def save_view(request):
    require(request.user, "add", SavedView)
    form = SaveViewForm(request.POST)
    if form.is_valid():
        view = services.save_view(actor=request.user, name=form.cleaned_data["name"],
                                  query=form.cleaned_data["query"])
        messages.success(request, f"Saved the view “{view.name}”. Its address can be shared.")
        return redirect(view.get_absolute_url())
    messages.error(request, "Name the view to save it.")
    return redirect(f"{reverse('workorders:list')}?{request.POST.get('query', '')}")


@login_required
@require_POST
def delete_view(request, pk):
    view = get_object_or_404(SavedView.objects.for_user(request.user, "delete"), pk=pk)
    services.delete_saved_view(view, actor=request.user)
    messages.success(request, f"Deleted the view “{view.name}”.")
    return redirect("workorders:list")


@login_required
def create_work_order(request):
    require(request.user, "add", WorkOrder)
    initial = {k: request.GET[k] for k in ("asset", "kind", "priority", "title") if k in request.GET}
    form = WorkOrderForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if v not in (None, "") or k == "site"}
        assignees = list(data.pop("assignees", []))
        asset, site = data.pop("asset", None), data.pop("site", None)
        try:
            wo = services.create_work_order(actor=request.user, asset=asset, site=site, assignees=assignees,
                                            **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Created {wo.number}, due {timezone.localtime(wo.due_at):%Y-%m-%d %H:%M}.")
            return redirect(wo.get_absolute_url())
    return render(request, "workorders/workorder_form.html", {"form": form, "title": "New work order"})


@login_required
def edit_work_order(request, pk):
    wo = _order(request, pk, "change")
    form = WorkOrderForm(request.POST or None, instance=wo, user=request.user)
    form.fields.pop("site")
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        data.pop("site", None)
        version = request.POST.get("version", "")
        try:
            services.update_work_order(WorkOrder.objects.get(pk=wo.pk), actor=request.user,
                                       expected_version=int(version) if version.isdecimal() else None, **data)
        except (services.StaleVersion, ValidationError) as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Saved {wo.number}.")
            return redirect(wo.get_absolute_url())
    return render(request, "workorders/workorder_form.html", {"form": form, "object": wo,
                                                              "title": f"Edit {wo.number}"})


# --- The order -----------------------------------------------------------------------------------

# Buttons in the order a technician works through an order.
NEXT_STATUS_ORDER = [S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.CLOSED, S.OPEN, S.CANCELLED]
# The next step of the lifecycle from each status: the highlighted button.
NEXT_STEP = {S.OPEN: S.IN_PROGRESS, S.ASSIGNED: S.IN_PROGRESS, S.IN_PROGRESS: S.COMPLETED,
             S.ON_HOLD: S.IN_PROGRESS, S.COMPLETED: S.CLOSED}


def action_label(current: str, target: str) -> str:
    """What the button that moves an order from ``current`` to ``target`` says."""
    if target == S.IN_PROGRESS:
        return {S.ON_HOLD: _("Resume work"), S.COMPLETED: _("Reopen")}.get(current, _("Start work"))
    return {S.ASSIGNED: _("Assign"), S.ON_HOLD: _("Put on hold"), S.COMPLETED: _("Complete"),
            S.CLOSED: _("Close"), S.OPEN: _("Back to open"), S.CANCELLED: _("Cancel order")}[target]


# Where an order came from, as the timeline says it.
SOURCE_LABELS = {"prediction": "the health model", "checklist": "a failed check", "alarm": "an alarm rule",
                 "request": "a request", "preventive": "the maintenance plan"}


def timeline(wo: WorkOrder, *, checklist=None, comments=None, time_entries=None, part_usages=None,
             attachments=None) -> list[dict]:
    """Everything that happened to the order, oldest first: moves, comments, checks, photos,
    time and parts (lists the caller already loaded are reused)."""
    labels = dict(S.choices)
    if checklist is None:
        checklist = list(ChecklistItem.objects.filter(work_order=wo).select_related("done_by"))
    if comments is None:
        comments = list(Comment.objects.filter(work_order=wo).select_related("author"))
    if time_entries is None:
        time_entries = list(TimeEntry.objects.filter(work_order=wo).select_related("user"))
    if part_usages is None:
        part_usages = list(PartUsage.objects.filter(work_order=wo).select_related("part", "storeroom", "issued_by"))
    if attachments is None:
        attachments = list(Attachment.objects.filter(work_order=wo).select_related("uploaded_by"))
    events = [{"at": wo.created_at, "who": wo.created_by, "kind": "create",
               "text": f"created it ({wo.get_kind_display().lower()}, {wo.get_priority_display().lower()})"
               + (f" from {SOURCE_LABELS.get(wo.source, wo.source)}" if wo.source else "")}]
    for ch in StatusChange.objects.filter(work_order=wo).select_related("actor"):
        events.append({"at": ch.at, "who": ch.actor, "kind": "status", "note": ch.note,
                       "text": f"moved it from {labels[ch.from_status]} to {labels[ch.to_status]}",
                       "from": ch.from_status, "to": ch.to_status})
    for c in comments:
        events.append({"at": c.created_at, "who": c.author, "kind": "comment", "text": "commented", "note": c.body})
    for item in checklist:
        if item.done_at is not None:
            events.append({"at": item.done_at, "who": item.done_by, "kind": "check", "failed": item.is_failed,
                           "text": f"checked “{item.label}”: {item.result_display}"})
    for a in attachments:
        events.append({"at": a.created_at, "who": a.uploaded_by, "kind": "attachment",
                       "text": f"added a {a.get_kind_display().lower()} {'photo' if a.is_image else 'file'}: {a}"})
    for t in time_entries:
        text = "started the timer" if t.is_running else f"logged {t.hours} h"
        events.append({"at": t.ended_at or t.started_at, "who": t.user, "kind": "time", "text": text, "note": t.note})
    for p in part_usages:
        verb, qty = ("used", p.quantity) if p.quantity > 0 else ("returned", -p.quantity)
        events.append({"at": p.issued_at, "who": p.issued_by, "kind": "part",
                       "text": f"{verb} {qty.normalize():f} {p.part.unit} of {p.part} "
                               f"{'from' if p.quantity > 0 else 'to'} {p.storeroom.code}"})
    for f in wo.follow_ups.select_related("created_by"):
        events.append({"at": f.created_at, "who": f.created_by, "kind": "follow_up",
                       "text": f"created the follow-up {f.number} {f.title}", "url": f.get_absolute_url()})
    return sorted(events, key=lambda e: e["at"])


class WorkOrderDetailView(ScopedDetailView):
    model = WorkOrder
    template_name = "workorders/workorder_detail.html"

    def base_queryset(self):
        # Joined: what every order has. Prefetched: what most orders lack (no query when empty).
        # A join of all twelve tables cost PostgreSQL 10 ms to plan, for a row it reads in 0.3 ms.
        return WorkOrder.objects.select_related("asset", "asset__category", "site", "assignee", "created_by") \
            .prefetch_related("team", "problem_code", "cause_code", "remedy_code", "follow_up_of", "downtime")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        wo, user = self.object, self.request.user
        may_change = WorkOrder.objects.for_user(user, "change").filter(pk=wo.pk).exists()
        labels = dict(S.choices)
        moves = [s for s in NEXT_STATUS_ORDER if s in ALLOWED_TRANSITIONS[wo.status]] if may_change else []
        step = NEXT_STEP.get(wo.status)
        ctx.update(
            may_change=may_change,
            next_statuses=[{"status": s, "label": labels[s], "action": action_label(wo.status, s),
                            "primary": s == step} for s in sorted(
                                (m for m in moves if m != S.CANCELLED), key=lambda m: m != step)],
            may_cancel=S.CANCELLED in moves,
            outcomes=PredictionOutcome.choices,
            needs_codes=bool(wo.missing_failure_codes()) or wo.kind in (WorkOrderType.CORRECTIVE,
                                                                         WorkOrderType.EMERGENCY),
            codes_form=CompletionCodesForm(work_order=wo),
            assignees=list(wo.assignees.all()),
            blocked_by=list(wo.blocked_by.all()),
            blocking=list(wo.blocking.all()),
            checklist=list(wo.checklist_items.select_related("follow_up", "done_by")),
            comments=list(wo.comments.select_related("author")),
            attachments=list(wo.attachments.select_related("uploaded_by")),
            time_entries=list(wo.time_entries.select_related("user")),
            part_usages=services.with_returnable(wo.part_usages.select_related("part", "storeroom", "issued_by")),
            running=TimeEntry.objects.filter(user=user, ended_at__isnull=True).select_related("work_order").first(),
            may_check=can(user, "change", ChecklistItem) and wo.status not in (S.CLOSED, S.CANCELLED),
            may_comment=can(user, "add", Comment),
            may_attach=can(user, "add", Attachment),
            may_time=can(user, "add", TimeEntry) and wo.status not in (S.CLOSED, S.CANCELLED),
            may_parts=can(user, "add", PartUsage) and wo.status not in (S.CLOSED, S.CANCELLED),
            may_follow_up=can(user, "add", WorkOrder),
            comment_form=CommentForm(), attachment_form=AttachmentForm(),
            time_form=TimeLogForm(), template_form=ChecklistTemplateChoiceForm(),
            dependency_form=DependencyForm(), parts_form=IssuePartForm(work_order=wo, user=user),
            now=timezone.now(),
        )
        ctx["may_log_others"] = can(user, "change", LabourRate)
        if S.ASSIGNED in moves:  # "Assign" asks who
            ctx["site_people"] = list(get_user_model().objects.filter(
                memberships__site_id=wo.site_id, is_active=True).order_by("first_name", "username")[:300])
        paid = set(wo.time_entries.filter(pay_visible_to(user)).values_list("pk", flat=True))
        for t in ctx["time_entries"]:
            t.pay_shown = t.pk in paid
        if ctx["may_comment"]:  # @mention suggestions: the people of the order's site
            ctx["mention_people"] = [
                {"u": u, "n": f"{f} {la}".strip()} for u, f, la in get_user_model().objects.filter(
                    memberships__site_id=wo.site_id, is_active=True).order_by("username")
                .values_list("username", "first_name", "last_name")[:300]]
        if ctx["may_log_others"]:
            ctx["time_form"].scope(user)
        ctx["timeline"] = timeline(wo, **{k: ctx[k] for k in ("checklist", "comments", "time_entries", "part_usages",
                                                              "attachments")})
        done = sum(1 for i in ctx["checklist"] if i.is_done)
        ctx["checklist_progress"] = (done, len(ctx["checklist"]))
        return ctx


@login_required
@require_POST
def transition(request, pk):
    """Status buttons of the order page: the service decides; a refusal is shown, never lost."""
    wo = _order(request, pk, "change")
    version = request.POST.get("version", "")
    codes = CompletionCodesForm(request.POST, work_order=wo)
    codes.is_valid()
    status, note = request.POST.get("status", ""), request.POST.get("note", "").strip()[:500]
    if status == S.CANCELLED and not note:
        messages.error(request, _("Say why the order is cancelled: the reason is kept with it."))
        return redirect(next_url(request, wo.get_absolute_url()))
    assignee = None
    if status == S.ASSIGNED and request.POST.get("assignee", "").isdecimal():
        assignee = get_user_model().objects.filter(pk=int(request.POST["assignee"]), is_active=True,
                                                   memberships__site_id=wo.site_id).first()
        if assignee is None:
            messages.error(request, _("Choose someone who works on %(site)s to assign the order to.")
                           % {"site": wo.site})
            return redirect(next_url(request, wo.get_absolute_url()))
    elif status == S.ASSIGNED and status in ALLOWED_TRANSITIONS[wo.status] and not wo.assignee_id and not wo.team_id:
        messages.error(request, _("Choose who leads the order to assign it."))
        return redirect(next_url(request, wo.get_absolute_url()))
    try:
        wo = services.transition_work_order(
            wo, status, actor=request.user, note=note, assignee=assignee,
            outcome=request.POST.get("outcome", ""), expected_version=int(version) if version.isdecimal() else None,
            **{k: v for k, v in codes.cleaned_data.items() if v is not None})
        messages.success(request, _("%(number)s is now %(status)s.") % {"number": wo.number,
                                                                       "status": wo.get_status_display()})
    except REFUSALS as exc:
        messages.error(request, str(exc))
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
    return redirect(next_url(request, wo.get_absolute_url()))


@login_required
@require_POST
def add_dependency(request, pk):
    wo = _order(request, pk, "change")
    form = DependencyForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            services.add_dependency(wo, form.cleaned_data["blocked_by"], actor=request.user)
            messages.success(request, f"{wo.number} now waits for {form.cleaned_data['blocked_by'].number}.")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, " ".join(form.errors["blocked_by"]))
    return _back(wo, "dependencies")


@login_required
@require_POST
def remove_dependency(request, pk, blocker_pk):
    wo = _order(request, pk, "change")
    blocker = get_object_or_404(wo.blocked_by.all(), pk=blocker_pk)
    services.remove_dependency(wo, blocker, actor=request.user)
    messages.success(request, f"{wo.number} no longer waits for {blocker.number}.")
    return _back(wo, "dependencies")


# --- Checklist -----------------------------------------------------------------------------------


@login_required
@require_POST
def attach_checklist(request, pk):
    wo = _order(request, pk, "change")
    form = ChecklistTemplateChoiceForm(request.POST)
    if form.is_valid():
        try:
            items = services.attach_checklist(wo, form.cleaned_data["template"], actor=request.user)
            messages.success(request, f"Added {len(items)} checks from “{form.cleaned_data['template']}”.")
        except services.Conflict as exc:
            messages.error(request, str(exc))
    else:
        messages.error(request, "Choose a checklist.")
    return _back(wo, "checklist")


def _checklist_item(request, pk, item_pk) -> ChecklistItem:
    wo = _order(request, pk, "view")
    return get_object_or_404(ChecklistItem.objects.for_user(request.user, "change").select_related("follow_up"),
                             pk=item_pk, work_order=wo)


@login_required
@require_POST
def record_check(request, pk, item_pk):
    """One check filled in; an HTMX request gets the check's row back (with its error, if any)."""
    item = _checklist_item(request, pk, item_pk)
    error = ""
    kwargs = {}
    if item.kind == ChecklistItemKind.PASS_FAIL:
        value = request.POST.get("passed", "")
        kwargs["passed"] = {"pass": True, "fail": False}.get(value)
        kwargs["text"] = request.POST.get("text", "")
    elif item.kind == ChecklistItemKind.NUMBER:
        raw = request.POST.get("number", "").strip().replace(",", ".")
        kwargs["text"] = request.POST.get("text", "")
        try:
            kwargs["number"] = float(raw) if raw else None
        except ValueError:
            error = _("“%(value)s” is not a number.") % {"value": raw}
    elif item.kind == ChecklistItemKind.TEXT:
        kwargs["text"] = request.POST.get("text", "")
    else:
        kwargs["photo"] = request.FILES.get("photo")
    if not error:
        try:
            item = services.record_checklist_result(item, actor=request.user, **kwargs)
        except (ValidationError, services.Conflict) as exc:
            error = _error_text(exc)
    if getattr(request, "htmx", False):
        return _checklist_row(request, item, error=error)
    if error:
        messages.error(request, f"“{item.label}”: {error}")
    return _back(item.work_order, f"check-{item.pk}")


@login_required
@require_POST
def create_follow_up(request, pk, item_pk):
    require(request.user, "add", WorkOrder)
    item = _checklist_item(request, pk, item_pk)
    try:
        follow_up = services.create_follow_up(item, actor=request.user)
    except services.Conflict as exc:
        if getattr(request, "htmx", False):
            return _checklist_row(request, item, error=str(exc))
        messages.error(request, str(exc))
        return _back(item.work_order, f"check-{item.pk}")
    # The technician stays on the order: the check's row now links the new order.
    if getattr(request, "htmx", False):
        return _checklist_row(request, item, created=follow_up)
    messages.success(request, _("Created the follow-up %(number)s “%(title)s”.")
                     % {"number": follow_up.number, "title": follow_up.title})
    return _back(item.work_order, f"check-{item.pk}")


def _checklist_row(request, item, *, error: str = "", created=None):
    """The check's row of the order page, as HTMX swaps it in, with the checklist's progress."""
    item = ChecklistItem.objects.select_related("follow_up", "work_order").get(pk=item.pk)
    checks = ChecklistItem.objects.filter(work_order_id=item.work_order_id)
    progress = (checks.filter(done_at__isnull=False).count(), checks.count())
    return render(request, "workorders/_checklist_item.html",
                  {"item": item, "object": item.work_order, "error": error, "may_check": True,
                   "may_follow_up": can(request.user, "add", WorkOrder), "progress": progress,
                   "created": created})


# --- Comments, attachments ---------------------------------------------------------------------


@login_required
@require_POST
def add_comment(request, pk):
    require(request.user, "add", Comment)
    wo = _order(request, pk, "view")
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_comment(wo, form.cleaned_data["body"], actor=request.user,
                                 public=form.cleaned_data["public"])
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, "The comment is empty or too long (5,000 characters at most).")
    return _back(wo, "comments")


@login_required
@require_POST
def add_attachment(request, pk):
    require(request.user, "add", Attachment)
    wo = _order(request, pk, "view")
    form = AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            att = services.add_attachment(wo, form.cleaned_data["file"], actor=request.user,
                                          kind=form.cleaned_data["kind"], caption=form.cleaned_data["caption"])
            messages.success(request, f"Added {att}.")
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, "Choose a file to upload.")
    return _back(wo, "attachments")


# --- Time and parts ------------------------------------------------------------------------------


@login_required
@require_POST
def start_timer(request, pk):
    require(request.user, "add", TimeEntry)
    wo = _order(request, pk, "view")
    try:
        services.start_timer(wo, actor=request.user)
        messages.success(request, f"Timer started on {wo.number}.")
    except services.Conflict as exc:
        messages.error(request, str(exc))
    return _next_or(request, wo, "time")


@login_required
@require_POST
def stop_timer(request, pk):
    require(request.user, "change", TimeEntry)
    wo = _order(request, pk, "view")
    try:
        entry = services.stop_timer(actor=request.user, work_order=wo, note=request.POST.get("note", ""))
        messages.success(request, f"Timer stopped: {entry.hours} h on {wo.number}.")
    except services.Conflict as exc:
        messages.error(request, str(exc))
    return _next_or(request, wo, "time")


def _next_or(request, wo, anchor):
    return redirect(next_url(request, f"{wo.get_absolute_url()}#{anchor}"))


@login_required
@require_POST
def log_time(request, pk):
    require(request.user, "add", TimeEntry)
    wo = _order(request, pk, "view")
    form = TimeLogForm(request.POST)
    form.scope(request.user)
    if form.is_valid():
        person = form.cleaned_data["user"] or request.user
        if person != request.user and not can(request.user, "change", LabourRate):
            raise PermissionDenied("You log your own time.")
        try:
            entry = services.log_time(wo, actor=request.user, user=person, hours=form.cleaned_data["hours"],
                                      note=form.cleaned_data["note"])
            messages.success(request, f"Logged {entry.hours} h for {person}.")
        except (ValidationError, services.Conflict) as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, "Hours: " + " ".join(form.errors.get("hours", ["check the entry."])))
    return _back(wo, "time")


@login_required
@require_POST
def issue_part(request, pk):
    require(request.user, "add", PartUsage)
    wo = _order(request, pk, "view")
    form = IssuePartForm(request.POST, work_order=wo, user=request.user)
    if form.is_valid():
        try:
            usage = services.issue_part(wo, actor=request.user, **form.cleaned_data)
            messages.success(request, f"Issued {usage.quantity.normalize():f} × {usage.part}.")
        except (ValidationError, services.Conflict) as exc:
            messages.error(request, _error_text(exc))
    else:
        messages.error(request, " ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
    return _back(wo, "parts")


@login_required
@require_POST
def return_part(request, pk, usage_pk):
    """Unused parts of one issue back to its storeroom (the quantity field of the row's form)."""
    require(request.user, "add", PartUsage)
    wo = _order(request, pk, "view")
    usage = get_object_or_404(PartUsage.objects.select_related("part", "storeroom", "work_order"), pk=usage_pk,
                              work_order=wo)
    try:
        back = services.return_part(usage, quantity=request.POST.get("quantity", ""), actor=request.user)
        messages.success(request, f"Returned {-back.quantity.normalize():f} × {back.part} to {back.storeroom.code}.")
    except (ValidationError, services.Conflict) as exc:
        messages.error(request, _error_text(exc))
    return _back(wo, "parts")


# --- Board, calendar, my work, time ---------------------------------------------------------------

BOARD_COLUMNS = [S.OPEN, S.ASSIGNED, S.IN_PROGRESS, S.ON_HOLD, S.COMPLETED, S.CLOSED, S.CANCELLED]
BOARD_CARDS = 20  # per column; the column's count and a link to the full list say how many more
BOARD_COUNT_CAP = 1000


BOARD_CARD_FIELDS = ("pk", "site_id", "status", "priority", "version", "title", "due_at", "asset__tag", "assignee_id",
                     "assignee__first_name", "assignee__last_name", "assignee__username")


def _board_card(wo: dict, col: dict, *, may_change: bool, order_base: str, now, labels: dict) -> str:
    """One card of the board, from a row of ``BOARD_CARD_FIELDS``. Built in Python rather than
    in the template (a board shows up to 140 cards and the template engine cost a third of a
    millisecond each), and from plain rows rather than model instances."""
    due = ""
    if wo["due_at"]:
        overdue = ' class="overdue"' if WorkOrder.overdue(wo["status"], wo["due_at"], now) else ""
        due = f' · <span{overdue}>due {date_format(timezone.localtime(wo["due_at"]), "j M")}</span>'
    number = WorkOrder.number_of(wo["pk"])
    move = ""
    if may_change and col["allowed"]:
        move = (f'<label class="move-to small">Move to <select data-move aria-label="Move {number} to">'
                f'<option value="">…</option>{col["move_options"]}</select></label>')
    asset = f"{escape(wo['asset__tag'])} · " if wo["asset__tag"] is not None else ""
    if wo["assignee_id"]:
        who = escape(f"{wo['assignee__first_name']} {wo['assignee__last_name']}".strip() or wo["assignee__username"])
    else:
        who = "unassigned"
    prio = escape(wo["priority"])
    return mark_safe(  # noqa: S308 - every text from the row is escaped here, the rest is markup or numbers
        f'<li class="wo-card prio-edge-{prio}" draggable="{"true" if may_change else "false"}" data-id="{wo["pk"]}" '
        f'data-version="{wo["version"]}" data-status="{wo["status"]}" data-site="{wo["site_id"]}" '
        f'data-allowed="{col["allowed_attr"]}">'
        f'<a href="{order_base}{wo["pk"]}/" class="wo-num">{number}</a> '
        f'<span class="pill prio-{prio}">{escape(labels.get(wo["priority"], wo["priority"]))}</span>'
        f'<div class="wo-title">{escape(wo["title"])}</div><div class="muted small">{asset}{who}{due}</div>{move}'
        '<p class="card-error" role="alert" hidden></p></li>')


def _filtered(request):
    require(request.user, "view", WorkOrder)
    qs = WorkOrder.objects.for_user(request.user, "view")
    fs = WorkOrderFilterSet(request.GET or None, queryset=qs, request=request)
    return fs, (fs.qs if fs.is_bound and fs.is_valid() else qs)


def _capped_counts(qs, statuses, cap: int) -> dict[str, int]:
    """Rows of ``qs`` in each status, each counted up to ``cap``, in one round trip."""
    parts, params = [], []
    for status in statuses:
        try:
            sql, part_params = qs.filter(status=status).order_by().values("pk")[:cap].query.sql_with_params()
        except EmptyResultSet:  # a filter that matches nothing (an empty choice)
            return dict.fromkeys(statuses, 0)
        parts.append(f"SELECT %s, COUNT(*) FROM ({sql}) AS capped")
        params += [status, *part_params]
    with connections[qs.db].cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts), params)
        return dict(cursor.fetchall())


def _board_order(status: str) -> tuple:
    """Work in hand by due date (undated last), finished work newest first."""
    return (F("due_at").asc(nulls_last=True), "pk") if status in OPEN_STATUSES else ("-pk",)


@login_required
def board(request):
    """Kanban: a column per status; dragging a card posts the transition to the API."""
    fs, qs = _filtered(request)
    # Each column counted up to a cap, all in one query: a column of more than a thousand cards
    # reads "1000+", and the board costs the same with ten thousand or a million orders.
    counts = _capped_counts(qs, BOARD_COLUMNS, BOARD_COUNT_CAP + 1)
    # Each column's first cards in one query: the ids of every column (its own order and limit,
    # joined with UNION ALL), then those orders with their asset and assignee.
    heads = [qs.filter(status=status).order_by(*_board_order(status)).values("pk")[:BOARD_CARDS]
             for status in BOARD_COLUMNS]
    by_status = defaultdict(list)
    for wo in WorkOrder.objects.filter(pk__in=heads[0].union(*heads[1:], all=True)).values(*BOARD_CARD_FIELDS):
        by_status[wo["status"]].append(wo)
    labels = dict(S.choices)
    columns = []
    for status in BOARD_COLUMNS:
        count = min(counts[status], BOARD_COUNT_CAP)
        if status in OPEN_STATUSES:
            cards = sorted(by_status[status], key=lambda wo: (wo["due_at"] is None, wo["due_at"] or 0, wo["pk"]))
        else:
            cards = sorted(by_status[status], key=lambda wo: -wo["pk"])
        allowed = [(s, labels[s]) for s in BOARD_COLUMNS if s in ALLOWED_TRANSITIONS[status]]
        columns.append({"status": status, "label": labels[status], "count": count,
                        "capped": counts[status] > BOARD_COUNT_CAP,
                        "cards": cards, "allowed_values": sorted(ALLOWED_TRANSITIONS[status]),
                        "allowed_attr": " ".join(sorted(ALLOWED_TRANSITIONS[status])), "allowed": allowed,
                        # The same "Move to" options on every card of a column: rendered once, not per card.
                        "move_options": format_html_join("", '<option value="{}">{}</option>', allowed)})
    may_change = can(request.user, "change", WorkOrder)
    order_base = reverse("workorders:list")
    now = timezone.now()
    priorities = dict(WorkOrder._meta.get_field("priority").choices)
    for col in columns:
        col["card_html"] = [_board_card(wo, col, may_change=may_change, order_base=order_base, now=now,
                                        labels=priorities) for wo in col["cards"]]
    params = request.GET.copy()
    # Who a card moved to Assigned may go to: the people of the cards' sites (the dialog asks).
    people = defaultdict(list)
    if may_change:
        site_ids = {wo["site_id"] for col in columns for wo in col["cards"]}
        for pk, first, last, username, site_id in get_user_model().objects.filter(
                is_active=True, memberships__site_id__in=site_ids).order_by("first_name", "username") \
                .values_list("pk", "first_name", "last_name", "username", "memberships__site_id")[:2000]:
            people[site_id].append([pk, f"{first} {last}".strip() or username])
    return render(request, "workorders/board.html", {
        "people": dict(people),
        "columns": columns, "filterset": fs, "tabs": _tabs("board"), "may_change": may_change, "now": now,
        "querystring": params.urlencode(), "limit": BOARD_CARDS, "order_base": order_base,
        "transitions": {s: [(t, labels[t]) for t in BOARD_COLUMNS if t in ALLOWED_TRANSITIONS[s]]
                        for s in BOARD_COLUMNS}})


@login_required
def calendar(request):
    """Month grid of work due and scheduled (server-rendered; ``?month=2026-11``)."""
    fs, qs = _filtered(request)
    today = timezone.localdate()
    try:
        year, month = (int(x) for x in request.GET.get("month", "").split("-"))
        first = date(year, month, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
    weeks = pycalendar.Calendar(firstweekday=0).monthdatescalendar(first.year, first.month)
    tz = timezone.get_current_timezone()
    start = datetime.combine(weeks[0][0], datetime.min.time(), tzinfo=tz)
    end = datetime.combine(weeks[-1][-1] + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    orders = qs.filter(Q(due_at__gte=start, due_at__lt=end) | Q(scheduled_start__gte=start, scheduled_start__lt=end)) \
        .select_related("asset").order_by("due_at", "pk")[:2000]
    by_day = defaultdict(list)
    for wo in orders:
        when = wo.scheduled_start if wo.scheduled_start and start <= wo.scheduled_start < end else wo.due_at
        by_day[timezone.localtime(when, tz).date()].append(wo)
    prev_month = (first - timedelta(days=1)).replace(day=1)
    next_month = (first + timedelta(days=32)).replace(day=1)
    params = request.GET.copy()
    params.pop("month", None)
    return render(request, "workorders/calendar.html", {
        "weeks": [[{"date": d, "orders": by_day.get(d, []), "in_month": d.month == first.month,
                    "today": d == today} for d in week] for week in weeks],
        "month": first, "prev": prev_month, "next": next_month, "filterset": fs, "tabs": _tabs("calendar"),
        "querystring": params.urlencode(), "now": timezone.now(),
        "weekdays": ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]})


@login_required
def my_work(request):
    """A technician's day on a phone: the running timer, what is overdue, what is for today, and
    what comes next, with the buttons to start work and the timer."""
    require(request.user, "view", WorkOrder)
    user = request.user
    now = timezone.now()
    tz = timezone.get_current_timezone()
    end_of_day = datetime.combine(timezone.localdate() + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    mine = WorkOrder.objects.for_user(user, "view").of_person(user).open() \
        .select_related("asset", "site") \
        .annotate(checks=Count("checklist_items", distinct=True),
                  checks_done=Count("checklist_items", filter=Q(checklist_items__done_at__isnull=False),
                                    distinct=True),
                  photos=Count("attachments", distinct=True)) \
        .order_by(F("due_at").asc(nulls_last=True), "pk")
    overdue, today, later = [], [], []
    for wo in mine[:200]:
        if wo.due_at and wo.due_at < now:
            overdue.append(wo)
        elif wo.status == S.IN_PROGRESS or (wo.due_at and wo.due_at < end_of_day) or \
                (wo.scheduled_start and wo.scheduled_start < end_of_day):
            today.append(wo)
        else:
            later.append(wo)
    running = TimeEntry.objects.filter(user=user, ended_at__isnull=True).select_related("work_order").first()
    week_start = now - timedelta(days=timezone.localdate().weekday())
    hours_week = TimeEntry.objects.filter(user=user, started_at__gte=week_start.replace(hour=0, minute=0)) \
        .aggregate(h=Coalesce(Sum("hours"), Decimal("0")))["h"]
    return render(request, "workorders/my_work.html", {
        "sections": [("overdue", _("Overdue"), overdue), ("today", _("Today"), today),
                     ("later", _("Coming up"), later)],
        "running": running, "now": now, "tabs": _tabs("my"),
        "hours_week": ngettext("%(h)s hour logged this week", "%(h)s hours logged this week",
                               1 if hours_week == 1 else 2) % {"h": humanize.number(hours_week, 2)},
        "may_time": can(user, "add", TimeEntry), "may_change": can(user, "change", WorkOrder),
        "start_allowed": {S.OPEN, S.ASSIGNED, S.ON_HOLD}})


# What an asset's QR label encodes: the absolute URL of /a/<token>/ (assets.qr).
LABEL_TOKEN = re.compile(r"(?:^|/a/)([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(?:/|$)", re.I)


@login_required
def scan(request):
    """What a scanned label (or its typed URL or tag) opens: the asset's one open order, the list of
    its open orders when there are several, else the asset itself."""
    code = request.GET.get("code", "").strip()[:300]
    if not code:
        messages.error(request, _("Scan a label, or type its address or the asset's tag."))
        return redirect("workorders:my-work")
    assets = Asset.objects.for_user(request.user)
    token = LABEL_TOKEN.search(code)
    asset = (assets.filter(qr_token=token.group(1).lower()) if token else assets.filter(tag__iexact=code)).first()
    if asset is None:
        messages.error(request, _("No asset you can see carries the label “%(code)s”.") % {"code": code})
        return redirect("workorders:my-work")
    orders = list(WorkOrder.objects.for_user(request.user, "view").open().filter(asset=asset)
                  .order_by("pk").values_list("pk", flat=True)[:2])
    if len(orders) == 1:
        return redirect("workorders:detail", pk=orders[0])
    if orders:
        return redirect(f"{reverse('workorders:list')}?asset={asset.pk}&is_open=true")
    return redirect(asset.get_absolute_url())


@login_required
def time_report(request):
    """Hours and cost per person and per asset over a period, and the orders' parts cost."""
    require(request.user, "view", TimeEntry)
    days = request.GET.get("days", "30")
    days = int(days) if days.isdecimal() and 0 < int(days) <= 3650 else 30
    since = timezone.now() - timedelta(days=days)
    entries = TimeEntry.objects.for_user(request.user, "view").filter(started_at__gte=since, ended_at__isnull=False)
    cost = ExpressionWrapper(F("hours") * F("hourly_rate"), output_field=DecimalField(max_digits=14, decimal_places=2))
    per_person = entries.values("user__username", "user__first_name", "user__last_name") \
        .annotate(total_hours=Sum("hours"), total_cost=Sum(cost, filter=pay_visible_to(request.user) or None),
                  orders=Count("work_order", distinct=True)) \
        .order_by("-total_hours")
    per_asset = WorkOrder.objects.for_user(request.user, "view").filter(asset__isnull=False, updated_at__gte=since) \
        .values("asset_id", "asset__tag", "asset__name") \
        .annotate(total_hours=Sum("actual_hours"), labour=Sum("labour_cost"), parts=Sum("parts_cost"),
                  orders=Count("pk")) \
        .filter(Q(total_hours__gt=0) | Q(parts__gt=0)).order_by("-labour")[:50]
    return render(request, "workorders/time_report.html", {
        "per_person": list(per_person), "per_asset": list(per_asset), "days": days, "tabs": _tabs("time"),
        "choices": [7, 30, 90, 365]})


def workorders_panel(request, asset):
    qs = WorkOrder.objects.filter(asset=asset)
    totals = qs.aggregate(hours=Coalesce(Sum("actual_hours"), Decimal("0")),
                          labour=Coalesce(Sum("labour_cost"), Decimal("0")),
                          parts=Coalesce(Sum("parts_cost"), Decimal("0")),
                          open=Count("pk", filter=Q(status__in=OPEN_STATUSES)))
    totals["total"] = totals["labour"] + totals["parts"]
    return {"work_orders": list(qs.select_related("assignee")[:20]), "totals": totals,
            "new_url": f"{reverse('workorders:create')}?asset={asset.pk}",
            "list_url": f"{reverse('workorders:list')}?asset={asset.pk}"}



@login_required
def attachment_file(request, pk):
    """The file of an attachment, for those who may see its order (never a public media URL)."""
    att = get_object_or_404(Attachment.objects.for_user(request.user, "view"), pk=pk)
    return _serve(att.file, att.content_type, inline=att.is_image or att.content_type == "application/pdf")


@login_required
def checklist_photo(request, pk):
    item = get_object_or_404(ChecklistItem.objects.for_user(request.user, "view").exclude(photo=""), pk=pk)
    return _serve(item.photo, "", inline=True)


def _serve(field_file, content_type: str, *, inline: bool):
    return serve_file(field_file, content_type, inline=inline)
