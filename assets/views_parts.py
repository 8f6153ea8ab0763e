"""Spare-part pages: the parts list, the part page (stock per storeroom, ledger, where used,
movement forms), the stock and storeroom lists, and the asset page's Parts tab."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.http import require_POST

from assets import services_parts as stock
from assets.filters_parts import PartFilterSet, StockLevelFilterSet, StoreroomFilterSet
from assets.forms_parts import MOVEMENTS, BomLineForm, PartForm
from assets.models import Asset, BomLine, Part, StockLevel, StockMovement, Storeroom
from assets.selectors_parts import low_stock_count, parts_with_stock
from assets.tables import PartTable, StockLevelTable, StoreroomTable
from prosync.core.files import serve_file
from prosync.core.generic import FilteredListView, ScopedDetailView
from prosync.core.permissions import can
from prosync.core.views import apply_errors, permission_required, require, scoped_object

# --- Lists -----------------------------------------------------------------------------------


class PartListView(FilteredListView):
    model = Part
    filterset_class = PartFilterSet
    table_class = PartTable
    title = "Spare parts"
    template_name = "assets/parts/part_list.html"
    partial_template_name = "assets/parts/_part_table.html"
    default_sort = "part_number"

    def base_queryset(self):
        return parts_with_stock(Part.objects.all(), self.request.user)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["low_count"] = low_stock_count(self.request.user)
        return ctx


class StockLevelListView(FilteredListView):
    model = StockLevel
    filterset_class = StockLevelFilterSet
    table_class = StockLevelTable
    title = "Stock levels"
    template_name = "assets/parts/stock_list.html"
    partial_template_name = "assets/parts/_stock_table.html"
    default_sort = "part"

    def base_queryset(self):
        return StockLevel.objects.select_related("part", "storeroom__site")


class StoreroomListView(FilteredListView):
    model = Storeroom
    filterset_class = StoreroomFilterSet
    table_class = StoreroomTable
    title = "Storerooms"
    partial_template_name = "assets/parts/_storeroom_table.html"
    default_sort = "code"

    def base_queryset(self):
        from django.db.models import Count, Q

        return Storeroom.objects.select_related("site").annotate(
            part_count=Count("stock_levels", filter=Q(stock_levels__on_hand__gt=0)),
            low_count=Count("stock_levels", filter=Q(stock_levels__in=StockLevel.objects.low().values("pk"))))


def _movement_forms(user, part, bound: tuple[str, forms.Form] | None = None) -> list[tuple[str, str, forms.Form]]:
    out = []
    for kind, (form_class, title, needs) in MOVEMENTS.items():
        if not all(can(user, action, model) for action, model in needs):
            continue
        form = bound[1] if bound and bound[0] == kind else form_class(user=user, part=part, prefix=kind)
        out.append((kind, title, form))
    return out


# --- Part page -------------------------------------------------------------------------------


class PartDetailView(ScopedDetailView):
    model = Part
    template_name = "assets/parts/part_detail.html"
    bound_form = None

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        user, part = self.request.user, self.object
        ctx["levels"] = list(StockLevel.objects.for_user(user).filter(part=part).select_related("storeroom__site"))
        ctx["on_hand"] = sum((lv.on_hand for lv in ctx["levels"]), 0)
        ledger = (StockMovement.objects.for_user(user).filter(part=part)
                  .select_related("storeroom", "asset", "created_by"))
        ctx["ledger"] = Paginator(ledger, 20).get_page(self.request.GET.get("page"))
        ctx["where_used"] = BomLine.objects.for_user(user).filter(part=part).select_related("asset__site")
        ctx["movement_forms"] = _movement_forms(user, part, self.bound_form)
        ctx["open_form"] = self.bound_form[0] if self.bound_form else ""
        return ctx

    def get_template_names(self):
        if getattr(self.request, "htmx", False) and self.request.GET.get("page"):
            return ["assets/parts/_ledger.html"]
        return super().get_template_names()


@login_required
@require_POST
def part_movement(request, pk: int, kind: str):
    """One movement form of the part page: redirect back with a message, or the page again with
    the form's errors inline (HTTP 400; 409 when there is not enough on hand)."""
    if kind not in MOVEMENTS:
        raise PermissionDenied("Unknown stock movement.")
    form_class, title, needs = MOVEMENTS[kind]
    for action, model in needs:
        require(request.user, action, model)
    part = scoped_object(request, Part, pk)
    form = form_class(request.POST, user=request.user, part=part, prefix=kind)
    status = 400
    if form.is_valid():
        try:
            form.execute(request.user)
        except stock.StockConflict as exc:
            form.add_error("quantity" if "quantity" in form.fields else None, exc.message_dict["quantity"])
            status = 409
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{part.part_number}: reorder levels saved." if kind == "levels"
                             else f"{title}: {part.part_number} recorded in the stock ledger.")
            return redirect(f"{part.get_absolute_url()}#stock")
    view = PartDetailView(request=request, kwargs={"pk": pk}, bound_form=(kind, form))
    view.object = part
    return TemplateResponse(request, view.get_template_names(), view.get_context_data(object=part), status=status)


