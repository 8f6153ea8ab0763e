"""The formatting module as template filters, for the export documents: ``{{ v|money }}``,
``{{ at|local_datetime:site }}``."""

from django import template

from prosync.reports import formatting

register = template.Library()


@register.filter
def money(value):
    return formatting.money(value)


@register.filter
def hours(value):
    return formatting.hours(value)


@register.filter
def local_datetime(value, site=None):
    return formatting.datetime_text(value, site)


@register.filter
def local_date(value, site=None):
    return formatting.date_text(value, site)


@register.filter
def quantity(value):
    """3.000 → 3, 2.500 → 2.5."""
    shown = formatting.number(value, 3)
    return shown.rstrip("0").rstrip(".") if "." in shown else shown


@register.simple_tag
def share_link_days() -> int:
    """How long a shared report link opens (REPORT_LINK_MAX_AGE), for the share form's promise."""
    from django.conf import settings

    return settings.REPORT_LINK_MAX_AGE
