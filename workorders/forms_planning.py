"""Forms of the request, preventive-maintenance and project pages; related choices are scoped
to what the user may see."""

from __future__ import annotations

from django import forms

from accounts.models import User
from assets.models import Asset, Meter, Site
from prosync.core.files import CappedImageField
from prosync.core.selects import SearchSelect
from workorders.choices import WorkOrderPriority, WorkOrderType
from workorders.models import ChecklistTemplate, PreventiveSchedule, Project, Team, WorkOrder
from workorders.services_planning import MAX_PHOTOS


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(CappedImageField):
    """Several image files in one input: each must be a real image (Pillow opens it); the
    request service checks type, size and count."""

    widget = MultipleFileInput(attrs={"accept": "image/*", "capture": "environment"})

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        return [super(PhotosField, self).clean(f, initial) for f in files]


def _scope(form, user, **fields):
    for name, qs in fields.items():
        if name in form.fields:
            form.fields[name].queryset = qs.for_user(user, "view")


class WorkRequestForm(forms.Form):
    """A signed-in user's request: an asset they can see, or just a site."""

    asset = forms.ModelChoiceField(queryset=Asset.objects.none(), required=False, widget=SearchSelect,
                                   help_text="The machine concerned, if you know it.")
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False,
                                  help_text="Needed when no asset is chosen.")
    title = forms.CharField(max_length=200, label="What is wrong?")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 4}), max_length=5000,
                                  label="Details", help_text="What you saw, heard or smelled; since when.")
    priority = forms.ChoiceField(choices=WorkOrderPriority.choices, initial=WorkOrderPriority.MEDIUM)
    photos = PhotosField(required=False, help_text=f"Up to {MAX_PHOTOS} photos (JPEG, PNG, WebP).")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scope(self, user, asset=Asset.objects.select_related("site").order_by("site__name", "tag"),
               site=Site.objects.all())

    def clean(self):
        data = super().clean()
        if not data.get("asset") and not data.get("site"):
            self.add_error("site", "Choose the asset, or at least the site.")
        return data


class PublicReportForm(forms.Form):
    """The QR form: no account. ``website`` is a honeypot that people never see or fill."""

    name = forms.CharField(max_length=120, label="Your name")
    contact = forms.CharField(max_length=160, required=False, label="E-mail or phone",
                              help_text="So that maintenance can ask you about it (optional).")
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 5}), min_length=10, max_length=5000,
                                  label="What is wrong?")
    photos = PhotosField(required=False, help_text=f"Up to {MAX_PHOTOS} photos.")
    website = forms.CharField(required=False, label="Leave this empty",
                              widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}))


class ApproveForm(forms.Form):
    kind = forms.ChoiceField(choices=WorkOrderType.choices, initial=WorkOrderType.CORRECTIVE, label="Order type")
    priority = forms.ChoiceField(choices=WorkOrderPriority.choices)
    assignee = forms.ModelChoiceField(queryset=User.objects.none(), required=False, widget=SearchSelect)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scope(self, user, assignee=User.objects.filter(is_active=True))


class RejectForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), max_length=2000,
                             help_text="The requester sees this.")


class PreventiveScheduleForm(forms.ModelForm):
    class Meta:
        model = PreventiveSchedule
        fields = ["asset", "title", "description", "trigger", "interval", "interval_unit", "anchor", "starts_at",
                  "lead_time_days", "meter", "meter_interval", "meter_start", "meter_lead", "checklist_template",
                  "assignee", "team", "priority", "estimated_hours", "active"]
        widgets = {"starts_at": forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
                   "description": forms.Textarea(attrs={"rows": 3}), "asset": SearchSelect,
                   "assignee": SearchSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scope(self, user, asset=Asset.objects.select_related("site").order_by("site__name", "tag"),
               meter=Meter.objects.select_related("asset"), assignee=User.objects.filter(is_active=True),
               team=Team.objects.all(), checklist_template=ChecklistTemplate.objects.all())


class ProjectForm(forms.ModelForm):
    class Meta:
        model = Project
        fields = ["site", "name", "description", "starts_on", "ends_on", "status", "owner"]
        widgets = {"starts_on": forms.DateInput(attrs={"type": "date"}),
                   "ends_on": forms.DateInput(attrs={"type": "date"}),
                   "description": forms.Textarea(attrs={"rows": 3}), "owner": SearchSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        _scope(self, user, site=Site.objects.all(), owner=User.objects.filter(is_active=True))


class AddOrdersForm(forms.Form):
    work_orders = forms.ModelMultipleChoiceField(queryset=WorkOrder.objects.none(),
                                                 widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args, user, project, **kwargs):
        super().__init__(*args, **kwargs)
        qs = WorkOrder.objects.for_user(user, "change").filter(site=project.site, project_item__isnull=True)
        field = self.fields["work_orders"]
        field.queryset = qs  # validates any order of the site not yet in a project
        # ...but the list offers the open ones due soonest, not a whole plant's history.
        field.widget.choices = [(wo.pk, f"{wo.number} {wo.title}") for wo in
                                qs.open().order_by("due_at", "-pk").only("pk", "title")[:300]]
