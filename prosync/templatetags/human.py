"""Template filters of the one human formatting module (``prosync.core.humanize``):
``{% load human %}`` then ``{{ wo.due_at|when }}``, ``{{ cost|money }}``, ``{{ name|feature:value }}``."""

from __future__ import annotations

from django import template

from accounts.preferences import current_currency
from prosync.core import humanize

register = template.Library()


@register.filter
def when(value, style="datetime"):
    return humanize.when(value, style)


@register.filter
def day(value):
    return humanize.when(value, "date")


@register.filter
def money(value):
    return humanize.money(value, current_currency())


@register.filter
def feature(name, value=None):
    return humanize.feature_text(name, value)


@register.filter
def feature_label(name):
    return humanize.feature_label(name)


@register.filter
def event_kind(kind):
    return humanize.event_kind(kind)


@register.filter
def band(score):
    return humanize.health_band(score)


@register.filter
def band_label(score):
    return humanize.health_band_label(score)


@register.filter
def number(value, places=1):
    return humanize.number(value, int(places))


@register.simple_tag
def health_text(assessment, unit=""):
    """"Health 34/100 · likely to fail in about 3 days (1–6)" of an assessment (or None)."""
    if assessment is None:
        return humanize.health_text(None)
    unit = unit or assessment.model_version.params.get("rul_unit", "")
    return humanize.health_text(assessment.health_score, assessment.rul, assessment.rul_lower,
                                assessment.rul_upper, unit)


@register.simple_tag
def rul_text(assessment):
    """"3 days (1–6)": the remaining life of an assessment with its interval, in the model's unit."""
    unit = assessment.model_version.params.get("rul_unit", "")
    text = humanize.duration(max(assessment.rul, 0), unit)
    if assessment.rul_lower is not None and assessment.rul_upper is not None:
        text += f" ({humanize.number(max(assessment.rul_lower, 0), 0)}–{humanize.number(assessment.rul_upper, 0)})"
    return text
