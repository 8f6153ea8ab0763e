"""Asset pages: the register (list), the asset page with its tabs, the forms that edit, move and
change the status of assets, meters and documents, the location tree, QR codes and label sheets."""

from __future__ import annotations

import hashlib
from urllib.parse import urlsplit

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRedirect, HttpResponseClientRefresh

from assets import panels, services
from assets.choices import AssetStatus
from assets.filters import AssetFilterSet, DowntimeFilterSet, LocationFilterSet
from assets.forms import (
    AssetForm,
    DocumentForm,
    LocationForm,
    MeterForm,
    MeterReadingForm,
    MoveAssetForm,
    StatusChangeForm,
)
from assets.models import Asset, AssetDocument, AssetStatusChange, Downtime, Location, Meter, MeterReading
from assets.qr import asset_qr_svg, asset_qr_url
from assets.selectors import availability_periods, count_of, latest_health, location_chain, location_tree
from assets.tables import AssetTable, DowntimeTable
from prosync.core import humanize
from prosync.core.generic import FilteredListView, ScopedDetailView, render_page_or_partial
from prosync.core.permissions import can
from prosync.core.views import apply_errors, next_url, permission_required, render_form, scoped_object

MAX_LABELS = 500


def form_response(request, form, *, title, action, submit, back=None, asset=None, multipart=False):
    """The form again with its errors: the partial for HTMX (swapped in place), the full page
    otherwise (HTTP 422, so that scripts see the refusal)."""
    ctx = {"form": form, "title": title, "action": action, "submit": submit, "back": back, "asset": asset,
           "multipart": multipart}
    return render_form(request, form, "assets/form_page.html", "assets/_form.html", ctx)


def done(request, url):
    """After a successful write: the page to show next. Under HTMX, a form on the page it leads
    back to reloads that page (a redirect to the same address with only a new #fragment would
    not load it again)."""
    if getattr(request, "htmx", False):
        if urlsplit(request.htmx.current_url or "").path == urlsplit(url).path:
            return HttpResponseClientRefresh()
        return HttpResponseClientRedirect(url)
    return redirect(url)


# --- The register ---------------------------------------------------------------------------


class AssetListView(FilteredListView):
    model = Asset
    filterset_class = AssetFilterSet
    table_class = AssetTable
    title = "Assets"
    template_name = "assets/asset_list.html"
    partial_template_name = "assets/_asset_table.html"
    default_sort = "tag"

    def base_queryset(self):
        sensor = Asset._meta.get_field("sensors").related_model  # telemetry's model, without importing it
        return Asset.objects.select_related("site", "category", "parent", "location").annotate(
            sensor_count=count_of(sensor), health=latest_health())

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_add"] = can(self.request.user, "add", Asset)
        return ctx


class DowntimeListView(FilteredListView):
    """Every stoppage the user may see, filtered like the API's downtime list: where the reports'
    downtime figures and Pareto bars lead."""

    model = Downtime
    filterset_class = DowntimeFilterSet
    table_class = DowntimeTable
    title = "Downtime"
    partial_template_name = "assets/_downtime_table.html"
    default_sort = "-started_at"

    def base_queryset(self):
        return Downtime.objects.select_related("asset", "asset__site")


class AssetDetailView(ScopedDetailView):
    model = Asset
    template_name = "assets/asset_detail.html"

    def base_queryset(self):
        return _detail_queryset()

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        asset, user = self.object, self.request.user
        ctx["ancestors"] = asset.ancestors()
        ctx["location_chain"] = location_chain(asset.location)
        # The tabs' bodies come on their own (AssetPanelView) as they are shown; only their counts here.
        ctx["tabs"] = [{"panel": p, "count": getattr(asset, f"tab_count_{p.key}", None)} for p in panels.panels()]
        ctx["availability"] = availability_periods(asset, ever_down=asset.downtime_total > 0)
        ctx["meters"] = list(asset.meters.all()) if asset.meter_total else []
        ctx["today"] = timezone.localdate()
        ctx["can_change"] = can(user, "change", Asset)
        ctx["can_status"] = can(user, "add", AssetStatusChange)
        ctx["can_read_meter"] = can(user, "add", MeterReading)
        ctx["can_add_meter"] = can(user, "add", Meter)
        return ctx


