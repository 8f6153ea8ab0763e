"""Tables declared once: each column names its header, its sort key, how its cell is drawn and
what it exports, so a list page, its sortable headers and its CSV export never disagree."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.contrib.auth.context_processors import PermWrapper
from django.core.exceptions import FieldDoesNotExist
from django.http import QueryDict
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import conditional_escape, format_html, format_html_join

from prosync.core import humanize

EMPTY = "—"


def resolve(obj, path: str):
    """The value at ``path`` ("asset__tag"), or None where a step is missing; a choice field
    gives its label, as its ``get_…_display`` would."""
    value = obj
    for part in path.split("__"):
        if value is None:
            return None
        display = _choice_label(value, part)
        value = display if display is not None else getattr(value, part, None)
    return value() if callable(value) else value


def _choice_label(obj, name: str):
    meta = getattr(obj, "_meta", None)
    if meta is None:
        return None
    try:
        field = meta.get_field(name)
    except FieldDoesNotExist:
        return None
    if not field.choices or field.is_relation:
        return None
    return getattr(obj, f"get_{name}_display")()


def link(url: str, text, title: str = "") -> str:
    if title:
        return format_html('<a href="{}" title="{}">{}</a>', url, title, text)
    return format_html('<a href="{}">{}</a>', url, text)


def pill(css: str, text) -> str:
    return format_html('<span class="pill {}">{}</span>', css, text)


def as_text(value) -> str:
    """A value as people read it: local time to the minute, ISO dates, no microseconds."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if timezone.is_aware(value) \
            else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


class Column:
    """One column. ``value``: an attribute path or a function of the row (also what the CSV
    exports unless ``csv`` says otherwise); ``sort``: the ORM ordering that sorts by it (True:
    the value's path); ``cell``: a function of the row giving its HTML, or ``template``: a
    template drawn with the row as ``obj``; ``csv``: False to leave it out of exports, or a
    function of the row; ``show``: False for a column of the export alone; ``kind``: how a
    spreadsheet formats the value ("currency", "hours", "number"; dates and numbers are known
    by their type); ``read``: for a value computed from one field (a property), that field's path
    and the function of it giving the value, so a large export can read the field alone."""

    name = ""  # the attribute name in its table: the ``?sort=`` key

    def __init__(self, header: str = "", value: str | Callable | None = None, *, sort: str | bool | None = None,
                 cell: Callable | None = None, template: str | None = None, csv: bool | Callable = True,
                 css: str = "", show: bool = True, kind: str = "", read: tuple[str, Callable] | None = None):
        self.header, self.value, self.cell_fn, self.template = header, value, cell, template
        self.kind, self.read = kind, read
        self.sort = value if sort is True else sort
        self.csv, self.css, self.show = csv, css, show

    def value_of(self, obj) -> Any:
        if self.value is None:
            return None
        return self.value(obj) if callable(self.value) else resolve(obj, self.value)

    def html(self, obj, context: dict) -> str:
        if self.template:
            return render_to_string(self.template, {**context, "obj": obj})
        if self.cell_fn is not None:
            return self.cell_fn(obj)
        value = self.value_of(obj)
        if isinstance(value, date):  # on pages, the one human date format; exports keep sortable ISO
            return conditional_escape(humanize.when(value, "datetime" if isinstance(value, datetime) else "date"))
        text = as_text(value)
        return conditional_escape(text) if text else EMPTY

    def export(self, obj) -> Any:
        return self.csv(obj) if callable(self.csv) else as_text(self.value_of(obj))


class Table:
    """A list's columns, declared as class attributes in the order shown; ``row_class`` may name
    a row's CSS class."""

    columns: dict[str, Column] = {}

    def row_class(self, obj) -> str:
        return ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        found = {}
        for klass in reversed(cls.__mro__):
            for name, attr in vars(klass).items():
                if isinstance(attr, Column):
                    attr.name = name
                    found[name] = attr
        cls.columns = found

    @classmethod
    def sort_fields(cls) -> dict[str, str]:
        return {name: col.sort for name, col in cls.columns.items() if col.sort}

    @classmethod
    def export_columns(cls) -> list[Column]:
        """The ID first (a spreadsheet matches rows back to the product by it), then the columns
        that export a value."""
        return [Column("ID", "pk"), *(col for col in cls.columns.values()
                                      if col.csv and (col.value is not None or callable(col.csv)))]

    def __init__(self, rows, *, request, sort: str = "", params: QueryDict | None = None):
        self.object_list, self.request, self.sort = rows, request, sort
        self.params = params if params is not None else QueryDict(mutable=True)  # the query without page and sort

    def shown(self) -> list[tuple[str, Column]]:
        return [(name, col) for name, col in self.columns.items() if col.show]

    def headers(self) -> list[dict]:
        out = []
        for name, col in self.shown():
            head = {"label": col.header, "css": col.css, "href": None, "arrow": ""}
            if col.sort:
                query = self.params.copy()
                query["sort"] = f"-{name}" if self.sort == name else name
                head["href"] = f"?{query.urlencode()}"
                head["arrow"] = " ▲" if self.sort == name else " ▼" if self.sort == f"-{name}" else ""
            out.append(head)
        return out

    def rows_html(self) -> str:
        """The body's rows. Drawn here rather than by a template loop: a page of 25 rows of ten
        cells cost the template engine tens of milliseconds."""
        shown = [col for _, col in self.shown()]
        context = {}
        if any(col.template for col in shown):  # what a cell's template may use, as a page's would
            user = getattr(self.request, "user", None)
            context = {"request": self.request, "user": user, "perms": PermWrapper(user),
                       "csrf_token": get_token(self.request)}
        cells = [(format_html(' class="{}"', col.css) if col.css else "", col.header) for col in shown]
        return format_html_join("\n", "<tr{}>{}</tr>", (
            (format_html(' class="{}"', css) if (css := self.row_class(obj)) else "",
             format_html_join("", '<td{} data-label="{}">{}</td>',
                              ((attr, header, col.html(obj, context)) for col, (attr, header) in zip(shown, cells,
                                                                                                   strict=True))))
            for obj in self.object_list))
