"""CSV upload of historical readings: the upload page with the user's recent imports, and one
import's page whose progress and per-row errors refresh by HTMX polling until it is finished."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render

from prosync.core.body_limit import declared_body_too_large
from prosync.core.permissions import can
from prosync.core.views import require
from telemetry import services
from telemetry.forms import CsvUploadForm
from telemetry.models import CsvImport, Reading


@login_required
def csv_imports(request):
    may_upload = can(request.user, "add", Reading)
    form = CsvUploadForm()
    status = 200
    if request.method == "POST":
        require(request.user, "add", Reading)
        too_large = declared_body_too_large(request, "TELEMETRY_IMPORT_MAX_BODY_BYTES")
        if too_large:  # refused before the upload is parsed
            messages.error(request, too_large)
            status = 413
        else:
            form = CsvUploadForm(request.POST, request.FILES)
            if form.is_valid():
                job = services.start_csv_import(upload=form.cleaned_data["file"], actor=request.user,
                                                atomic=form.cleaned_data["atomic"])
                return redirect("telemetry:csv-import", pk=job.pk)
            status = 400
    services.expire_lost_imports()
    imports = CsvImport.objects.for_user(request.user, "view").select_related("uploaded_by")[:20]
    return render(request, "telemetry/csv_imports.html",
                  {"form": form, "imports": imports, "may_upload": may_upload}, status=status)


@login_required
def csv_import(request, pk: int):
    services.expire_lost_imports()
    job = get_object_or_404(CsvImport.objects.for_user(request.user, "view").select_related("uploaded_by"), pk=pk)
    template = "telemetry/_csv_import_progress.html" if request.htmx else "telemetry/csv_import_detail.html"
    response = render(request, template, {"job": job})
    response["Vary"] = "HX-Request"
    return response