def _detail_queryset():
    """The asset, its neighbours and the counts of its tabs in one query. Most assets have no
    meter and have never been down: counted with the asset, those lists are not asked for."""
    counts = {f"tab_count_{p.key}": p.count() for p in panels.panels() if p.count}
    counts.update(meter_total=count_of(Meter), downtime_total=count_of(Downtime), health=latest_health())
    return Asset.objects.select_related("site", "category", "parent__parent", "location").annotate(**counts)


class AssetPanelView(ScopedDetailView):
    """One tab of the asset page: to the page's HTMX request the tab's body, to a plain request
    (no script, a new browser tab) a page of its own with the asset's heading."""

    model = Asset
    template_name = "assets/asset_panel_page.html"

    def base_queryset(self):
        return Asset.objects.select_related("site", "category", "parent", "location")

    def get(self, request, *args, **kwargs):
        panel = panels.get(kwargs["key"])
        if panel is None:
            raise Http404("No such tab.")
        self.object = asset = self.get_object()
        context = {"object": asset, "asset": asset, "panel": panel, "ctx": panel.context(request, asset)}
        return render_page_or_partial(request, self.template_name, "assets/_panel_body.html", context)


def children_panel(request, asset):
    return {"children": list(asset.children.for_user(request.user).select_related("category"))}


def documents_panel(request, asset):
    return {"documents": list(asset.documents.select_related("uploaded_by")),
            "can_upload": can(request.user, "add", AssetDocument),
            "can_delete": can(request.user, "delete", AssetDocument),
            "form": DocumentForm()}


def history_panel(request, asset):
    from accounts.models import AuditLog

    downtimes = list(asset.downtimes.select_related("started_by", "ended_by")[:20])
    for d in downtimes:
        d.hours = d.duration.total_seconds() / 3600
    audit = list(AuditLog.objects.filter(object_type="assets.asset", object_id=str(asset.pk))
                 .select_related("actor").order_by("-pk")[:20])
    # Recorded as field names and ids; shown with the fields' names and the objects' names.
    names = humanize.related_names(Asset, [e.changes for e in audit])
    for e in audit:
        e.lines = humanize.change_lines(Asset, e.changes, names)
        e.verb = humanize.action_text(e.action)
    return {
        "status_changes": list(asset.status_changes.select_related("user")[:30]),
        "downtimes": downtimes,
        "audit": audit,
    }


# --- Create, edit, move, status -------------------------------------------------------------


@permission_required("add", Asset)
def asset_create(request):
    if request.method == "POST":
        form = AssetForm(request.POST, user=request.user)
        if form.is_valid():
            try:
                asset = services.create_asset(actor=request.user, **form.service_fields())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Asset {asset.tag} created.")
                return done(request, asset.get_absolute_url())
    else:
        form = AssetForm(initial=request.GET.dict(), user=request.user)
    return form_response(request, form, title="New asset", action=reverse("assets:create"), submit="Create asset",
                         back=reverse("assets:list"))


@login_required
def asset_edit(request, pk):
    asset = scoped_object(request, Asset.objects.select_related("category", "site"), pk, "change")
    if request.method == "POST":
        form = AssetForm(request.POST, instance=asset, user=request.user)
        if form.is_valid():
            try:
                services.update_asset(asset, actor=request.user, **form.service_fields())
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, f"Asset {asset.tag} saved.")
                return done(request, asset.get_absolute_url())
    else:
        form = AssetForm(instance=asset, initial=request.GET.dict(), user=request.user)
    return form_response(request, form, title=f"Edit {asset.tag}", action=reverse("assets:edit", args=[asset.pk]),
                         submit="Save", back=asset.get_absolute_url(), asset=asset)


