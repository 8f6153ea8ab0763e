"""Parts of every filtered list built in Python: an included template per column header cost
more than the rows of a page."""

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def sort_header(context, key: str, label: str) -> str:
    """A column header that sorts the list by ``key`` (again: the other way), keeping the filters,
    and shows which way it is sorted now."""
    sort = context.get("sort", "")
    href = escape(f"?{context.get('querystring_nosort', '')}&sort={'-' if sort == key else ''}{key}")
    arrow = " ▲" if sort == key else " ▼" if sort == f"-{key}" else ""
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<th scope="col"><a href="{href}" hx-get="{href}" hx-target="#results" hx-push-url="true">'
        f"{escape(label)}{arrow}</a></th>")
