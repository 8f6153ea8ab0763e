"""A report (its figures, charts and tables) as CSV, XLSX or PDF, and as the read-only document a
shared link opens."""

from __future__ import annotations

from django.utils import timezone
from django.utils.text import slugify

from prosync.reports import formatting
from prosync.reports.exports import sheets as sh
from prosync.reports.exports.charts import chart_svg
from prosync.reports.exports.pdf import render_pdf
from prosync.reports.exports.writers import csv_text, html_rows, xlsx_bytes

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def compute(family: str, scope, user):
    from prosync.reports.kpis import FAMILIES

    return FAMILIES[family](scope, user)


def row_count(result) -> int:
    return len(result.figures) + sum(len(t.rows) for t in result.tables)


def filename(result, scope, fmt: str) -> str:
    start = formatting.local_datetime(scope.start, scope.site).date()
    end = formatting.local_datetime(scope.end, scope.site).date()
    site = f"-{slugify(str(scope.site))}" if scope.site else ""
    return f"{slugify(result.title) or result.family}-report{site}-{start:%Y-%m-%d}-to-{end:%Y-%m-%d}.{fmt}"


def document_context(result, scope, *, shared_by=None, expires=None) -> dict:
    """What the report's document shows: figures in words, each chart as SVG with its table under
    it, the tables that belong to no chart after them."""
    site = scope.site
    figures = [{
        "label": f.label,
        "value": formatting.by_unit(f.value, f.unit, site) if f.value is not None else formatting.EMPTY,
        "previous": formatting.by_unit(f.previous, f.unit, site) if f.previous is not None else "",
        "definition": f.definition,
        "note": getattr(f, "note", "") if f.value is None else "",
    } for f in result.figures]
    tables = list(result.tables)
    blocks = []
    for chart in result.charts:
        table = next((t for t in tables if getattr(t, "key", "") == chart.key), None)
        if table is not None:
            tables.remove(table)
        blocks.append({"title": chart.title, "svg": chart_svg(chart), "table": _table(table, site)})
    blocks.extend({"title": t.title, "svg": "", "table": _table(t, site)} for t in tables)
    return {
        "result": result, "title": f"{result.title} report", "notes": sh.scope_notes(scope), "figures": figures,
        "blocks": blocks, "generated": formatting.datetime_text(timezone.now(), site),
        "currency": formatting.currency(), "shared_by": shared_by, "expires": expires,
    }


def _table(table, site) -> dict | None:
    if table is None:
        return None
    columns = [sh.SheetColumn(c.label, sh.column_kind(c.kind)) for c in table.columns]
    sheet = sh.Sheet(title=table.title, columns=columns, site=site,
                     rows=[[sh.typed(row.get(c.key), col.kind, site) for c, col in zip(table.columns, columns,
                                                                                      strict=True)]
                           for row in table.rows])
    return {"title": table.title, "columns": sheet.columns, "rows": html_rows(sheet)}


def render(result, scope, fmt: str) -> bytes:
    if fmt == "csv":
        return csv_text(sh.report_sheets(result, scope)).encode("utf-8")
    if fmt == "xlsx":
        return xlsx_bytes(sh.report_sheets(result, scope), title=f"{result.title} report")
    if fmt == "pdf":
        return render_pdf("exports/report_document.html", document_context(result, scope))
    raise ValueError(fmt)
