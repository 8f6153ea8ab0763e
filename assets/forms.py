"""Forms of the asset pages. They check input and offer only what the user may see; the writes
go through assets.services, whose validation errors are put back on the form by the kernel's
``apply_errors``."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError

from assets.attributes import validate_schema
from assets.choices import AssetStatus, AttributeType, MeterKind, StatusReason
from assets.imports import KINDS, MAX_BYTES
from assets.models import Asset, AssetCategory, Location, Meter, Site
from prosync.core.selects import SearchSelect

DATE = forms.DateInput(attrs={"type": "date"})


class PartNumberField(forms.CharField):
    """A part typed (or scanned) by its number, never a select of the whole catalogue: a page
    with it stays as fast with 10,000 parts as with 10. Cleans to the Part."""

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 60)
        kwargs.setdefault("label", "Part number")
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value):
        from assets.models import Part

        number = super().clean(value).strip()
        part = Part.objects.filter(part_number__iexact=number).first()
        if part is None:
            raise ValidationError(f"No part numbered “{number}” in the catalogue.")
        return part


class ServiceForm(forms.ModelForm):
    """A ModelForm whose cleaned data feed a service function: the model's rules run once, in
    the service, and come back through ``prosync.core.views.apply_errors``."""

    def _post_clean(self):
        pass


class AssetForm(ServiceForm):
    class Meta:
        model = Asset
        fields = ["site", "tag", "name", "category", "parent", "location", "criticality", "manufacturer",
                  "model_number", "serial_number", "install_date", "warranty_end", "purchase_cost", "description"]
        widgets = {"install_date": DATE, "warranty_end": DATE, "description": forms.Textarea(attrs={"rows": 3}),
                   "parent": SearchSelect, "location": SearchSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        editing = self.instance.pk is not None
        self.fields["site"].queryset = Site.objects.for_user(user, "view")
        self.fields["category"].queryset = AssetCategory.objects.all()
        assets = Asset.objects.for_user(user, "view").only("pk", "tag", "name", "site_id").order_by("tag")
        locations = Location.objects.for_user(user, "view").order_by("path")
        site_id = self.instance.site_id if editing else (self.data.get("site") or self.initial.get("site"))
        if editing:
            self.fields["site"].disabled = True
            assets = assets.filter(site_id=self.instance.site_id).exclude(pk=self.instance.pk)
            locations = locations.filter(site_id=self.instance.site_id)
            # parent and location change through the move form (it moves the subtree)
            del self.fields["parent"]
            del self.fields["location"]
        else:
            if site_id and str(site_id).isdecimal():
                assets = assets.filter(site_id=site_id)
                locations = locations.filter(site_id=site_id)
            self.fields["parent"].queryset = assets
            self.fields["location"].queryset = locations
            self.fields["location"].label_from_instance = _location_label
        # A new category (or site) redraws the form: its attribute fields (or parents) follow.
        refresh = {"hx-get": "", "hx-trigger": "change", "hx-target": "closest .form-wrap", "hx-select": ".form-wrap",
                   "hx-swap": "outerHTML", "hx-include": "closest form", "hx-sync": "closest form:replace"}
        self.fields["category"].widget.attrs.update(refresh)
        if not editing:
            self.fields["site"].widget.attrs.update(refresh)
        self.schema = self._schema()
        for definition in self.schema:
            self.fields[f"attr_{definition['key']}"] = attribute_field(definition, self.instance.attributes)

    def _schema(self) -> list[dict]:
        raw = self.data.get("category") if self.is_bound else None
        category = None
        if raw and str(raw).isdecimal():
            category = AssetCategory.objects.filter(pk=raw).first()
        elif not self.is_bound:
            category = self.instance.category if self.instance.category_id else None
            wanted = str(self.initial.get("category") or "")
            if wanted.isdecimal():
                category = AssetCategory.objects.filter(pk=wanted).first()
        return validate_schema(category.attribute_schema) if category else []

    def attribute_fields(self):
        return [self[f"attr_{d['key']}"] for d in self.schema]

    def plain_fields(self):
        return [f for f in self if not f.name.startswith("attr_")]

    def service_fields(self) -> dict:
        data = {k: v for k, v in self.cleaned_data.items() if not k.startswith("attr_")}
        attributes = {}
        for definition in self.schema:
            value = self.cleaned_data.get(f"attr_{definition['key']}")
            if value in (None, ""):
                continue
            if isinstance(value, datetime.date):
                value = value.isoformat()
            elif isinstance(value, Decimal):
                value = float(value)
            elif definition["type"] == AttributeType.BOOLEAN:
                value = value == "yes"
            attributes[definition["key"]] = value
        data["attributes"] = attributes
        if self.instance.pk is not None:
            data.pop("site", None)
        return data


def _location_label(location: Location) -> str:
    return f"{'— ' * location.depth}{location.code} {location.name}"


def attribute_field(definition: dict, values: dict) -> forms.Field:
    kind, required = definition["type"], definition["required"]
    label = definition["label"] + (f" ({definition['unit']})" if definition["unit"] else "")
    initial = (values or {}).get(definition["key"])
    if kind == AttributeType.NUMBER:
        field = forms.DecimalField(required=required, label=label)
    elif kind == AttributeType.INTEGER:
        field = forms.IntegerField(required=required, label=label)
    elif kind == AttributeType.BOOLEAN:
        field = forms.ChoiceField(required=required, label=label, choices=[("", "—"), ("yes", "Yes"), ("no", "No")])
        initial = None if initial is None else ("yes" if initial else "no")
    elif kind == AttributeType.DATE:
        field = forms.DateField(required=required, label=label, widget=DATE)
    elif kind == AttributeType.CHOICE:
        field = forms.ChoiceField(required=required, label=label,
                                  choices=[("", "—"), *[(c, c) for c in definition["choices"]]])
    else:
        field = forms.CharField(required=required, label=label, max_length=200)
    field.initial = initial
    return field


class MoveAssetForm(forms.Form):
    parent = forms.ModelChoiceField(queryset=Asset.objects.none(), required=False, empty_label="— top level —",
                                    widget=SearchSelect, help_text="The asset moves with all its children.")
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, empty_label="— none —",
                                      widget=SearchSelect, help_text="Children that were in the same location follow.")

    def __init__(self, *args, asset: Asset, user, **kwargs):
        kwargs.setdefault("initial", {"parent": asset.parent_id, "location": asset.location_id})
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = (Asset.objects.for_user(user, "view").filter(site_id=asset.site_id)
                                          .exclude(pk=asset.pk).only("pk", "tag", "name").order_by("tag"))
        self.fields["location"].queryset = (Location.objects.for_user(user, "view").filter(site_id=asset.site_id)
                                            .order_by("path"))
        self.fields["location"].label_from_instance = _location_label


class StatusChangeForm(forms.Form):
    status = forms.ChoiceField(choices=AssetStatus.choices)
    reason_code = forms.ChoiceField(choices=[("", "— choose a reason —"), *StatusReason.choices], label="Reason")
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    at = forms.DateTimeField(required=False, label="When (blank: now)",
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))

    def __init__(self, *args, asset: Asset, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [c for c in AssetStatus.choices if c[0] != asset.status]


class MeterForm(ServiceForm):
    initial_value = forms.DecimalField(initial=0, min_value=0, max_digits=16, decimal_places=3,
                                       help_text="The meter's reading when it is added.")

    class Meta:
        model = Meter
        fields = ["name", "kind", "unit", "rolls_down"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].initial = MeterKind.RUNNING_HOURS


class MeterReadingForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=3)
    at = forms.DateTimeField(required=False, label="When (blank: now)",
                             widget=forms.DateTimeInput(attrs={"type": "datetime-local"}))


class DocumentForm(forms.Form):
    file = forms.FileField()
    title = forms.CharField(required=False, max_length=160, help_text="Blank: the file's name.")


class LocationForm(ServiceForm):
    class Meta:
        model = Location
        fields = ["site", "parent", "kind", "code", "name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2}), "parent": SearchSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["site"].queryset = Site.objects.for_user(user, "view")
        parents = Location.objects.for_user(user, "view").order_by("site", "path")
        if self.instance.pk:
            self.fields["site"].disabled = True
            parents = parents.filter(site_id=self.instance.site_id).exclude(path__startswith=self.instance.path)
        self.fields["parent"].queryset = parents
        self.fields["parent"].label_from_instance = lambda loc: f"{loc.site.code}: {_location_label(loc)}"
        self.fields["parent"].queryset = parents.select_related("site")

    def service_fields(self) -> dict:
        data = dict(self.cleaned_data)
        if self.instance.pk is not None:
            data.pop("site", None)
        return data


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[(k, k.capitalize()) for k in KINDS], label="What the file holds")
    file = forms.FileField(label="CSV file (UTF-8)")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if f.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is {f.size // 1024} KB; the limit is {MAX_BYTES // 1024} KB.")
        return f
