"""Forms of a person's own pages."""

from __future__ import annotations

from django import forms

from accounts.models import NotificationKind
from accounts.services import channels_for


class PreferencesForm(forms.Form):
    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows = []
        for kind, label in NotificationKind.choices:
            in_app, email = channels_for(user, kind)
            self.fields[f"{kind}_in_app"] = forms.BooleanField(required=False, initial=in_app, label=f"{label}: in app")
            self.fields[f"{kind}_email"] = forms.BooleanField(required=False, initial=email, label=f"{label}: e-mail")
            self.rows.append((label, self[f"{kind}_in_app"], self[f"{kind}_email"]))
