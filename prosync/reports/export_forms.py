"""The forms of report delivery: a subscription to a report with its filters."""

from __future__ import annotations

from django import forms
from django.http import QueryDict

from prosync.reports.models import ReportSubscription


class SubscriptionForm(forms.ModelForm):
    class Meta:
        model = ReportSubscription
        fields = ["family", "filters", "frequency", "format"]
        widgets = {"family": forms.HiddenInput, "filters": forms.HiddenInput,
                   "frequency": forms.RadioSelect, "format": forms.RadioSelect}
        labels = {"frequency": "Send it", "format": "As"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_family(self):
        from prosync.reports.kpis import FAMILIES

        family = self.cleaned_data["family"]
        if family not in FAMILIES:
            raise forms.ValidationError("There is no such report.")
        return family

    def clean_filters(self):
        from prosync.reports.scope import scope_from_params

        filters = (self.cleaned_data.get("filters") or "").lstrip("?")
        scope, form = scope_from_params(QueryDict(filters), self.user)
        if scope is None:
            raise forms.ValidationError("; ".join(f"{k}: {' '.join(v)}" for k, v in form.errors.items()))
        # A fixed custom range would send the same weeks forever: a subscription keeps its preset.
        if scope.preset == "custom":
            raise forms.ValidationError("Choose a period such as the last 7 days or last month to subscribe: "
                                        "a fixed date range would send the same report every time.")
        return scope.querystring()

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        if ReportSubscription.objects.filter(user=self.user, family=data["family"], filters=data["filters"],
                                             frequency=data["frequency"], format=data["format"]).exists():
            raise forms.ValidationError("You already receive this report with these filters at this rhythm.")
        return data

    def save(self, commit=True):
        self.instance.user = self.user
        return super().save(commit)
