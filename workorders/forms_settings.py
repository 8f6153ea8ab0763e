"""Forms of the work settings: resolution times, failure codes, checklist templates and their checks."""

from __future__ import annotations

from django import forms

from assets.models import AssetCategory
from workorders.choices import FailureCodeKind, WorkOrderPriority
from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode, SlaPolicy


class ResolutionTimesForm(forms.Form):
    """One field per priority: hours from creation to completion."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        current = {p.priority: p.resolve_within for p in SlaPolicy.objects.all()}
        for priority, label in WorkOrderPriority.choices:
            within = current.get(priority)
            self.fields[priority] = forms.DecimalField(
                label=f"{label} priority", required=False, min_value=0.25, max_value=24 * 365, decimal_places=2,
                initial=round(within.total_seconds() / 3600, 2) if within else None,
                help_text="Hours from when the order is created to when it should be done. Empty: no due date.",
                widget=forms.NumberInput(attrs={"step": "0.25", "inputmode": "decimal"}))


class FailureCodeForm(forms.ModelForm):
    class Meta:
        model = FailureCode
        fields = ["kind", "code", "description", "category"]
        labels = {"kind": "Type", "category": "Only for category"}
        help_texts = {"category": "Empty: offered for every kind of equipment.",
                      "code": "Short, as technicians will pick it, e.g. LEAK, BRG-WEAR."}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AssetCategory.objects.order_by("name")
        self.fields["category"].empty_label = "Every category"
        self.fields["kind"].choices = FailureCodeKind.choices  # no empty "---------" first


class ChecklistTemplateForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplate
        fields = ["name", "description", "category"]
        labels = {"category": "For category"}
        help_texts = {"category": "Empty: shared, offered for every kind of equipment."}
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = AssetCategory.objects.order_by("name")
        self.fields["category"].empty_label = "Shared"


class ChecklistItemForm(forms.ModelForm):
    class Meta:
        model = ChecklistTemplateItem
        fields = ["label", "kind", "unit", "min_value", "max_value", "required"]
        labels = {"label": "Check", "kind": "Answer", "min_value": "Lowest good value",
                  "max_value": "Highest good value", "required": "Must be answered before completing"}
        help_texts = {"unit": "Number checks: e.g. °C, bar, mm/s.", "min_value": "Number checks: below this it fails.",
                      "max_value": "Number checks: above this it fails."}
