"""Filter-form selects rendered in Python: Django's per-option widget templates cost tens of
milliseconds on every list, board and calendar request."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

register = template.Library()


@register.filter
def fast_select(bound_field):
    field = bound_field.field
    value = bound_field.value()
    multiple = getattr(field.widget, "allow_multiple_selected", False)
    values = value if isinstance(value, (list, tuple)) else [value]
    # As Django's Select: with no value the empty option is the selected one; a single select
    # marks only its first match.
    selected = {str(v) for v in values if v not in (None, "")} if multiple else {"" if value is None else str(value)}
    options = []
    has_selected = False
    for choice, label in field.choices:
        choice = getattr(choice, "value", choice)
        text = "" if choice is None else str(choice)
        is_selected = text in selected and (multiple or not has_selected)
        has_selected |= is_selected
        options.append((text, mark_safe(" selected") if is_selected else "", "All" if text == "" else label))
    return format_html('<select name="{}" id="{}"{}>{}</select>', bound_field.html_name, bound_field.auto_id,
                       format_html(' multiple size="{}"', min(len(options), 4)) if multiple else "",
                       format_html_join("", '<option value="{}"{}>{}</option>', options))
