"""Export pages: a report as CSV, XLSX or PDF, the printable work order, large exports' jobs
and their downloads, report subscriptions and shared report links."""

from __future__ import annotations

import io
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from prosync.core.generic import render_page_or_partial
from prosync.core.views import require, scoped_object
from prosync.reports import delivery, formatting, jobs
from prosync.reports.export_forms import SubscriptionForm
from prosync.reports.exports import lists
from prosync.reports.exports import reports as report_exports
from prosync.reports.exports.pdf import render_pdf
from prosync.reports.exports.writers import html_rows, write_xlsx
from prosync.reports.models import ExportJob, ReportSubscription
from workorders.models import WorkOrder, pay_visible_to

FORMATS = ("csv", "xlsx", "pdf")


def _families():
    from prosync.reports.kpis import FAMILIES

    return FAMILIES


def _bad_filters(request, form, status=400):
    errors = [((form.fields[k].label if k in form.fields else None) or
               (k.replace("_", " ").capitalize() if k != "__all__" else "Filters"), " ".join(v))
              for k, v in form.errors.items()]
    return render(request, "exports/bad_filters.html", {"errors": errors}, status=status)


@login_required
def report_export(request, family: str, fmt: str):
    """/reports/<family>/export.<fmt>?<the page's filters>: the report the page shows, as a file."""
    from prosync.reports.scope import scope_from_params

    require(request.user, "view", WorkOrder)
    if family not in _families() or fmt not in FORMATS:
        raise Http404("No such report or format.")
    scope, form = scope_from_params(request.GET, request.user)
    if scope is None:
        return _bad_filters(request, form)
    result = report_exports.compute(family, scope, request.user)
    if fmt != "pdf" and report_exports.row_count(result) > settings.EXPORT_SYNC_MAX_ROWS:
        job = jobs.start_export_job(actor=request.user, kind="report", target=family,
                                    title=f"{result.title} report", params=scope.querystring(), fmt=fmt,
                                    total=report_exports.row_count(result))
        return redirect(job)
    response = HttpResponse(report_exports.render(result, scope, fmt), content_type=report_exports.CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{report_exports.filename(result, scope, fmt)}"'
    return response


@login_required
def workorder_pdf(request, pk: int):
    """The order on paper, to print or file: what was asked, what was done, by whom, with what."""
    wo = scoped_object(request, WorkOrder.objects.select_related(
        "asset", "asset__location", "asset__category", "site", "assignee", "team", "created_by", "problem_code",
        "cause_code", "remedy_code"), pk)
    site = wo.site
    paid = set(wo.time_entries.filter(pay_visible_to(request.user)).values_list("pk", flat=True))
    entries = list(wo.time_entries.select_related("user").order_by("started_at"))
    for entry in entries:
        entry.pay_shown = entry.pk in paid
    context = {
        "wo": wo, "site": site,
        "checklist": list(wo.checklist_items.select_related("done_by").order_by("position", "pk")),
        "parts": list(wo.part_usages.select_related("part", "storeroom", "issued_by").order_by("issued_at")),
        "entries": entries, "any_pay": bool(paid),
        "comments": list(wo.comments.select_related("author").order_by("created_at")),
        "assignees": list(wo.assignees.all()),
        "generated": formatting.datetime_text(timezone.now(), site), "currency": formatting.currency(),
    }
    response = HttpResponse(render_pdf("exports/workorder_document.html", context), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{wo.number}.pdf"'
    return response


# --- Lists (plugged into every list page's ?format=) ---------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def export_list_xlsx(view, request) -> HttpResponse:
    """A list page's ``?format=xlsx``: the file at once, or over EXPORT_SYNC_MAX_ROWS a job."""
    queryset = view.get_queryset()
    limit = settings.EXPORT_SYNC_MAX_ROWS
    if lists.row_count(queryset, limit) > limit:
        params = request.GET.copy()
        params.pop("format", None)
        job = jobs.start_export_job(actor=request.user, kind="list", target=request.path, title=lists.list_title(view),
                                    params=params.urlencode(), fmt="xlsx", total=queryset.order_by().count())
        return redirect(job)
    buffer = io.BytesIO()
    sheet = lists.list_sheet(view, queryset, user=request.user, params=request.GET)
    write_xlsx([sheet], buffer, title=lists.list_title(view))
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{lists.list_filename(view, "xlsx")}"'
    return response


def export_list_pdf(view, request) -> HttpResponse:
    """A list page's ``?format=pdf``: a printable table, landscape, the filters at its head."""
    queryset = view.get_queryset()
    limit = settings.EXPORT_SYNC_MAX_ROWS
    count = lists.row_count(queryset, limit)
    if count > limit:
        # A printed list of thousands of pages helps nobody and would hold a worker for minutes.
        return render(request, "exports/too_many.html", {
            "title": lists.list_title(view), "limit": limit,
            "xlsx": f"?{_without_format(request)}&format=xlsx".replace("?&", "?")}, status=422)
    sheet = lists.list_sheet(view, queryset, user=request.user, params=request.GET)
    pdf = render_pdf("exports/list_document.html", {
        "title": lists.list_title(view), "columns": sheet.columns, "rows": html_rows(sheet), "count": count,
        "filters": lists.filters_in_words(view), "generated": formatting.datetime_text(timezone.now(), sheet.site),
    })
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{lists.list_filename(view, "pdf")}"'
    return response


def _without_format(request) -> str:
    params = request.GET.copy()
    params.pop("format", None)
    return params.urlencode()


# --- Jobs --------------------------------------------------------------------------------------

@login_required
def export_jobs(request):
    return render(request, "exports/jobs.html", {"jobs": ExportJob.objects.for_user(request.user)[:50],
                                                 "limit": settings.EXPORT_SYNC_MAX_ROWS})


@login_required
def export_job(request, pk: int):
    job = get_object_or_404(ExportJob.objects.for_user(request.user), pk=pk)
    return render_page_or_partial(request, "exports/job.html", "exports/_job_progress.html", {"job": job})


@login_required
def export_download(request, pk: int):
    """The file of a finished job, to its owner alone (anyone else: 404), streamed from storage;
    never a public media address."""
    job = jobs.download_for(request.user, pk)
    if job is None or not job.file:
        raise Http404("No such export, or it has expired.")
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)


# --- Subscriptions -----------------------------------------------------------------------------

@login_required
def subscriptions(request):
    require(request.user, "view", WorkOrder)
    form = SubscriptionForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        sub = form.save()
        return redirect(f"{reverse('exports:subscriptions')}?added={sub.pk}")
    subs = ReportSubscription.objects.for_user(request.user)
    titles = {f: f"{f.title()} report" for f in _families()}
    rows = [{"sub": s, "title": titles.get(s.family, s.family), "filters": _filters_text(s)} for s in subs]
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "exports/subscriptions.html",
                  {"rows": rows, "form": form, "added": request.GET.get("added", ""),
                   "email": request.user.email}, status=status)