@login_required
def asset_move(request, pk):
    asset = scoped_object(request, Asset.objects.select_related("site"), pk, "change")
    form = MoveAssetForm(request.POST or None, asset=asset, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.move_asset(asset, actor=request.user, parent=form.cleaned_data["parent"],
                                location=form.cleaned_data["location"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{asset.tag} moved.")
            return done(request, asset.get_absolute_url())
    return form_response(request, form, title=f"Move {asset.tag}", action=reverse("assets:move", args=[asset.pk]),
                         submit="Move", back=asset.get_absolute_url(), asset=asset)


@permission_required("add", AssetStatusChange)
def asset_status(request, pk):
    asset = scoped_object(request, Asset.objects.select_related("site", "category"), pk)
    form = StatusChangeForm(request.POST or None, asset=asset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.change_asset_status(asset, data["status"], actor=request.user, reason_code=data["reason_code"],
                                         note=data["note"], at=data["at"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{asset.tag} is now {AssetStatus(data['status']).label.lower()}.")
            return done(request, asset.get_absolute_url())
    return form_response(request, form, title=f"Change the status of {asset.tag}",
                         action=reverse("assets:status", args=[asset.pk]), submit="Record status change",
                         back=None if getattr(request, "htmx", False) else asset.get_absolute_url(), asset=asset)


# --- Meters ---------------------------------------------------------------------------------


@permission_required("add", Meter)
def meter_create(request, pk):
    asset = scoped_object(request, Asset.objects.select_related("site", "category"), pk)
    form = MeterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            services.create_meter(actor=request.user, asset=asset, initial_value=data.pop("initial_value"), **data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Meter {data['name']} added.")
            return done(request, asset.get_absolute_url() + "#overview")
    return form_response(request, form, title=f"New meter on {asset.tag}",
                         action=reverse("assets:meter-create", args=[asset.pk]), submit="Add meter",
                         back=asset.get_absolute_url(), asset=asset)


@permission_required("add", MeterReading)
def meter_reading(request, pk, meter_pk):
    asset = scoped_object(request, Asset.objects.select_related("site", "category"), pk)
    meter = get_object_or_404(Meter.objects.filter(asset=asset), pk=meter_pk)
    form = MeterReadingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.record_meter_reading(meter, form.cleaned_data["value"], at=form.cleaned_data["at"],
                                          actor=request.user)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Reading recorded on {meter.name}.")
            return done(request, asset.get_absolute_url() + "#overview")
    return form_response(request, form, title=f"Reading of {meter.name} ({asset.tag})",
                         action=reverse("assets:meter-reading", args=[asset.pk, meter.pk]), submit="Record reading",
                         back=asset.get_absolute_url(), asset=asset)


# --- Documents ------------------------------------------------------------------------------


@permission_required("add", AssetDocument)
def document_upload(request, pk):
    asset = scoped_object(request, Asset.objects.select_related("site", "category"), pk)
    form = DocumentForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            doc = services.upload_document(asset, form.cleaned_data["file"], actor=request.user,
                                           title=form.cleaned_data["title"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{doc.get_kind_display()} “{doc.title}” attached.")
            return done(request, asset.get_absolute_url() + "#documents")
    return form_response(request, form, title=f"Attach a document or photo to {asset.tag}",
                         action=reverse("assets:document-upload", args=[asset.pk]), submit="Upload",
                         back=asset.get_absolute_url() + "#documents", asset=asset, multipart=True)


def _document(request, pk, action="view") -> AssetDocument:
    return scoped_object(request, AssetDocument.objects.select_related("asset"), pk, action)


@login_required
def document_download(request, pk):
    """The file itself, to people who may see its asset only (never a public media URL)."""
    doc = _document(request, pk)
    inline = doc.is_image and request.GET.get("inline") == "1"
    response = FileResponse(doc.file.open("rb"), as_attachment=not inline, filename=doc.original_name,
                            content_type=doc.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=300"
    return response


@login_required
def document_preview(request, pk):
    doc = _document(request, pk)
    if not doc.thumbnail:
        raise Http404("This document has no preview.")
    response = FileResponse(doc.thumbnail.open("rb"), content_type="image/jpeg")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def document_delete(request, pk):
    doc = _document(request, pk, "delete")
    asset = doc.asset
    services.delete_document(doc, actor=request.user)
    messages.success(request, f"“{doc.title}” deleted.")
    return done(request, asset.get_absolute_url() + "#documents")


# --- Locations ------------------------------------------------------------------------------


@permission_required("view", Location)
def location_tree_view(request):
    qs = Location.objects.for_user(request.user).select_related("site").annotate(asset_count=Count("assets"))
    filterset = LocationFilterSet(request.GET or None, queryset=qs, request=request)
    shown = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    roots = location_tree(shown)
    sites = {}
    for node in roots:
        sites.setdefault(node.location.site, []).append(node)
    return render_page_or_partial(request, "assets/location_tree.html", "assets/_location_trees.html", {
        "sites": sorted(sites.items(), key=lambda kv: kv[0].name), "filterset": filterset,
        "can_add": can(request.user, "add", Location), "count": len(shown)})


@permission_required("add", Location)
def location_create(request):
    initial = {k: v for k, v in request.GET.items() if k in ("site", "parent")}
    form = LocationForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            location = services.create_location(actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Location {location.code} created.")
            return done(request, reverse("assets:locations"))
    return form_response(request, form, title="New location", action=reverse("assets:location-create"),
                         submit="Create location", back=reverse("assets:locations"))


@login_required
def location_detail(request, pk):
    """A location: where it sits, what is below it, and (for editors) its form; saving a new
    parent moves the whole subtree."""
    action = "change" if request.method == "POST" else "view"
    location = scoped_object(request, Location.objects.select_related("site", "parent"), pk, action)
    editable = can(request.user, "change", Location)
    form = LocationForm(request.POST or None, instance=location, user=request.user) if editable else None
    if request.method == "POST" and form.is_valid():
        try:
            services.update_location(location, actor=request.user, **form.service_fields())
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Location {location.code} saved.")
            return done(request, location.get_absolute_url())
    if request.htmx and form is not None:
        return form_response(request, form, title=f"Edit {location.code}", action=location.get_absolute_url(),
                             submit="Save", back=reverse("assets:locations"))
    children = Location.objects.filter(parent=location).annotate(asset_count=Count("assets")).order_by("code")
    return render(request, "assets/location_detail.html", {
        "location": location, "ancestors": location.ancestors(), "children": children, "form": form,
        "asset_count": Asset.objects.for_user(request.user).filter(location__path__startswith=location.path).count(),
    }, status=422 if form is not None and form.errors else 200)


# --- QR codes and labels --------------------------------------------------------------------


def qr_redirect(request, token):
    """What a scanned label opens: the asset page for a signed-in user who may see the asset, the
    public "report a problem" form for anybody else."""
    asset = Asset.objects.filter(qr_token=token).only("pk", "site_id").first()
    if asset is None:
        return label_not_found(request)
    if request.user.is_authenticated and Asset.objects.for_user(request.user).filter(pk=asset.pk).exists():
        return redirect("assets:detail", pk=asset.pk)
    try:
        return redirect(reverse("workorders:report", args=[token]))
    except NoReverseMatch:
        raise Http404("Problem reports are not available.") from None


def label_not_found(request):
    """A scanned label no asset carries (its QR code was replaced, or the asset removed): say so in
    plain words instead of the bare "page not found"."""
    return render(request, "assets/label_not_found.html", status=404)


@require_POST
@login_required
def rotate_qr(request, pk):
    """Replace the asset's QR code (Managers and Admins of its site): old labels stop working."""
    asset = scoped_object(request, Asset, pk, "change")
    services.rotate_qr_token(asset, actor=request.user)
    messages.success(request, f"{asset.tag} has a new QR code. Labels printed before no longer open it: "
                              "print the new label (Print label) and fit it.")
    return redirect(asset.get_absolute_url())


@login_required
def qr_svg(request, pk):
    """The asset's QR code as an image (the asset page shows it from here, so drawing it is not part
    of opening the page), revalidated by an ETag of what it encodes and shows."""
    asset = scoped_object(request, Asset, pk)
    digest = hashlib.blake2b(f"{asset_qr_url(request, asset)}|{asset.tag}".encode(), digest_size=12).hexdigest()
    etag = f'"{digest}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    response = HttpResponse(asset_qr_svg(request, asset, scale=8, inline=False), content_type="image/svg+xml")
    response["Content-Disposition"] = f'inline; filename="{asset.tag}-qr.svg"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, max-age=300"
    return response


@permission_required("view", Asset)
def label_sheet(request):
    """A printable A4 sheet of labels (QR, tag, name) for the ticked assets (``?ids=``) or for
    everything the current filters select."""
    qs = Asset.objects.for_user(request.user).select_related("site", "location").order_by("site__name", "tag")
    ids = [i for i in request.GET.getlist("ids") if i.isdecimal()]
    if ids:
        qs = qs.filter(pk__in=ids)
    else:
        filterset = AssetFilterSet(request.GET or None, queryset=qs, request=request)
        qs = filterset.qs if filterset.is_bound and filterset.is_valid() else qs
    total = qs.count()
    assets = list(qs[:MAX_LABELS])
    labels = [(a, asset_qr_svg(request, a, scale=2)) for a in assets]
    return render(request, "assets/labels.html", {"labels": labels, "total": total, "limit": MAX_LABELS,
                                                  "back": next_url(request, reverse("assets:list"))})

