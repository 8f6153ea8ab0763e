"""The cut of the plant a report is computed over: a period and optional site, location subtree,
category, asset, team and technician, read from GET parameters and scoped to the user."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django import forms
from django.utils import timezone

from accounts.models import User
from assets.models import Asset, AssetCategory, Location, Site
from prosync.core.selects import SearchSelect
from workorders.models import Team

PRESETS = [
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("this_month", "This month"),
    ("last_month", "Last month"),
    ("this_quarter", "This quarter"),
    ("ytd", "Year to date"),
    ("12m", "Last 12 months"),
    ("custom", "Custom dates"),
]
DEFAULT_PRESET = "30d"
DEFAULT_REPEAT_DAYS = 30
MAX_DAYS = 3 * 366  # a longer custom range is refused: day buckets over years help nobody


@dataclass(frozen=True)
class ReportScope:
    start: datetime  # aware, inclusive
    end: datetime  # aware, exclusive
    preset: str
    site: Site | None = None
    location: Location | None = None  # with its whole subtree
    category: AssetCategory | None = None
    asset: Asset | None = None
    team: Team | None = None
    technician: User | None = None
    repeat_days: int = DEFAULT_REPEAT_DAYS  # "same asset and code within N days" (repeat failures, first-time fix)

    @property
    def tzname(self) -> str:
        """Buckets and dates follow the chosen site's clock, else the instance's."""
        return self.site.timezone if self.site else timezone.get_current_timezone_name()

    @property
    def days(self) -> int:
        return max(1, round((self.end - self.start).total_seconds() / 86400))

    def previous(self) -> ReportScope:
        length = self.end - self.start
        return replace(self, start=self.start - length, end=self.start)

    def bucket(self) -> str:
        days = (self.end - self.start).total_seconds() / 86400
        if days <= 31:
            return "day"
        if days <= 125:
            return "week"
        return "month"

    def params(self, **overrides) -> dict[str, str]:
        """The filters as GET parameters; an override of None drops the key."""
        out: dict[str, str] = {"period": self.preset}
        if self.preset == "custom":
            tz = zoneinfo.ZoneInfo(self.tzname)
            out["start"] = self.start.astimezone(tz).date().isoformat()
            out["end"] = (self.end.astimezone(tz) - timedelta(days=1)).date().isoformat()
        for name in ("site", "location", "category", "asset", "team", "technician"):
            obj = getattr(self, name)
            if obj is not None:
                out[name] = str(obj.pk)
        if self.repeat_days != DEFAULT_REPEAT_DAYS:
            out["repeat_days"] = str(self.repeat_days)
        for key, value in overrides.items():
            if value is None or value == "":
                out.pop(key, None)
            else:
                out[key] = str(value)
        return out

    def querystring(self, **overrides) -> str:
        return urlencode(self.params(**overrides))

    def describe(self) -> dict:
        """The scope as plain values (the API's ``scope`` and the exports' header)."""
        return {
            "period": self.preset,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "bucket": self.bucket(),
            "timezone": self.tzname,
            **{name: (str(getattr(self, name)) if getattr(self, name) is not None else None)
               for name in ("site", "location", "category", "asset", "team", "technician")},
            "repeat_days": self.repeat_days,
        }


def _midnight(day: date, tz) -> datetime:
    return datetime.combine(day, time.min, tzinfo=tz)


def period_bounds(preset: str, today: date, tz) -> tuple[datetime, datetime]:
    """[start, end) of a preset in the given zone; periods end at the end of today at the latest."""
    tomorrow = today + timedelta(days=1)
    if preset in ("7d", "30d", "90d"):
        return _midnight(tomorrow - timedelta(days=int(preset[:-1])), tz), _midnight(tomorrow, tz)
    if preset == "this_month":
        return _midnight(today.replace(day=1), tz), _midnight(tomorrow, tz)
    if preset == "last_month":
        first = today.replace(day=1)
        return _midnight((first - timedelta(days=1)).replace(day=1), tz), _midnight(first, tz)
    if preset == "this_quarter":
        first = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
        return _midnight(first, tz), _midnight(tomorrow, tz)
    if preset == "ytd":
        return _midnight(today.replace(month=1, day=1), tz), _midnight(tomorrow, tz)
    if preset == "12m":
        try:
            start = tomorrow.replace(year=tomorrow.year - 1)
        except ValueError:  # 29 February
            start = tomorrow.replace(year=tomorrow.year - 1, day=28)
        return _midnight(start, tz), _midnight(tomorrow, tz)
    raise ValueError(preset)


class ReportFilterForm(forms.Form):
    """The report filters; every choice is limited to what the user may see, so another site's
    asset id is as invalid as one that does not exist."""

    period = forms.ChoiceField(choices=PRESETS, required=False, initial=DEFAULT_PRESET)
    start = forms.DateField(required=False, label="From", widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(required=False, label="To", widget=forms.DateInput(attrs={"type": "date"}))
    site = forms.ModelChoiceField(queryset=Site.objects.none(), required=False, empty_label="All sites")
    location = forms.ModelChoiceField(queryset=Location.objects.none(), required=False, widget=SearchSelect,
                                      empty_label="All", help_text="Includes everything inside it.")
    category = forms.ModelChoiceField(queryset=AssetCategory.objects.none(), required=False,
                                      empty_label="All categories")
    asset = forms.ModelChoiceField(queryset=Asset.objects.none(), required=False, widget=SearchSelect,
                                   empty_label="All")
    team = forms.ModelChoiceField(queryset=Team.objects.none(), required=False, empty_label="All teams")
    technician = forms.ModelChoiceField(queryset=User.objects.none(), required=False, widget=SearchSelect,
                                        empty_label="All")
    repeat_days = forms.IntegerField(required=False, min_value=1, max_value=365, initial=DEFAULT_REPEAT_DAYS,
                                     label="Repeat window (days)",
                                     help_text="A failure of the same asset and problem within this many days "
                                               "counts as a repeat.")

    def __init__(self, data=None, *, user, **kwargs):
        super().__init__(data, **kwargs)
        self.user = user
        self.fields["site"].queryset = Site.objects.for_user(user).order_by("name")
        self.fields["location"].queryset = Location.objects.for_user(user)
        self.fields["category"].queryset = AssetCategory.objects.for_user(user).order_by("name")
        self.fields["asset"].queryset = Asset.objects.for_user(user)
        self.fields["team"].queryset = Team.objects.for_user(user).select_related("site").order_by("site", "name")
        self.fields["technician"].queryset = User.objects.for_user(user)

    def clean(self):
        data = super().clean()
        period = data.get("period") or DEFAULT_PRESET
        data["period"] = period
        start, end = data.get("start"), data.get("end")
        if period == "custom":
            if start is None:
                self.add_error("start", "Give the first day of a custom period.")
            if end is None:
                self.add_error("end", "Give the last day of a custom period.")
            if start and end:
                if end < start:
                    self.add_error("end", "The last day is before the first day.")
                elif (end - start).days + 1 > MAX_DAYS:
                    self.add_error("end", f"A period is at most {MAX_DAYS} days long.")
        site = data.get("site")
        for name in ("location", "asset", "team"):
            obj = data.get(name)
            if site is not None and obj is not None and obj.site_id != site.pk:
                self.add_error(name, f"This {name} is on another site than {site}.")
        return data

    def scope(self, today: date | None = None) -> ReportScope:
        data = self.cleaned_data
        site = data.get("site")
        tz = zoneinfo.ZoneInfo(site.timezone if site else timezone.get_current_timezone_name())
        today = today or timezone.now().astimezone(tz).date()
        if data["period"] == "custom":
            start, end = _midnight(data["start"], tz), _midnight(data["end"] + timedelta(days=1), tz)
        else:
            start, end = period_bounds(data["period"], today, tz)
        return ReportScope(start=start, end=end, preset=data["period"], site=site, location=data.get("location"),
                           category=data.get("category"), asset=data.get("asset"), team=data.get("team"),
                           technician=data.get("technician"),
                           repeat_days=data.get("repeat_days") or DEFAULT_REPEAT_DAYS)


def scope_from_params(params, user, today: date | None = None) -> tuple[ReportScope | None, ReportFilterForm]:
    """The scope of a request's GET parameters, or None with the form's errors."""
    form = ReportFilterForm(params, user=user)
    if not form.is_valid():
        return None, form
    return form.scope(today), form
