"""Human wording for what pages show: the health model's features and scores, recorded changes,
status refusals, money and dates. One module, so that every page says the same thing the same way;
the template filters in ``prosync.templatetags.human`` call these."""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

EMPTY = "—"

# One format per context: a date, a moment (date and time), a time of today, a moment in a list.
DATE_FORMAT = "j M Y"
DATETIME_FORMAT = "j M Y, H:i"
SHORT_DATETIME_FORMAT = "j M, H:i"
TIME_FORMAT = "H:i"

# --- Health model features -----------------------------------------------------------------------

# Metric names the sensors use, with the unit their readings come in. A metric not listed here is
# named from its code and shown without a unit.
METRICS = {
    "temperature": (gettext_lazy("Temperature"), "°C"),
    "vibration": (gettext_lazy("Vibration"), "mm/s"),
    "current": (gettext_lazy("Current"), "A"),
    "pressure": (gettext_lazy("Pressure"), "bar"),
    "flow": (gettext_lazy("Flow"), "m³/h"),
    "speed": (gettext_lazy("Speed"), "rpm"),
    "power": (gettext_lazy("Power"), "kW"),
    "humidity": (gettext_lazy("Humidity"), "%"),
}
STATS = {
    "last": gettext_lazy("latest"),
    "mean": gettext_lazy("average"),
    "std": gettext_lazy("spread"),
    "min": gettext_lazy("lowest"),
    "max": gettext_lazy("highest"),
    "slope": gettext_lazy("trend"),
    "ewm": gettext_lazy("recent average"),
}
ASSET_FEATURES = {
    "asset__age_days": gettext_lazy("Age"),
    "asset__running_hours": gettext_lazy("Running hours"),
}
WINDOW = re.compile(r"^(\d+)([smhd])$")


def _window_text(code: str) -> str:
    match = WINDOW.match(code or "")
    if not match:
        return code
    n, unit = int(match.group(1)), match.group(2)
    return {"s": lambda: _("%d s") % n, "m": lambda: _("%d min") % n,
            "h": lambda: ngettext("%d hour", "%d hours", n) % n,
            "d": lambda: ngettext("%d day", "%d days", n) % n}[unit]()


def _metric(code: str) -> tuple[str, str]:
    label, unit = METRICS.get(code, (code.replace("_", " ").capitalize(), ""))
    return str(label), unit


def number(value, places: int = 1) -> str:
    """12.0 -> "12", 9.84 -> "9.8", 1234.5 -> "1,234.5" (no trailing zeros, grouped thousands)."""
    if value is None:
        return EMPTY
    try:
        value = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(value):
        return EMPTY
    rounded = round(value, places)
    if rounded == int(rounded):
        return formats.number_format(int(rounded), 0, use_l10n=True, force_grouping=True)
    return formats.number_format(rounded, places, use_l10n=True, force_grouping=True).rstrip("0").rstrip(".")


def feature_label(name: str) -> str:
    """``temperature__slope__30m`` -> "Temperature trend, 30 min"; ``asset__age_days`` -> "Age"."""
    if name in ASSET_FEATURES:
        return str(ASSET_FEATURES[name])
    parts = name.split("__")
    metric, stat = _metric(parts[0])[0], STATS.get(parts[1], parts[1]) if len(parts) > 1 else ""
    label = f"{metric} {stat}".strip()
    if len(parts) > 2:
        label = f"{label}, {_window_text(parts[2])}"
    return label


def feature_text(name: str, value=None) -> str:
    """The feature with its value and unit, as a technician reads it:
    ``temperature__slope__30m`` at -0.163 (°C per minute) -> "Temperature trend, 30 min: falling 9.8 °C/h"."""
    label = feature_label(name)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return label
    if name == "asset__age_days":
        days = round(float(value))
        return f"{label}: " + (ngettext("%(n)s day", "%(n)s days", days) % {"n": number(days, 0)})
    if name == "asset__running_hours":
        return f"{label}: {number(value, 0)} h"
    parts = name.split("__")
    unit = _metric(parts[0])[1]
    stat = parts[1] if len(parts) > 1 else ""
    if stat == "slope":  # the model's slope is per minute; a trend reads better per hour
        per_hour = float(value) * 60
        if not unit:
            rate = f"{number(abs(per_hour))} per hour"
        elif "/" in unit:  # "mm/s/h" reads badly
            rate = f"{number(abs(per_hour))} {unit} per hour"
        else:
            rate = f"{number(abs(per_hour))} {unit}/h"
        if round(per_hour, 1) == 0:
            return f"{label}: {_('steady')}"
        return f"{label}: " + (_("rising %(rate)s") if per_hour > 0 else _("falling %(rate)s")) % {"rate": rate}
    return f"{label}: {number(value)} {unit}".rstrip()


