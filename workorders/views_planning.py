"""Pages of work requests (with the public QR form), preventive schedules and projects."""

from __future__ import annotations

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.preferences import instance_timezone
from assets.models import Asset
from prosync.core.files import serve_file
from prosync.core.generic import FilteredListView, ScopedDetailView
from prosync.core.permissions import can
from prosync.core.throttling import client_ip
from prosync.core.views import apply_errors, require
from workorders import services_planning, services_tracking
from workorders.choices import RequestChannel, RequestStatus
from workorders.filters_planning import PreventiveScheduleFilterSet, ProjectFilterSet, WorkRequestFilterSet
from workorders.forms_planning import (
    AddOrdersForm,
    ApproveForm,
    PreventiveScheduleForm,
    ProjectForm,
    PublicReportForm,
    RejectForm,
    WorkRequestForm,
)
from workorders.models import PMOccurrence, PreventiveSchedule, Project, WorkOrder, WorkRequest, WorkRequestPhoto
from workorders.tables import PreventiveScheduleTable, ProjectTable, WorkRequestTable

logger = logging.getLogger(__name__)


def _validate_only(request, form, context: dict):
    """The form's live check (HTMX, on each change): the same validation as saving, nothing
    saved; "required" is not reported for fields the user has not filled in yet."""
    form.is_valid()
    for name, errors in list(form.errors.as_data().items()):
        kept = [m for e in errors if e.code != "required" for m in e.messages]
        if kept:
            form.errors[name] = form.error_class(kept)
        else:
            del form.errors[name]
    return render(request, "workorders/planning/form_page.html", dict(context, form=form, live=True))


# --- Work requests -------------------------------------------------------------------------------


class PlanningListView(FilteredListView):
    """A list page of the planning section, with its "New …" button for those who may add."""

    template_name = "workorders/planning/list_page.html"
    new_url_name = ""
    new_label = ""

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = can(self.request.user, "add", self.model)
        return ctx


class WorkRequestListView(PlanningListView):
    model = WorkRequest
    filterset_class = WorkRequestFilterSet
    table_class = WorkRequestTable
    title = "Work requests"
    partial_template_name = "workorders/planning/_request_table.html"
    default_sort = "-created"
    new_url_name = "workorders:request-new"
    new_label = "New request"

    def base_queryset(self):
        return WorkRequest.objects.select_related("site", "asset", "requested_by", "work_order")


class MyRequestListView(WorkRequestListView):
    """The requests the signed-in person made, whatever became of them."""

    title = "My requests"
    template_name = "workorders/planning/my_requests.html"
    partial_template_name = "workorders/planning/_my_request_table.html"

    def base_queryset(self):
        return super().base_queryset().filter(requested_by=self.request.user)


def track_request(request, token):
    """The public page of a tracking link: this one request's status and progress, nothing else."""
    wr = services_tracking.request_for_token(token)
    if wr is None:
        raise Http404("This tracking link does not lead to a request.")
    with timezone.override(instance_timezone()):  # a visitor has no zone of their own
        response = render(request, "workorders/planning/track.html",
                          {"wr": wr, "progress": services_tracking.progress(wr), "steps": services_tracking.STEPS})
    response["X-Robots-Tag"] = "noindex"
    return response


class WorkRequestDetailView(ScopedDetailView):
    model = WorkRequest
    template_name = "workorders/planning/request_detail.html"

    def base_queryset(self):
        return WorkRequest.objects.select_related("site", "asset", "requested_by", "decided_by", "work_order") \
            .prefetch_related("photos")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        wr = self.object
        ctx["may_decide"] = wr.status == RequestStatus.PENDING and services_planning.may_decide(self.request.user, wr)
        if wr.requested_by_id == self.request.user.pk:
            ctx["tracking_url"] = self.request.build_absolute_uri(services_tracking.tracking_path(wr))
        if ctx["may_decide"]:
            ctx.setdefault("approve_form", ApproveForm(user=self.request.user, initial={"priority": wr.priority}))
            ctx.setdefault("reject_form", RejectForm())
        return ctx


@login_required
def request_photo(request, pk):
    """A photo of a request, for those who may see the request (never a public media URL)."""
    photo = get_object_or_404(WorkRequestPhoto.objects.for_user(request.user, "view"), pk=pk)
    return serve_file(photo.image, photo.content_type, inline=True)


