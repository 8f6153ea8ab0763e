"""The CSV import page: upload a file, check it (dry run) or import it; every bad row is listed
with its row number, column and reason, and nothing is imported until the file is clean."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.template.response import TemplateResponse

from assets.forms import ImportForm
from assets.imports import KINDS, may_import, run_import, template_csv
from prosync.core.body_limit import declared_body_too_large


def _allowed_kinds(user) -> list[str]:
    return [k for k in KINDS if may_import(user, k)]


@login_required
def import_page(request):
    kinds = _allowed_kinds(request.user)
    if not kinds:
        raise PermissionDenied("Your role may not import data.")
    if request.method == "GET" and request.GET.get("template") in kinds:
        kind = request.GET["template"]
        response = HttpResponse(template_csv(kind), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{kind}-template.csv"'
        return response
    report, status = None, 200
    too_large = request.method == "POST" and declared_body_too_large(request, "IMPORT_MAX_BODY_BYTES")
    if too_large:  # refused before the upload is parsed
        messages.error(request, too_large)
        status = 413
    posted = request.method == "POST" and not too_large
    form = ImportForm(request.POST if posted else None, request.FILES if posted else None,
                      initial={"kind": request.GET.get("kind")})
    form.fields["kind"].choices = [(k, k.capitalize()) for k in kinds]
    if posted:
        if form.is_valid():
            report = run_import(form.cleaned_data["kind"], form.cleaned_data["file"].read(), actor=request.user,
                                dry_run="apply" not in request.POST)
            status = 200 if report.ok else 400
        else:
            status = 400
    specs = {k: KINDS[k] for k in kinds}
    return TemplateResponse(request, "assets/parts/import.html", {"form": form, "report": report, "specs": specs},
                            status=status)
