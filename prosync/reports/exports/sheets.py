"""The tabular form every export writes: sheets of typed columns and rows of raw values (numbers
stay numbers, dates stay dates), from a list's table or from a report's figures and tables."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Model
from django.utils import timezone

from prosync.reports import formatting

# Kinds a spreadsheet cell takes: how the value is written and formatted.
TEXT, NUMBER, CURRENCY, HOURS, PERCENT, DATE, DATETIME = "text", "number", "currency", "hours", "percent", "date", \
    "datetime"
UNIT_KINDS = {"currency": CURRENCY, "money": CURRENCY, "h": HOURS, "hours": HOURS, "%": PERCENT, "percent": PERCENT,
              "date": DATE, "datetime": DATETIME, "text": TEXT}


@dataclass
class SheetColumn:
    label: str
    kind: str = TEXT


@dataclass
class Sheet:
    title: str
    columns: list[SheetColumn]
    rows: Iterable[list]  # raw values in column order; may be a generator (read once)
    total: int | None = None  # the row count when known, for progress
    site: object = None  # whose clock dates are read on
    notes: list[tuple[str, str]] = field(default_factory=list)  # (label, text) lines above the table
    # Per row, the kind of its number columns where it changes by row (a summary of figures in
    # hours, money and percent); None: each column's own kind.
    row_kinds: list[str] | None = None

    def kind_at(self, index: int, column: SheetColumn) -> str:
        if self.row_kinds is not None and column.kind == NUMBER and index < len(self.row_kinds):
            return self.row_kinds[index]
        return column.kind


def plain(value, site=None):
    """A value as a cell holds it: names for objects, labels for choices (already resolved by the
    table), the local wall-clock time for datetimes."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        # To the minute, as the pages show it: seconds and microseconds only make a cell unreadable.
        return formatting.naive_local(value, site).replace(second=0, microsecond=0)
    if isinstance(value, (date, int, float, Decimal, str)):
        return value
    if isinstance(value, Model):
        return str(value)
    return str(value)


def typed(value, kind: str, site=None):
    """A report cell as a spreadsheet holds it: a bucket given as an ISO date ("2026-03-15") in a
    date column becomes a date, an ISO datetime a local datetime; the rest as ``plain``."""
    if isinstance(value, str) and kind in (DATE, DATETIME):
        try:
            if kind == DATE and len(value) == 10:
                return date.fromisoformat(value)
            return plain(datetime.fromisoformat(value), site)
        except ValueError:
            return value
    return plain(value, site)


def text(value, kind: str, site=None) -> str:
    """A cell in words (CSV and PDF): the formatting module's way for its kind."""
    if value is None or value == "":
        return ""
    if kind == DATETIME or isinstance(value, datetime):
        return formatting.datetime_text(value, site)
    if kind == DATE or isinstance(value, date):
        return formatting.date_text(value, site)
    if kind == CURRENCY:
        return formatting.money(value)
    if kind == HOURS:
        return formatting.hours(value)
    if kind == PERCENT:
        return formatting.percent(value)
    if isinstance(value, (float, Decimal)):
        shown = formatting.number(value, 2)
        return shown.rstrip("0").rstrip(".") if "." in shown else shown
    return str(value)


def _column_kind(col) -> str:
    kind = getattr(col, "kind", "") or ""
    return UNIT_KINDS.get(kind, kind) or TEXT


def accessor(model, column) -> Callable:
    """The column's value of a row as a function, its path read against ``model`` once: the same
    value as ``Column.value_of`` (a choice gives its label), without looking the fields up again
    on every cell — a 200,000-row export reads two million cells."""
    if callable(column.csv):
        return column.csv
    if column.value is None or callable(column.value):
        return column.value_of
    steps = []
    for part in column.value.split("__"):
        field = None
        if model is not None:
            try:
                field = model._meta.get_field(part)
            except FieldDoesNotExist:
                field = None
        if field is not None and field.choices and not field.is_relation:
            steps.append((part, dict(field.flatchoices)))
            model = None
        else:
            steps.append((part, None))
            model = field.related_model if field is not None and field.is_relation else None

    def get(obj):
        value = obj
        for name, labels in steps:
            if value is None:
                return None
            value = getattr(value, name, None)
            if labels is not None:
                value = labels.get(value, value)
        return value() if callable(value) else value
    return get


def _read_plan(queryset, path: str):
    """How a column at ``path`` is read as a column of a ``values_list`` row: (path, choice labels,
    the relation whose object's name the cell shows), or None where the path is not a chain of forward
    fields (a property, a reverse or many-to-many step) and the row must be read as an instance."""
    if path in queryset.query.annotations:
        return path, None, None
    model = queryset.model
    parts = path.split("__")
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        if model is None:
            return None
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:
            return None
        if field.is_relation:
            if not (field.concrete and (field.many_to_one or field.one_to_one)):
                return None
            if last:
                return path, None, field
            model = field.related_model
        elif not last or not field.concrete:
            return None
        elif field.choices:
            return path, dict(field.flatchoices), None
    return path, None, None


def read_plans(queryset, columns) -> list | None:
    """Each column's read plan when every exported column is a path of fields; None otherwise."""
    if queryset.query.distinct or queryset.query.combinator:
        return None
    plans = []
    for col in columns:
        path, then = col.read if col.read is not None else (col.value, None)
        if callable(col.csv) or not isinstance(path, str):
            return None
        plan = _read_plan(queryset, path)
        if plan is None or then is not None and plan[1:] != (None, None):
            return None
        plans.append((*plan, then))
    return plans


