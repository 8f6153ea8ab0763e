"""Forms of the telemetry pages; related choices are scoped to what the user may see."""

from __future__ import annotations

from django import forms

from prosync.core.selects import SearchSelect
from telemetry.models import AlarmRule, Sensor


class AlarmRuleForm(forms.ModelForm):
    class Meta:
        model = AlarmRule
        fields = ["name", "sensor", "site", "category", "metric", "condition", "high", "low", "deadband",
                  "duration_s", "rate_per_minute", "stale_minutes", "severity", "create_work_order", "is_enabled"]
        labels = {"duration_s": "For at least (seconds)", "rate_per_minute": "Rate per minute",
                  "stale_minutes": "Stale after (minutes)", "site": "Site (for a category rule)"}
        widgets = {"sensor": SearchSelect}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from assets.models import AssetCategory, Site

        self.fields["sensor"].queryset = (Sensor.objects.for_user(user, "view").select_related("asset")
                                          .order_by("asset__tag", "metric"))
        self.fields["sensor"].label_from_instance = lambda s: f"{s.asset.tag} · {s.name} ({s.unit or s.metric})"
        self.fields["site"].queryset = Site.objects.for_user(user, "view")
        self.fields["site"].required = False
        self.fields["category"].queryset = AssetCategory.objects.for_user(user, "view")
        for name in ("high", "low", "deadband", "rate_per_minute"):
            self.fields[name].widget.attrs["step"] = "any"
        self.fields["condition"].widget.attrs["data-condition"] = "1"

    def clean(self):
        data = super().clean()
        sensor = data.get("sensor")
        if sensor is not None and not data.get("site"):
            self.instance.site = sensor.asset.site
            data["site"] = sensor.asset.site
        return data


MAX_UPLOAD_BYTES = 200 * 1024 * 1024


class CsvUploadForm(forms.Form):
    file = forms.FileField(help_text="Columns sensor (id or key), ts (ISO 8601 with offset, or epoch seconds), "
                                     "value; a header row first.")
    atomic = forms.BooleanField(required=False, label="Store nothing if any row is bad")

    def clean_file(self):
        f = self.cleaned_data["file"]
        if not f.name.lower().endswith((".csv", ".txt")):
            raise forms.ValidationError("Upload a .csv file.")
        if f.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB.")
        return f