def _filters_text(sub) -> str:
    from django.http import QueryDict

    from prosync.reports.exports.sheets import scope_notes
    from prosync.reports.scope import PRESETS, scope_from_params

    scope, _ = scope_from_params(QueryDict(sub.filters), sub.user)
    if scope is None:
        return "these filters no longer apply"
    notes = [f"{label}: {value}" for label, value in scope_notes(scope)[1:]]
    preset = dict(PRESETS).get(scope.preset, scope.preset)
    return ", ".join([preset, *notes])


@login_required
@require_POST
def subscription_toggle(request, pk: int):
    sub = get_object_or_404(ReportSubscription.objects.for_user(request.user), pk=pk)
    sub.active = not sub.active
    sub.save(update_fields=["active"])
    return redirect("exports:subscriptions")


@login_required
@require_POST
def subscription_delete(request, pk: int):
    get_object_or_404(ReportSubscription.objects.for_user(request.user), pk=pk).delete()
    return redirect("exports:subscriptions")


# --- Shared links ------------------------------------------------------------------------------

@login_required
@require_POST
def report_share(request, family: str):
    """Make a signed link to the report with these filters, opened read-only with the sharer's
    scope until REPORT_LINK_MAX_AGE days have passed."""
    from django.http import QueryDict

    from prosync.reports.scope import scope_from_params

    require(request.user, "view", WorkOrder)
    if family not in _families():
        raise Http404("No such report.")
    scope, form = scope_from_params(QueryDict(request.POST.get("filters", "").lstrip("?")), request.user)
    if scope is None:
        return _bad_filters(request, form)
    token = delivery.make_share_token(request.user, family, scope.querystring())
    url = request.build_absolute_uri(reverse("exports:shared", args=[token]))
    expires = formatting.date_text(timezone.now() + timedelta(days=settings.REPORT_LINK_MAX_AGE))
    return render(request, "exports/share_made.html", {
        "url": url, "expires": expires, "family": family, "days": settings.REPORT_LINK_MAX_AGE,
        "back": f"{reverse('reports:family', args=[family])}?{scope.querystring()}"})


def shared_report(request, token: str):
    """A shared report, read-only, computed as its sharer with the sites frozen in the link."""
    from prosync.reports.scope import scope_from_params

    try:
        sharer, family, params = delivery.read_share_token(token)
    except delivery.ShareLinkExpired:
        return render(request, "exports/share_refused.html", {"expired": True}, status=410)
    except delivery.ShareLinkInvalid:
        return render(request, "exports/share_refused.html", {"expired": False}, status=403)
    if family not in _families():
        return render(request, "exports/share_refused.html", {"expired": False}, status=403)
    scope, form = scope_from_params(params, sharer)
    if scope is None:
        return render(request, "exports/share_refused.html", {"expired": True}, status=410)
    result = report_exports.compute(family, scope, sharer)
    context = report_exports.document_context(result, scope, shared_by=sharer)
    response = render(request, "exports/report_document.html", {**context, "pdf": False})
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"  # the link is the key: it must not leak to other sites
    return response