# --- Health --------------------------------------------------------------------------------------

BANDS = (("good", 70, gettext_lazy("Good")), ("watch", 40, gettext_lazy("Watch")), ("poor", 0, gettext_lazy("Poor")))
RUL_UNITS = {
    "h": ("%(n)s hour", "%(n)s hours"), "hours": ("%(n)s hour", "%(n)s hours"),
    "d": ("%(n)s day", "%(n)s days"), "days": ("%(n)s day", "%(n)s days"),
    "cycles": ("%(n)s cycle", "%(n)s cycles"), "cycle": ("%(n)s cycle", "%(n)s cycles"),
    "min": ("%(n)s minute", "%(n)s minutes"), "minutes": ("%(n)s minute", "%(n)s minutes"),
}


def health_band(score) -> str:
    """CSS band of a health score: "good" (70+), "watch" (40-70), "poor" (below 40), "none"."""
    if not isinstance(score, int | float | Decimal) or isinstance(score, bool):
        return "none"
    return next(key for key, floor, _label in BANDS if score >= floor) if score >= 0 else "poor"


def health_band_label(score) -> str:
    if health_band(score) == "none":
        return _("Not assessed yet")
    return str(next(label for key, _floor, label in BANDS if key == health_band(score)))


def duration(amount, unit: str) -> str:
    """``3, "days"`` -> "3 days"; ``1, "h"`` -> "1 hour" (the model's remaining-life unit)."""
    n = round(float(amount))
    singular, plural = RUL_UNITS.get(unit, (f"%(n)s {unit}", f"%(n)s {unit}"))
    return ngettext(singular, plural, n) % {"n": number(n, 0)}


def health_text(score, rul=None, lower=None, upper=None, unit: str = "") -> str:
    """"Health 34/100 · likely to fail in about 3 days (1–6)"; "Health 92/100" when no failure is
    in sight of the estimate; "Not assessed yet" without a score."""
    if score is None:
        return _("Not assessed yet")
    text = _("Health %(score)s/100") % {"score": number(score, 0)}
    if rul is None or score >= 70:
        return text
    text += " · " + _("likely to fail in about %(when)s") % {"when": duration(max(rul, 0), unit)}
    if lower is not None and upper is not None:
        text += f" ({number(max(lower, 0), 0)}–{number(upper, 0)})"
    return text


# --- Statuses ------------------------------------------------------------------------------------


def refusal(kind: str, current_label: str, wanted_label: str, hint: str = "") -> str:
    """"An order that is In progress can't be Closed; complete it first"."""
    text = _("A %(kind)s that is %(current)s can't be %(wanted)s") % {
        "kind": kind, "current": current_label, "wanted": wanted_label}
    text = ("An" + text[1:]) if kind[:1].lower() in "aeiou" else text
    return f"{text}; {hint}" if hint else f"{text}."


# --- Recorded changes ----------------------------------------------------------------------------


def _field(model, name: str):
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _date_text(value) -> str | None:
    if isinstance(value, dt.datetime):
        return formats.date_format(timezone.localtime(value) if timezone.is_aware(value) else value,
                                   DATETIME_FORMAT)
    if isinstance(value, dt.date):
        return formats.date_format(value, DATE_FORMAT)
    if isinstance(value, str):
        try:
            if len(value) == 10:
                return formats.date_format(dt.date.fromisoformat(value), DATE_FORMAT)
            parsed = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        return _date_text(parsed)
    return None