@login_required
def request_new(request):
    require(request.user, "add", WorkRequest)
    initial = {}
    if request.GET.get("asset", "").isdecimal():
        asset = Asset.objects.for_user(request.user).filter(pk=request.GET["asset"]).first()
        if asset is not None:
            initial = {"asset": asset, "site": asset.site}
    form = WorkRequestForm(request.POST or None, request.FILES or None, user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wr = services_planning.submit_request(
                site=data["site"] or data["asset"].site, asset=data["asset"], title=data["title"],
                description=data["description"], priority=data["priority"], actor=request.user,
                photos=data["photos"], channel=RequestChannel.PORTAL)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{wr.number} was sent to the maintenance planners.")
            return redirect(wr.get_absolute_url())
    return render(request, "workorders/planning/form_page.html",
                  {"form": form, "title": "Report a problem", "multipart": True, "submit": "Send request",
                   "back": reverse("workorders:requests")}, status=400 if form.errors else 200)


def _decidable(request, pk) -> WorkRequest:
    wr = get_object_or_404(WorkRequest.objects.for_user(request.user, "view").select_related("site"), pk=pk)
    if not services_planning.may_decide(request.user, wr):
        raise PermissionDenied("Only a manager of the request's site may approve or reject it.")
    return wr


@login_required
@require_POST
def request_approve(request, pk):
    wr = _decidable(request, pk)
    form = ApproveForm(request.POST, user=request.user)
    if form.is_valid():
        try:
            wo = services_planning.approve_request(wr, actor=request.user, kind=form.cleaned_data["kind"],
                                                  priority=form.cleaned_data["priority"],
                                                  assignee=form.cleaned_data["assignee"])
        except services_planning.RequestAlreadyDecided as exc:
            messages.error(request, str(exc))
            return redirect(wr.get_absolute_url())
        messages.success(request, f"{wr.number} approved: {wo.number} created.")
        return redirect(wo.get_absolute_url())
    view = WorkRequestDetailView.as_view(extra_context={"approve_form": form})
    request.method = "GET"
    response = view(request, pk=pk)
    response.status_code = 400
    return response


@login_required
@require_POST
def request_reject(request, pk):
    wr = _decidable(request, pk)
    form = RejectForm(request.POST)
    if form.is_valid():
        try:
            services_planning.reject_request(wr, actor=request.user, reason=form.cleaned_data["reason"])
        except services_planning.RequestAlreadyDecided as exc:
            messages.error(request, str(exc))
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{wr.number} rejected; the requester is told why.")
            return redirect(wr.get_absolute_url())
    if form.errors:
        request.method = "GET"
        response = WorkRequestDetailView.as_view(extra_context={"reject_form": form})(request, pk=pk)
        response.status_code = 400
        return response
    return redirect(wr.get_absolute_url())


# --- The public QR form ------------------------------------------------------------------------


def _over_limit(request) -> bool:
    """Count this IP's submissions in a fixed window (Redis-backed cache, shared by every web
    process); True once it has used up its allowance."""
    limit = getattr(settings, "PUBLIC_REPORT_LIMIT", 5)
    window = getattr(settings, "PUBLIC_REPORT_WINDOW_SECONDS", 600)
    key = f"public-report:{client_ip(request)}"
    cache.add(key, 0, timeout=window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    return count > limit


def public_report(request, token):
    """Anyone who scans an asset's QR label may report a problem with it, without an account."""
    asset = Asset.objects.select_related("site").filter(qr_token=token).first()
    if asset is None:  # a label replaced since (Rotate QR code), or a made-up address
        return render(request, "assets/label_not_found.html", status=404)
    # The allowance is checked before the body (and its photos) is parsed: a flood costs no parsing.
    if request.method == "POST" and _over_limit(request):
        return render(request, "workorders/planning/report_limited.html",
                      {"asset": asset, "form": PublicReportForm()}, status=429)
    form = PublicReportForm(request.POST or None, request.FILES or None)
    ctx = {"asset": asset, "form": form}
    if request.method == "POST":
        if not form.is_valid():
            return render(request, "workorders/planning/report.html", ctx, status=400)
        data = form.cleaned_data
        if data["website"]:
            # A bot filled the hidden field: answer as if it worked, keep nothing.
            logger.info("public report honeypot", extra={"asset": asset.pk, "ip": client_ip(request)})
            return render(request, "workorders/planning/report_thanks.html", ctx)
        first_line = data["description"].strip().splitlines()[0]
        try:
            wr = services_planning.submit_request(
                asset=asset, title=first_line[:120], description=data["description"],
                reporter_name=data["name"], reporter_contact=data["contact"], photos=data["photos"],
                channel=RequestChannel.QR)
        except ValidationError as exc:
            apply_errors(form, exc)
            return render(request, "workorders/planning/report.html", ctx, status=400)
        emailed = services_tracking.send_tracking_email(
            wr, link_base=getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/"))
        return render(request, "workorders/planning/report_thanks.html",
                      dict(ctx, request_obj=wr, emailed=emailed,
                           tracking_url=request.build_absolute_uri(services_tracking.tracking_path(wr))))
    return render(request, "workorders/planning/report.html", ctx)


# --- Preventive maintenance ---------------------------------------------------------------------


class PreventiveScheduleListView(PlanningListView):
    model = PreventiveSchedule
    filterset_class = PreventiveScheduleFilterSet
    table_class = PreventiveScheduleTable
    title = "Preventive maintenance"
    partial_template_name = "workorders/planning/_pm_table.html"
    default_sort = "asset"
    new_url_name = "workorders:pm-new"
    new_label = "New schedule"

    def base_queryset(self):
        return PreventiveSchedule.objects.select_related("asset", "meter", "assignee")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = list(ctx["object_list"])
        summary = services_planning.compliance_summary([s.pk for s in rows])
        nxt = {}
        for occ in PMOccurrence.objects.filter(schedule__in=[s.pk for s in rows]).order_by("schedule_id", "-seq") \
                .distinct("schedule_id"):
            nxt[occ.schedule_id] = occ
        for s in rows:
            s.compliance = summary.get(s.pk)
            s.last_occurrence = nxt.get(s.pk)
        ctx["object_list"] = rows
        return ctx


class PreventiveScheduleDetailView(ScopedDetailView):
    model = PreventiveSchedule
    template_name = "workorders/planning/pm_detail.html"

    def base_queryset(self):
        return PreventiveSchedule.objects.select_related("asset", "asset__site", "meter", "assignee", "team",
                                                         "checklist_template")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        s = self.object
        ctx["summary"] = services_planning.compliance_summary([s.pk]).get(s.pk)
        ctx["occurrences"] = s.occurrences.select_related("work_order").order_by("-seq")[:50]
        ctx["parts"] = s.parts.select_related("part")
        ctx["may_change"] = PreventiveSchedule.objects.for_user(self.request.user, "change").filter(pk=s.pk).exists()
        return ctx


@login_required
def pm_edit(request, pk=None):
    if pk is None:
        require(request.user, "add", PreventiveSchedule)
        instance = PreventiveSchedule()
        if request.GET.get("asset", "").isdecimal():
            instance.asset = Asset.objects.for_user(request.user).filter(pk=request.GET["asset"]).first()
    else:
        instance = get_object_or_404(PreventiveSchedule.objects.for_user(request.user, "change"), pk=pk)
    form = PreventiveScheduleForm(request.POST or None, instance=instance, user=request.user)
    context = {"title": "Edit schedule" if pk else "New preventive schedule", "submit": "Save", "pm_form": True,
               "back": instance.get_absolute_url() if pk else reverse("workorders:pm-list"), "live_check": True}
    if request.method == "POST" and request.GET.get("validate"):
        return _validate_only(request, form, context)
    if request.method == "POST" and form.is_valid():
        try:
            schedule = services_planning.save_schedule(form.instance, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Schedule '{schedule}' saved: {schedule.rule}.")
            return redirect(schedule.get_absolute_url())
    return render(request, "workorders/planning/form_page.html", dict(context, form=form),
                  status=400 if form.errors else 200)


@login_required
@require_POST
def pm_generate(request, pk):
    """"Generate now": the same idempotent generation the beat runs, for one schedule."""
    schedule = get_object_or_404(PreventiveSchedule.objects.for_user(request.user, "change"), pk=pk)
    wo = services_planning.generate_for_schedule(schedule.pk)
    if wo is None:
        messages.info(request, "Nothing is due yet: every due occurrence already has its order.")
    else:
        messages.success(request, f"{wo.number} created, due {wo.due_at:%Y-%m-%d}.")
    return redirect(schedule.get_absolute_url())


# --- Projects -----------------------------------------------------------------------------------


class ProjectListView(PlanningListView):
    model = Project
    filterset_class = ProjectFilterSet
    table_class = ProjectTable
    title = "Projects"
    partial_template_name = "workorders/planning/_project_table.html"
    default_sort = "-starts"
    new_url_name = "workorders:project-new"
    new_label = "New project"

    def base_queryset(self):
        return Project.objects.select_related("site", "owner")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        rows = list(ctx["object_list"])
        done = services_planning.progress_many([p.pk for p in rows])
        for p in rows:
            p.progress = done.get(p.pk)
        ctx["object_list"] = rows
        return ctx


class ProjectDetailView(ScopedDetailView):
    model = Project
    template_name = "workorders/planning/project_detail.html"

    def base_queryset(self):
        return Project.objects.select_related("site", "owner")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        p = self.object
        ctx["progress"] = services_planning.progress(p)
        ctx["timeline"] = services_planning.timeline(p)
        ctx["weeks"], ctx["load"] = services_planning.resource_load(p)
        ctx["may_change"] = Project.objects.for_user(self.request.user, "change").filter(pk=p.pk).exists()
        if ctx["may_change"]:
            ctx.setdefault("add_form", AddOrdersForm(user=self.request.user, project=p))
        return ctx


@login_required
def project_edit(request, pk=None):
    if pk is None:
        require(request.user, "add", Project)
        instance = Project(owner=request.user)
    else:
        instance = get_object_or_404(Project.objects.for_user(request.user, "change"), pk=pk)
    form = ProjectForm(request.POST or None, instance=instance, user=request.user)
    context = {"title": "Edit project" if pk else "New project", "submit": "Save", "live_check": True,
               "back": instance.get_absolute_url() if pk else reverse("workorders:projects")}
    if request.method == "POST" and request.GET.get("validate"):
        return _validate_only(request, form, context)
    if request.method == "POST" and form.is_valid():
        if pk is None and form.instance.owner_id is None:
            form.instance.owner = request.user  # whoever creates it owns it unless told otherwise
        try:
            project = services_planning.save_project(form.instance, actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Project '{project}' saved.")
            return redirect(project.get_absolute_url())
    return render(request, "workorders/planning/form_page.html", dict(context, form=form),
                  status=400 if form.errors else 200)


@login_required
@require_POST
def project_add_orders(request, pk):
    project = get_object_or_404(Project.objects.for_user(request.user, "change"), pk=pk)
    form = AddOrdersForm(request.POST, user=request.user, project=project)
    if form.is_valid():
        try:
            n = services_planning.add_orders(project, form.cleaned_data["work_orders"], actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{n} order{'s' if n != 1 else ''} added to the project.")
            return redirect(project.get_absolute_url())
    request.method = "GET"
    response = ProjectDetailView.as_view(extra_context={"add_form": form})(request, pk=pk)
    response.status_code = 400
    return response


@login_required
@require_POST
def project_remove_order(request, pk, wo_pk):
    project = get_object_or_404(Project.objects.for_user(request.user, "change"), pk=pk)
    wo = get_object_or_404(WorkOrder.objects.for_user(request.user, "view"), pk=wo_pk)
    services_planning.remove_order(project, wo, actor=request.user)
    messages.success(request, f"{wo.number} removed from the project.")
    return redirect(project.get_absolute_url())


def planning_panel(request, asset) -> dict:
    """The asset page's "Maintenance plan" tab: its preventive schedules with compliance, its
    pending requests, and links to report a problem or plan a schedule."""
    schedules = list(PreventiveSchedule.objects.for_user(request.user).filter(asset=asset)
                     .select_related("meter", "assignee"))
    summary = services_planning.compliance_summary([s.pk for s in schedules])
    for s in schedules:
        s.compliance = summary.get(s.pk)
    return {"schedules": schedules,
            "requests": list(WorkRequest.objects.for_user(request.user).filter(asset=asset,
                                                                                status=RequestStatus.PENDING)[:10]),
            "may_plan": can(request.user, "add", PreventiveSchedule),
            "may_request": can(request.user, "add", WorkRequest)}
