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


# --- People administration and settings ----------------------------------------------------------


def _site_model():
    from accounts.models import SiteMembership

    return SiteMembership._meta.get_field("site").related_model


def _zone_choices() -> list[tuple[str, str]]:
    from zoneinfo import available_timezones

    return [(z, z.replace("_", " ")) for z in sorted(available_timezones()) if "/" in z or z == "UTC"]


class _PersonFields(forms.Form):
    """Role and sites as the acting person may give them: a Manager sees only their own sites and
    cannot offer Admin."""

    role = forms.ChoiceField(help_text="Technicians do the work; Managers plan it and approve requests; "
                                       "Viewers only look; Admins manage everything.")
    sites = forms.ModelMultipleChoiceField(queryset=None, required=False, widget=forms.CheckboxSelectMultiple,
                                           help_text="The plants this person works at; they see nothing of the others.")
    weekly_capacity_hours = forms.DecimalField(label="Capacity (hours a week)", min_value=0, max_value=168,
                                               decimal_places=1, initial=40,
                                               help_text="Hours of work a week this person can be planned for.")

    def __init__(self, *args, actor, **kwargs):
        from accounts.roles import Role
        from accounts.services import grantable_roles

        super().__init__(*args, **kwargs)
        labels = dict(Role.choices)
        self.fields["role"].choices = [(r, labels[r]) for r in grantable_roles(actor)]
        self.fields["sites"].queryset = _site_model().objects.for_user(actor).order_by("name")
        if not actor.sees_all_sites:
            self.fields["sites"].required = True


class InviteForm(_PersonFields):
    email = forms.EmailField(label="E-mail address",
                             help_text="The invitation link is sent here; it is also their user name.")
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    job_title = forms.CharField(max_length=100, required=False)
    field_order = ["email", "first_name", "last_name", "job_title", "role", "sites", "weekly_capacity_hours"]


class PersonForm(_PersonFields):
    first_name = forms.CharField(max_length=150, required=False)
    last_name = forms.CharField(max_length=150, required=False)
    email = forms.EmailField(label="E-mail address", required=False)
    job_title = forms.CharField(max_length=100, required=False)
    phone = forms.CharField(max_length=40, required=False)
    field_order = ["first_name", "last_name", "email", "job_title", "phone", "role", "sites", "weekly_capacity_hours"]


class InstanceSettingsForm(forms.Form):
    currency = forms.CharField(max_length=3, help_text="Three capital letters (ISO 4217), shown with every cost: "
                                                       "EUR, USD, GBP, CHF…")
    time_zone = forms.ChoiceField(label="Default time zone", help_text="For everyone who has not chosen their own.")
    date_style = forms.ChoiceField(label="Dates are written as")

    def __init__(self, *args, **kwargs):
        from accounts.models import DateStyle

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = _zone_choices()
        self.fields["date_style"].choices = DateStyle.choices

    def clean_currency(self):
        return self.cleaned_data["currency"].strip().upper()


class OwnPreferencesForm(forms.Form):
    time_zone = forms.ChoiceField(required=False, help_text="Dates and times are shown in this time zone.")
    language = forms.ChoiceField(required=False)

    def __init__(self, *args, instance_zone: str = "", **kwargs):
        from django.conf import settings

        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = [("", f"As the instance ({instance_zone})"), *_zone_choices()]
        self.fields["language"].choices = [("", "As the instance"), *settings.LANGUAGES]
