"""Forms of the work-order pages; their ``cleaned_data`` goes to the services."""

from decimal import Decimal

from django import forms
from django.contrib.auth import get_user_model

from assets.forms import PartNumberField
from prosync.core.selects import SearchSelect, SearchSelectMultiple
from workorders.choices import AttachmentKind, FailureCodeKind
from workorders.models import ChecklistTemplate, FailureCode, WorkOrder


class ScopedFormMixin:
    """Choices of related fields limited to what the user may see (like the API serializers)."""

    def scope(self, user):
        for field in self.fields.values():
            qs = getattr(field, "queryset", None)
            if qs is not None and hasattr(qs, "for_user"):
                field.queryset = qs.for_user(user, "view")


class WorkOrderForm(ScopedFormMixin, forms.ModelForm):
    class Meta:
        model = WorkOrder
        fields = ["title", "asset", "site", "kind", "priority", "description", "assignee", "assignees", "team",
                  "due_at", "scheduled_start", "estimated_hours"]
        widgets = {"due_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "scheduled_start": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "description": forms.Textarea(attrs={"rows": 4}),
                   "asset": SearchSelect, "assignee": SearchSelect, "assignees": SearchSelectMultiple}
        help_texts = {"due_at": "Leave empty: set from the priority's SLA.",
                      "site": "Leave empty when an asset is given."}

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].required = False
        self.fields["assignee"].label = "Lead technician"
        self.fields["assignees"].label = "Also working on it"
        self.scope(user)
        self.fields["asset"].queryset = self.fields["asset"].queryset.select_related("site")

    def clean(self):
        data = super().clean()
        asset, site = data.get("asset"), data.get("site")
        if asset is not None and site is None:
            data["site"] = asset.site
        elif asset is None and site is None and not self.instance.pk:
            self.add_error("site", "Give the site, or an asset on it.")
        site = data.get("site") or (self.instance.site if self.instance.pk else None)
        people = list(data.get("assignees") or []) + ([data["assignee"]] if data.get("assignee") else [])
        for person in people:
            if site is not None and not person.sees_all_sites and site.pk not in person.site_ids:
                self.add_error("assignees", f"{person.username} does not work on {site}.")
        team = data.get("team")
        if team is not None and site is not None and team.site_id != site.pk:
            self.add_error("team", "The team works on another site.")
        return data

    def _post_clean(self):
        # The service runs the model's full_clean; here only the form's own checks.
        pass


class CompletionCodesForm(ScopedFormMixin, forms.Form):
    problem_code = forms.ModelChoiceField(FailureCode.objects.filter(kind=FailureCodeKind.PROBLEM, active=True),
                                          required=False, label="Problem")
    cause_code = forms.ModelChoiceField(FailureCode.objects.filter(kind=FailureCodeKind.CAUSE, active=True),
                                        required=False, label="Cause")
    remedy_code = forms.ModelChoiceField(FailureCode.objects.filter(kind=FailureCodeKind.REMEDY, active=True),
                                         required=False, label="Remedy")

    def __init__(self, *args, work_order=None, **kwargs):
        super().__init__(*args, **kwargs)
        category = getattr(getattr(work_order, "asset", None), "category_id", None)
        for name, field in self.fields.items():
            qs = field.queryset.filter(category__isnull=True)
            if category:
                qs = field.queryset.filter(category__isnull=True) | field.queryset.filter(category_id=category)
            field.queryset = qs
            if work_order is not None:
                field.initial = getattr(work_order, f"{name}_id")


class CommentForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 2, "placeholder": "Comment… (@username to mention)"}),
                           max_length=5000, label="Comment")
    public = forms.BooleanField(required=False, label="Also show to the person who reported it")


class AttachmentForm(forms.Form):
    file = forms.FileField()
    kind = forms.ChoiceField(choices=AttachmentKind.choices, initial=AttachmentKind.BEFORE)
    caption = forms.CharField(max_length=200, required=False)


class TimeLogForm(ScopedFormMixin, forms.Form):
    hours = forms.DecimalField(min_value=Decimal("0.01"), max_value=Decimal("24"), decimal_places=2)
    user = forms.ModelChoiceField(get_user_model().objects.all(), required=False, label="Technician",
                                  help_text="Empty: you.", widget=SearchSelect)
    note = forms.CharField(max_length=300, required=False)


class ChecklistTemplateChoiceForm(forms.Form):
    template = forms.ModelChoiceField(ChecklistTemplate.objects.all(), label="Checklist",
                                      empty_label="Choose a checklist…")


class DependencyForm(forms.Form):
    blocked_by = forms.CharField(max_length=20, label="Waits for order",
                                 help_text="Number, e.g. WO-00042 or 42.")

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_blocked_by(self):
        raw = self.cleaned_data["blocked_by"].strip().upper().removeprefix("WO-")
        if not raw.isdecimal():
            raise forms.ValidationError("Give an order number such as WO-00042.")
        order = WorkOrder.objects.for_user(self.user, "view").filter(pk=int(raw)).first()
        if order is None:
            raise forms.ValidationError(f"There is no order WO-{int(raw):05d} you may see.")
        return order


class IssuePartForm(ScopedFormMixin, forms.Form):
    part = PartNumberField()
    storeroom = forms.ModelChoiceField(queryset=None)
    quantity = forms.DecimalField(min_value=Decimal("0.001"), decimal_places=3, initial=1)

    def __init__(self, *args, work_order=None, user=None, **kwargs):
        from assets.models import Storeroom

        super().__init__(*args, **kwargs)
        self.fields["storeroom"].queryset = Storeroom.objects.filter(site_id=work_order.site_id) if work_order \
            else Storeroom.objects.all()
        self.scope(user)


class SaveViewForm(forms.Form):
    name = forms.CharField(max_length=80)
    query = forms.CharField(max_length=1000, required=False)