def list_sheet(title: str, queryset, columns, *, site=None, total: int | None = None,
               progress: Callable[[int], None] | None = None, chunk: int = 2000, as_tuples: bool = True) -> Sheet:
    """A list's rows as the table declares them: the ID, then each exported column; a column that
    exports through its own function gives text, the others their raw values. Where every column
    is a path of fields, rows are read as tuples with the joins the paths need, and a related
    object's name is looked up once per object, not built as an instance per row (a 200,000-row
    export spent most of its time building instances); ``as_tuples=False`` reads instances."""
    zone = formatting.zone_for(site)

    def cell(value):
        # ``plain`` with the zone looked up once: this runs for every cell of the list.
        if isinstance(value, datetime):
            if timezone.is_aware(value):
                value = value.astimezone(zone)
            return value.replace(tzinfo=None, second=0, microsecond=0)
        if value is None or isinstance(value, (str, int, float, Decimal, date)) and not isinstance(value, bool):
            return None if value == "" else value
        return plain(value, site)

    def counted(rows: Iterator[list]) -> Iterator[list]:
        done = 0
        for row in rows:
            yield row
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(done)
        if progress is not None:
            progress(done)

    def instance_rows() -> Iterator[list]:
        getters = [(accessor(queryset.model, col), callable(col.csv)) for col in columns]
        for obj in queryset.iterator(chunk_size=chunk):
            yield [get(obj) if is_text else cell(get(obj)) for get, is_text in getters]

    def tuple_rows(plans) -> Iterator[list]:
        names: list[dict | None] = [{} if related is not None else None for _, _, related, _ in plans]

        def converter(index, labels, related, then):
            if related is not None:
                return names[index].get
            if labels is not None:
                return lambda value: cell(labels.get(value, value))
            if then is not None:
                return lambda value: None if value is None else cell(then(value))
            return cell

        converters = [converter(i, *plan[1:]) for i, plan in enumerate(plans)]
        values = queryset.prefetch_related(None).values_list(*(path for path, _, _, _ in plans))
        reader = values.iterator(chunk_size=chunk)
        while batch := list(itertools.islice(reader, chunk)):
            for index, (_, _, related, _) in enumerate(plans):
                if related is None:
                    continue
                known = names[index]
                missing = {row[index] for row in batch} - known.keys() - {None}
                if missing:
                    target = related.target_field.name
                    found = related.related_model._base_manager.in_bulk(missing, field_name=target)
                    known.update((key, str(obj)) for key, obj in found.items())
            for row in batch:
                yield [convert(value) for convert, value in zip(converters, row, strict=True)]

    plans = read_plans(queryset, columns) if as_tuples else None
    rows = counted(tuple_rows(plans) if plans is not None else instance_rows())
    sheet_columns = []
    for col in columns:
        kind = _column_kind(col)
        if kind == TEXT and col.header == "ID":
            kind = NUMBER
        sheet_columns.append(SheetColumn(str(col.header), kind))
    return Sheet(title=title, columns=sheet_columns, rows=rows, total=total, site=site)


def report_sheets(result, scope) -> list[Sheet]:
    """A report as sheets: its figures (with the previous period and the definition), then each
    table under its own title."""
    site = scope.site
    unit_kind = {"currency": CURRENCY, "h": HOURS, "%": PERCENT}
    figure_rows = [[f.label,
                    f.value if f.value is not None else None,
                    _unit_label(f.unit),
                    f.previous,
                    f.definition if f.value is not None or not getattr(f, "note", "") else f"{f.definition} "
                    f"({f.note})"] for f in result.figures]
    summary = Sheet(
        title="Summary",
        columns=[SheetColumn("Figure"), SheetColumn("Value", NUMBER), SheetColumn("Unit"),
                 SheetColumn("Previous period", NUMBER), SheetColumn("What it means")],
        rows=figure_rows, total=len(figure_rows), site=site, notes=scope_notes(scope),
        row_kinds=[unit_kind.get(f.unit, NUMBER) for f in result.figures])
    sheets = [summary]
    for table in result.tables:
        cols = [SheetColumn(c.label, column_kind(c.kind)) for c in table.columns]
        rows = [[typed(row.get(c.key), col.kind, site) for c, col in zip(table.columns, cols, strict=True)]
                for row in table.rows]
        sheets.append(Sheet(title=table.title, columns=cols, rows=rows, total=len(rows), site=site))
    return sheets


def column_kind(kind: str) -> str:
    """A report column's kind as a cell kind ("count", "days" and the like are plain numbers)."""
    if kind in UNIT_KINDS:
        return UNIT_KINDS[kind]
    return NUMBER if kind in ("number", "count", "days", "min", "weeks") else TEXT


def _unit_label(unit: str) -> str:
    return formatting.currency() if unit == "currency" else {"count": "", "h": "hours"}.get(unit, unit)


def scope_notes(scope) -> list[tuple[str, str]]:
    """The filters a report was cut by, in words, for the head of an export."""
    end_inclusive = scope.end - timedelta(microseconds=1)
    notes = [("Period", f"{formatting.date_text(scope.start, scope.site)} – "
                        f"{formatting.date_text(end_inclusive, scope.site)}")]
    for name, label in (("site", "Site"), ("location", "Location"), ("category", "Category"), ("asset", "Asset"),
                        ("team", "Team"), ("technician", "Technician")):
        obj = getattr(scope, name, None)
        if obj is not None:
            notes.append((label, str(obj)))
    return notes
