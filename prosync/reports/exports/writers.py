"""Sheets written out: XLSX with real number and date cells (XlsxWriter, row by row in constant
memory, so 200,000 rows cost the memory of one), CSV in words with formulas neutralised, and
the HTML a PDF is printed from."""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Iterator
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from prosync.core.renderers import spreadsheet_safe
from prosync.reports import formatting
from prosync.reports.exports.sheets import (
    CURRENCY,
    DATE,
    DATETIME,
    HOURS,
    NUMBER,
    PERCENT,
    Sheet,
    text,
)

SAMPLE_ROWS = 200  # rows read ahead to size the columns
MAX_WIDTH = 60


def _sheet_name(title: str, used: set[str]) -> str:
    """Excel's rules: at most 31 characters, none of []:*?/\\, unique in the workbook."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title).strip()[:31] or "Sheet"
    name, n = base, 2
    while name.lower() in used:
        suffix = f" ({n})"
        name, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(name.lower())
    return name


def write_xlsx(sheets: list[Sheet], target, *, title: str = "", progress=None) -> None:
    """Write ``sheets`` as a workbook to ``target`` (a path or a binary file). The header row is
    frozen, columns are sized to their content, numbers and dates are cells a sum or a filter
    understands, shown the way the pages show them."""
    book = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False,
                                        "default_date_format": formatting.XLSX_DATE,
                                        "remove_timezone": True, "strings_to_formulas": False,
                                        "strings_to_urls": False})
    book.set_properties({"title": title, "creator": "ProSyncHub"})
    bold = book.add_format({"bold": True, "bg_color": "#E8EEF4", "bottom": 1, "text_wrap": True, "valign": "top"})
    note_label = book.add_format({"bold": True})
    formats = {
        DATE: book.add_format({"num_format": formatting.XLSX_DATE, "align": "left"}),
        DATETIME: book.add_format({"num_format": formatting.XLSX_DATETIME, "align": "left"}),
        CURRENCY: book.add_format({"num_format": formatting.xlsx_money_format()}),
        HOURS: book.add_format({"num_format": '0.0" h"'}),
        PERCENT: book.add_format({"num_format": '0.0" %"'}),
        NUMBER: book.add_format({"num_format": "#,##0.##"}),
        "int": book.add_format({"num_format": "0"}),
    }
    used: set[str] = set()
    done = 0
    for sheet in sheets:
        ws = book.add_worksheet(_sheet_name(sheet.title, used))
        rows = iter(sheet.rows)
        sample = list(itertools.islice(rows, SAMPLE_ROWS))
        widths = [max(8, len(c.label) + 2) for c in sheet.columns]
        for row in sample:
            for i, value in enumerate(row):
                shown = len(text(value, sheet.columns[i].kind, sheet.site)) if value is not None else 0
                widths[i] = min(MAX_WIDTH, max(widths[i], shown + 2))
        for i, width in enumerate(widths):
            ws.set_column(i, i, width)
        r = 0
        for label, value in sheet.notes:
            ws.write_string(r, 0, label, note_label)
            ws.write_string(r, 1, value)
            r += 1
        if sheet.notes:
            r += 1
        header_row = r
        for i, col in enumerate(sheet.columns):
            ws.write_string(r, i, col.label, bold)
        ws.freeze_panes(header_row + 1, 0)
        index = 0
        kinds = [c.kind for c in sheet.columns]
        writers: dict[tuple[str, type], object] = {}  # how a value of a type is written in a kind of column
        for row in itertools.chain(sample, rows):
            r += 1
            if sheet.row_kinds is not None:
                kinds = [sheet.kind_at(index, c) for c in sheet.columns]
            for i, value in enumerate(row):
                if value is not None:
                    key = (kinds[i], type(value))
                    write = writers.get(key)
                    if write is None:
                        write = writers[key] = _cell_writer(ws, value, kinds[i], formats)
                    write(r, i, value)
            index += 1
            done += 1
            if progress is not None and done % 1000 == 0:
                progress(done)
        if index:
            ws.autofilter(header_row, 0, r, len(sheet.columns) - 1)
    book.close()
    if progress is not None:
        progress(done)


def _cell_writer(ws, value, kind: str, formats: dict):
    """The function writing a cell of ``value``'s type in a column of ``kind``: chosen once per
    type and kind rather than per cell, which a 200,000-row list has two million of."""
    if isinstance(value, datetime):
        fmt = formats[DATETIME]
        return lambda r, c, v: ws.write_datetime(r, c, v if v.tzinfo is None else v.replace(tzinfo=None), fmt)
    if isinstance(value, date):
        fmt = formats[DATE]
        return lambda r, c, v: ws.write_datetime(r, c, v, fmt)
    if isinstance(value, bool):
        return lambda r, c, v: ws.write_string(r, c, "yes" if v else "no")
    if isinstance(value, (int, float, Decimal)):
        fmt = formats.get(kind) or (formats["int"] if isinstance(value, int) else formats[NUMBER])
        return lambda r, c, v: ws.write_number(r, c, float(v), fmt)
    if isinstance(value, str):
        return lambda r, c, v: ws.write_string(r, c, v) if v else None
    return lambda r, c, v: ws.write_string(r, c, str(v)) if v != "" else None


class _Echo:
    def write(self, value):
        return value


def csv_lines(sheets: list[Sheet]) -> Iterator[str]:
    """Sheets as CSV lines in words (UTF-8 with a BOM for spreadsheets): dates in the site's clock
    to the minute, money with its currency; several sheets one after the other, each under its
    title. A text cell a spreadsheet would run as a formula is neutralised."""
    writer = csv.writer(_Echo())
    yield "\ufeff"
    for n, sheet in enumerate(sheets):
        if len(sheets) > 1:
            if n:
                yield writer.writerow([])
            yield writer.writerow([spreadsheet_safe(sheet.title)])
        for label, value in sheet.notes:
            yield writer.writerow([spreadsheet_safe(label), spreadsheet_safe(value)])
        yield writer.writerow([spreadsheet_safe(c.label) for c in sheet.columns])
        for index, row in enumerate(sheet.rows):
            yield writer.writerow([spreadsheet_safe(text(value, sheet.kind_at(index, col), sheet.site))
                                   for value, col in zip(row, sheet.columns, strict=True)])


def html_rows(sheet: Sheet) -> list[list[tuple[str, str]]]:
    """A sheet's rows in words for a PDF: (text, css class) per cell; numbers align right."""
    out = []
    for index, row in enumerate(sheet.rows):
        cells = []
        for value, col in zip(row, sheet.columns, strict=True):
            kind = sheet.kind_at(index, col)
            shown = text(value, kind, sheet.site) or formatting.EMPTY
            numeric = isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)
            cells.append((shown, "num" if numeric else ""))
        out.append(cells)
    return out


def csv_text(sheets: list[Sheet]) -> str:
    return "".join(csv_lines(sheets))


def xlsx_bytes(sheets: list[Sheet], *, title: str = "") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(sheets, buffer, title=title)
    return buffer.getvalue()