def value_text(field, value, names: dict | None = None) -> str:
    """One recorded value as a person reads it: a name for an id, a label for a choice, a date."""
    if value is None or value == "" or value == []:
        return EMPTY
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if field is not None:
        if field.is_relation and field.related_model is not None:
            key = (field.related_model, str(value))
            return (names or {}).get(key, f"#{value}")
        if field.choices:
            return str(dict(field.flatchoices).get(value, value))
        if isinstance(field, models.DateTimeField | models.DateField):
            return _date_text(value) or str(value)
        if isinstance(field, models.DecimalField | models.FloatField):
            try:
                return number(Decimal(str(value)), 2)
            except InvalidOperation:
                return str(value)
    if isinstance(value, str):
        return _date_text(value) or value if re.match(r"^\d{4}-\d{2}-\d{2}", value) else value
    if isinstance(value, list):
        return ", ".join(value_text(None, v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k.replace('_', ' ')}: {value_text(None, v)}" for k, v in value.items())
    return str(value)


def _is_pair(value) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2


def change_lines(model, changes: dict, names: dict | None = None) -> list[dict]:
    """Recorded ``{"install_date": [None, "2024-02-16"], "location": [5, 6]}`` as
    ``[{"field": "Install date", "old": "—", "new": "16 Feb 2024"}, {"field": "Location", ...}]``;
    ``names`` maps (related model, str(id)) to the object's name (see ``related_names``)."""
    lines = []
    for key, value in (changes or {}).items():
        field = _field(model, key) if model is not None else None
        label = str(getattr(field, "verbose_name", "") or key.replace("_", " "))
        label = label[:1].upper() + label[1:]
        if _is_pair(value):
            lines.append({"field": label, "old": value_text(field, value[0], names),
                          "new": value_text(field, value[1], names)})
        else:
            lines.append({"field": label, "old": None, "new": value_text(field, value, names)})
    return lines


def related_names(model, change_sets) -> dict:
    """Names of the objects the recorded changes point at by id, one query per related model."""
    wanted: dict = {}
    for changes in change_sets:
        for key, value in (changes or {}).items():
            field = _field(model, key) if model is not None else None
            if field is None or not field.is_relation or field.related_model is None:
                continue
            for v in (value if _is_pair(value) else [value]):
                if v not in (None, "") and not isinstance(v, list | dict):
                    wanted.setdefault(field.related_model, set()).add(v)
    names = {}
    for related, ids in wanted.items():
        try:
            for obj in related._meta.default_manager.filter(pk__in=ids):
                names[(related, str(obj.pk))] = str(obj)
        except (ValueError, TypeError):
            continue
    return names


EVENT_AREAS = {"workorder": gettext_lazy("Work order"), "alarm": gettext_lazy("Alarm"), "asset": gettext_lazy("Asset"),
               "meter": gettext_lazy("Meter"), "prediction": gettext_lazy("Health"), "sensor": gettext_lazy("Sensor")}


def event_kind(kind: str) -> str:
    """``workorder.created`` -> "Work order": what an activity line is about (its text says what happened)."""
    area = (kind or "").partition(".")[0]
    return str(EVENT_AREAS.get(area, area.replace("_", " ").capitalize()))


ACTION_VERBS = {
    "create": gettext_lazy("created it"), "update": gettext_lazy("changed"), "delete": gettext_lazy("deleted it"),
    "move": gettext_lazy("moved it"), "status": gettext_lazy("changed its status"),
}


def action_text(action: str) -> str:
    """``asset.update`` -> "changed"; ``asset.meter_add`` -> "meter add"."""
    verb = action.rpartition(".")[2]
    return str(ACTION_VERBS.get(verb, verb.replace("_", " ")))


# --- Money ---------------------------------------------------------------------------------------

CURRENCY_SIGNS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "INR": "₹", "CHF": "CHF", "CNY": "¥"}


def money(amount, currency: str) -> str:
    """``1234.5, "EUR"`` -> "€1,234.50"; an unknown code is written out: "1,234.50 SEK"."""
    if amount is None or amount == "":
        return EMPTY
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return str(amount)
    text = formats.number_format(value, 2, use_l10n=True, force_grouping=True)
    sign = CURRENCY_SIGNS.get(currency)
    if sign and len(sign) == 1:
        return f"-{sign}{text[1:]}" if text.startswith("-") else f"{sign}{text}"
    return f"{text} {currency}"


# --- Dates ---------------------------------------------------------------------------------------


def when(value, style: str = "datetime") -> str:
    """A date or moment in the current time zone, in the one format of its context."""
    if value in (None, ""):
        return EMPTY
    fmt = {"date": DATE_FORMAT, "datetime": DATETIME_FORMAT, "short": SHORT_DATETIME_FORMAT,
           "time": TIME_FORMAT}[style]
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        if style == "date":
            value = value.date()
    return formats.date_format(value, fmt)