# --- Part create / edit ----------------------------------------------------------------------


def _part_form(request, part: Part | None):
    from assets.views import done, form_response

    require(request.user, "change" if part else "add", Part)
    form = PartForm(request.POST or None, request.FILES or None, instance=part)
    if request.method == "POST" and form.is_valid():
        try:
            saved = stock.save_part(form.instance, actor=request.user,
                                    changes={f: str(form.cleaned_data.get(f)) for f in form.changed_data})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Part {saved.part_number} saved.")
            return done(request, saved.get_absolute_url())
    title = f"Edit {part.part_number}" if part else "New spare part"
    action_url = reverse("assets:part-edit", args=[part.pk]) if part else reverse("assets:part-create")
    back = part.get_absolute_url() if part else reverse("assets:part-list")
    return form_response(request, form, title=title, action=action_url, submit="Save part", back=back,
                         multipart=True)


@login_required
def part_create(request):
    return _part_form(request, None)


@login_required
def part_edit(request, pk: int):
    return _part_form(request, scoped_object(request, Part, pk, "change"))


# --- Asset page tab --------------------------------------------------------------------------


def asset_parts_panel(request, asset) -> dict:
    """The Parts tab: the asset's bill of materials with the stock of each part on its site."""
    user = request.user
    lines = list(BomLine.objects.for_user(user).filter(asset=asset).select_related("part"))
    levels = StockLevel.objects.for_user(user).filter(part__in=[ln.part_id for ln in lines],
                                                      storeroom__site=asset.site_id).select_related("storeroom")
    by_part: dict[int, list[StockLevel]] = {}
    for level in levels:
        by_part.setdefault(level.part_id, []).append(level)
    rows = [{"line": ln, "levels": by_part.get(ln.part_id, []),
             "on_hand": sum((lv.on_hand for lv in by_part.get(ln.part_id, [])), 0),
             "is_low": any(lv.is_low for lv in by_part.get(ln.part_id, []))} for ln in lines]
    return {"rows": rows, "can_edit": can(user, "add", BomLine),
            "form": BomLineForm() if can(user, "add", BomLine) else None}


@permission_required("add", BomLine)
@require_POST
def asset_bom_add(request, pk: int):
    asset = get_object_or_404(Asset.objects.for_user(request.user, "change"), pk=pk)
    form = BomLineForm(request.POST, instance=BomLine(asset=asset))
    if form.is_valid():
        try:
            stock.save_bom_line(form.instance, actor=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, f"{form.instance.part.part_number} added to the parts of {asset.tag}.")
    else:
        messages.error(request, "Not added: " + "; ".join(
            f"{form.fields[f].label if f in form.fields else f}: {' '.join(e)}" for f, e in form.errors.items()))
    return redirect(f"{asset.get_absolute_url()}#parts")


@permission_required("delete", BomLine)
@require_POST
def asset_bom_remove(request, pk: int, line_pk: int):
    line = get_object_or_404(BomLine.objects.for_user(request.user, "delete").select_related("asset", "part"),
                             pk=line_pk, asset_id=pk)
    stock.delete_object(line, actor=request.user)
    messages.success(request, f"{line.part.part_number} removed from the parts of {line.asset.tag}.")
    return redirect(f"{line.asset.get_absolute_url()}#parts")


@login_required
def part_photo(request, pk):
    """A part's photo, for those who may see the catalogue (never a public media URL)."""
    part = get_object_or_404(Part.objects.for_user(request.user, "view").exclude(photo=""), pk=pk)
    return serve_file(part.photo, "", inline=True)
