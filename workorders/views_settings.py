"""Settings pages of the work: resolution times per priority, failure codes, and the checklist
template builder (add, edit, reorder and remove checks; up/down buttons work without JavaScript)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from prosync.core.generic import FilteredListView
from prosync.core.views import apply_errors, permission_required, render_form
from workorders import services_settings as services
from workorders.filters import FailureCodeFilterSet
from workorders.forms_settings import (
    ChecklistItemForm,
    ChecklistTemplateForm,
    FailureCodeForm,
    ResolutionTimesForm,
)
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode, SlaPolicy
from workorders.tables import FailureCodeTable

_CSS = "workorders/settings/"


@permission_required("change", SlaPolicy)
def resolution_times(request):
    if not request.user.sees_all_sites:
        raise PermissionDenied("Only an Admin may change the response times: they apply to every site.")
    form = ResolutionTimesForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_resolution_times(actor=request.user, hours=form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Response times saved; they apply to orders created from now on.")
            return redirect("work-settings:sla")
    return render_form(request, form, f"{_CSS}sla.html", f"{_CSS}sla.html", {})


class FailureCodeListView(FilteredListView):
    model = FailureCode
    action = "change"
    filterset_class = FailureCodeFilterSet
    table_class = FailureCodeTable
    title = "Failure codes"
    template_name = f"{_CSS}codes.html"
    partial_template_name = f"{_CSS}_code_table.html"
    default_sort = "code"
    paginate_by = 50

    def base_queryset(self):
        return FailureCode.objects.select_related("category")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx.setdefault("form", FailureCodeForm())
        return ctx


@permission_required("change", FailureCode)
def code_edit(request, pk=None):
    code = get_object_or_404(FailureCode, pk=pk) if pk else None
    form = FailureCodeForm(request.POST or None, instance=code)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_failure_code(code, actor=request.user,
                                       **{f: form.cleaned_data[f] for f in ("kind", "code", "description", "category")})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Code {form.cleaned_data['code']} saved.")
            return redirect("work-settings:codes")
    if code is None and request.method == "POST":  # the add form sits on the list page
        view = FailureCodeListView.as_view(extra_context={"form": form})
        request.method = "GET"
        response = view(request)
        response.status_code = 422
        return response
    return render_form(request, form, f"{_CSS}code_form.html", f"{_CSS}code_form.html", {"code": code})


@require_POST
@permission_required("change", FailureCode)
def code_active(request, pk):
    code = get_object_or_404(FailureCode, pk=pk)
    active = request.POST.get("active") == "1"
    services.set_failure_code_active(code, active, actor=request.user)
    messages.success(request, f"Code {code.code} is {'offered again' if active else 'no longer offered'} on orders.")
    return redirect("work-settings:code-edit", pk=code.pk)


@permission_required("change", ChecklistTemplate)
def checklists(request):
    templates = ChecklistTemplate.objects.select_related("category").annotate(n=Count("items")).order_by("name")
    form = ChecklistTemplateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            template = services.save_checklist_template(None, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Checklist “{template}” created: add its checks below.")
            return redirect("work-settings:checklist", pk=template.pk)
    return render_form(request, form, f"{_CSS}checklists.html", f"{_CSS}checklists.html",
                       {"templates": templates})


def _builder(request, template, *, form=None, item_form=None, editing=None, status=200):
    response = render(request, f"{_CSS}checklist_builder.html", {
        "template": template, "items": list(template.items.all()),
        "form": form or ChecklistTemplateForm(instance=template),
        "item_form": item_form or ChecklistItemForm(), "editing": editing})
    response.status_code = status
    return response


@permission_required("change", ChecklistTemplate)
def checklist(request, pk):
    """The builder: the template's name and category, its checks in order, and a form to add one."""
    template = get_object_or_404(ChecklistTemplate.objects.select_related("category"), pk=pk)
    if request.method == "POST":
        form = ChecklistTemplateForm(request.POST, instance=ChecklistTemplate.objects.get(pk=pk))
        if form.is_valid():
            try:
                services.save_checklist_template(template, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_errors(form, exc)
            else:
                messages.success(request, "Checklist saved.")
                return redirect("work-settings:checklist", pk=pk)
        return _builder(request, template, form=form, status=422)
    return _builder(request, template)


def _item_anchor(template_pk: int, item_pk: int) -> str:
    return f"{reverse('work-settings:checklist', args=[template_pk])}#item-{item_pk}"


@permission_required("change", ChecklistTemplate)
def checklist_item(request, pk, item_pk=None):
    """Add a check (``item_pk`` None) or edit one, in place on the builder."""
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    item = get_object_or_404(ChecklistTemplateItem, pk=item_pk, template=template) if item_pk else None
    if request.method != "POST":
        return _builder(request, template, editing=item, item_form=ChecklistItemForm(instance=item) if item else None)
    form = ChecklistItemForm(request.POST, instance=ChecklistTemplateItem.objects.get(pk=item_pk) if item else None)
    if form.is_valid():
        try:
            saved = services.save_checklist_item(template, item, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Check “{saved.label}” saved.")
            return redirect(_item_anchor(template.pk, saved.pk))
    return _builder(request, template, item_form=form, editing=item, status=422)


@require_POST
@permission_required("change", ChecklistTemplate)
def checklist_item_move(request, pk, item_pk):
    item = get_object_or_404(ChecklistTemplateItem, pk=item_pk, template_id=pk)
    services.move_checklist_item(item, -1 if request.POST.get("direction") == "up" else 1, actor=request.user)
    return redirect(_item_anchor(pk, item.pk))


@require_POST
@permission_required("change", ChecklistTemplate)
def checklist_item_delete(request, pk, item_pk):
    item = get_object_or_404(ChecklistTemplateItem, pk=item_pk, template_id=pk)
    services.delete_checklist_item(item, actor=request.user)
    messages.success(request, f"Check “{item.label}” removed.")
    return redirect("work-settings:checklist", pk=pk)
