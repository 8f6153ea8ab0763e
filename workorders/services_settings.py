"""Writes of the work settings an Admin or planner keeps: resolution times per priority, the
failure code catalogue and the checklist templates."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max

from prosync.core.permissions import can
from prosync.core.recording import record
from workorders.choices import ChecklistItemKind, WorkOrderPriority
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode, SlaPolicy


def _require(actor, action: str, model) -> None:
    if not can(actor, action, model):
        raise PermissionDenied(f"Your role may not {action} {model._meta.verbose_name_plural}.")


# --- Resolution times ---------------------------------------------------------------------------


@transaction.atomic
def set_resolution_times(*, actor, hours: dict[str, Decimal | None]) -> None:
    """Hours from creation to completion per priority; None removes the priority's target (its
    new orders then get no due date of their own)."""
    _require(actor, "change", SlaPolicy)
    if not actor.sees_all_sites:
        # One table for every site: a planner of one site must not move the others' due dates.
        raise PermissionDenied("Only an Admin may change the response times: they apply to every site.")
    for priority, value in hours.items():
        if priority not in WorkOrderPriority.values:
            raise ValidationError({priority: "Unknown priority."})
        if value is not None and value <= 0:
            raise ValidationError({priority: "Give a number of hours above zero, or leave it empty."})
        current = SlaPolicy.objects.filter(priority=priority).first()
        if value is None:
            if current is not None:
                record(actor, "slapolicy.delete", current, changes={"resolve_within": [str(current.resolve_within),
                                                                                       None]})
                current.delete()
            continue
        within = timedelta(hours=float(value))
        if current is None or current.resolve_within != within:
            before = str(current.resolve_within) if current else None
            policy, _ = SlaPolicy.objects.update_or_create(priority=priority, defaults={"resolve_within": within})
            record(actor, "slapolicy.save", policy, changes={"resolve_within": [before, str(within)]})


# --- Failure codes ------------------------------------------------------------------------------


@transaction.atomic
def save_failure_code(failure_code: FailureCode | None, *, actor, **fields) -> FailureCode:
    """Add a code (``failure_code`` None) or change one; the kind and code stay unique."""
    _require(actor, "add" if failure_code is None else "change", FailureCode)
    failure_code = failure_code or FailureCode()
    changes = {}
    for name, value in fields.items():
        if getattr(failure_code, name) != value:
            changes[name] = str(value)
            setattr(failure_code, name, value)
    failure_code.full_clean()
    failure_code.save()
    record(actor, "failurecode.save", failure_code, changes=changes)
    return failure_code


@transaction.atomic
def set_failure_code_active(code: FailureCode, active: bool, *, actor) -> None:
    """A deactivated code is no longer offered on orders; orders that used it keep it."""
    _require(actor, "change", FailureCode)
    if code.active != active:
        code.active = active
        code.save(update_fields=["active"])
        record(actor, "failurecode.activate" if active else "failurecode.deactivate", code)


# --- Checklist templates ------------------------------------------------------------------------


@transaction.atomic
def save_checklist_template(template: ChecklistTemplate | None, *, actor, **fields) -> ChecklistTemplate:
    _require(actor, "add" if template is None else "change", ChecklistTemplate)
    template = template or ChecklistTemplate()
    for name, value in fields.items():
        setattr(template, name, value)
    template.full_clean()
    template.save()
    record(actor, "checklisttemplate.save", template, changes={k: str(v) for k, v in fields.items()})
    return template


def _clean_item_fields(fields: dict) -> dict:
    if fields.get("kind") != ChecklistItemKind.NUMBER:
        fields = {**fields, "min_value": None, "max_value": None, "unit": ""}
    return fields


@transaction.atomic
def save_checklist_item(template: ChecklistTemplate, item: ChecklistTemplateItem | None, *, actor,
                        **fields) -> ChecklistTemplateItem:
    """Add a check at the end of the template, or change one."""
    _require(actor, "change", ChecklistTemplate)
    template = ChecklistTemplate.objects.select_for_update().get(pk=template.pk)
    if item is None:
        last = template.items.aggregate(m=Max("position"))["m"]
        item = ChecklistTemplateItem(template=template, position=0 if last is None else last + 1)
    elif item.template_id != template.pk:
        raise ValidationError("This check belongs to another template.")
    for name, value in _clean_item_fields(fields).items():
        setattr(item, name, value)
    item.full_clean()
    item.save()
    record(actor, "checklisttemplate.item", template, changes={"item": item.pk, "label": item.label})
    return item


@transaction.atomic
def move_checklist_item(item: ChecklistTemplateItem, offset: int, *, actor) -> None:
    """Move a check one place up (-1) or down (+1); positions are renumbered 0..n-1 so that they
    stay distinct whatever the earlier edits left."""
    _require(actor, "change", ChecklistTemplate)
    template = ChecklistTemplate.objects.select_for_update().get(pk=item.template_id)
    items = list(template.items.order_by("position", "pk"))
    index = next(i for i, it in enumerate(items) if it.pk == item.pk)
    target = index + offset
    if not 0 <= target < len(items):
        return
    items[index], items[target] = items[target], items[index]
    for position, it in enumerate(items):
        if it.position != position:
            ChecklistTemplateItem.objects.filter(pk=it.pk).update(position=position)
    record(actor, "checklisttemplate.reorder", template, changes={"order": [it.pk for it in items]})


@transaction.atomic
def delete_checklist_item(item: ChecklistTemplateItem, *, actor) -> None:
    """Remove a check from the template; orders that already copied it keep their copy."""
    _require(actor, "change", ChecklistTemplate)
    template = item.template
    position = item.position
    item.delete()
    template.items.filter(position__gt=position).update(position=F("position") - 1)
    record(actor, "checklisttemplate.item_delete", template, changes={"label": item.label})
