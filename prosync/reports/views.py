"""The report pages: the overview of headline figures and one page per family (figures, charts,
the table under each chart), every number and bar leading to the orders or downtime behind it.
The figures come computed from ``kpis``; these views only arrange them for people to read."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse

from prosync.core.permissions import can
from prosync.core.views import require
from prosync.reports import kpis
from prosync.reports.formatting import EMPTY, by_unit, currency_symbol, date_text, zone_for
from prosync.reports.scope import DEFAULT_PRESET, DEFAULT_REPEAT_DAYS, ReportScope, scope_from_params
from workorders.models import WorkOrder

FAMILY_TITLES = {
    "reliability": "Reliability",
    "work": "Work",
    "cost": "Cost",
    "predictive": "Predictive",
}
FAMILY_BLURBS = {
    "reliability": "Failures, time between them, repair times, availability and where downtime comes from.",
    "work": "Preventive maintenance on time, backlog, orders opened and closed, hours planned and spent.",
    "cost": "Labour and parts per asset, category, site and month; stock value and turns.",
    "predictive": "Alerts raised, how many technicians confirmed, and the warning they gave.",
}
# The families whose figures use the repeat window (repeat failures, first-time fix).
REPEAT_FAMILIES = {"reliability", "work"}
EXPORT_FORMATS = (("csv", "CSV"), ("xlsx", "Excel"), ("pdf", "PDF"))
# Column kinds whose cells are numbers: right-aligned, sorted as numbers.
NUMERIC_KINDS = {"number", "currency", "hours", "percent", "count", "days", "min", "h", "%"}
TABLE_UNITS = {"hours": "h", "percent": "%", "number": "number", "count": "count", "currency": "currency"}


def may_see_reports(user) -> bool:
    """Reports read work orders: whoever may see the orders (Viewers up) may see the reports."""
    return can(user, "view", WorkOrder)


def _scope(request) -> tuple[ReportScope | None, object]:
    require(request.user, "view", WorkOrder)
    params = request.GET.copy()
    # Without a period the report covers the default one, and its select must say so.
    if not params.get("period"):
        params["period"] = DEFAULT_PRESET
    scope, form = scope_from_params(params, request.user)
    form.fields["repeat_days"].widget.attrs.setdefault("placeholder", str(DEFAULT_REPEAT_DAYS))
    return scope, form


def _query(scope: ReportScope | None, request) -> str:
    """The filters of this page as a query string (one value per key), for links and exports."""
    if scope is not None:
        return scope.querystring()
    return request.GET.urlencode()


@login_required
def overview(request):
    scope, form = _scope(request)
    groups = []
    if scope is not None:
        figures = kpis.overview(scope, request.user)
        family_of = {figure_key: family for family, figure_key in kpis.KPI_INDEX.values()}
        by_family: dict[str, list] = {family: [] for family in FAMILY_TITLES}
        for figure in figures:
            by_family.setdefault(family_of.get(figure.key, "work"), []).append(tile(figure, scope))
        query = _query(scope, request)
        groups = [{"family": family, "title": FAMILY_TITLES.get(family, family.title()),
                   "blurb": FAMILY_BLURBS.get(family, ""), "tiles": tiles,
                   "url": f"{reverse('reports:family', args=[family])}?{query}"}
                  for family, tiles in by_family.items() if tiles or family in FAMILY_TITLES]
    return render(request, "reports/overview.html", {
        "form": form, "scope": scope, "groups": groups, "families": _family_links(scope, request),
        "period_text": period_text(scope), "query": _query(scope, request),
    }, status=200 if scope is not None else 400)


@login_required
def family(request, family: str):
    if family not in kpis.FAMILIES:
        raise Http404("No such report.")
    scope, form = _scope(request)
    context = {"form": form, "scope": scope, "family": family, "title": FAMILY_TITLES.get(family, family.title()),
               "families": _family_links(scope, request), "period_text": period_text(scope),
               "query": _query(scope, request), "show_repeat": family in REPEAT_FAMILIES}
    if scope is not None:
        result = kpis.FAMILIES[family](scope, request.user)
        query = _query(scope, request)
        base = reverse("reports:family", args=[family])
        context.update(
            title=result.title or context["title"],
            tiles=[tile(f, scope) for f in result.figures],
            sections=sections(result, scope),
            charts_data=[chart_data(c) for c in result.charts],
            exports=[{"label": label, "url": f"{base}export.{fmt}?{query}"} for fmt, label in EXPORT_FORMATS],
        )
    return render(request, "reports/family.html", context, status=200 if scope is not None else 400)


def _family_links(scope, request) -> list[dict]:
    query = _query(scope, request)
    current = request.resolver_match.kwargs.get("family") if request.resolver_match else None
    return [{"family": f, "title": t, "url": f"{reverse('reports:family', args=[f])}?{query}", "current": f == current}
            for f, t in FAMILY_TITLES.items() if f in kpis.FAMILIES]


def period_text(scope: ReportScope | None) -> str:
    """"1 Nov 2026 – 30 Nov 2026", the last day included, in the scope's own zone."""
    if scope is None:
        return ""
    zone = zone_for(scope.site)
    first = scope.start.astimezone(zone).date()
    last = (scope.end.astimezone(zone) - timedelta(days=1)).date()
    return f"{date_text(first)} – {date_text(last)}"


# --- Figures as tiles -------------------------------------------------------------------------


def _float(value) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def trend(figure) -> dict | None:
    """The change against the previous period, and whether it is good news (by ``better``).
    Percentages move in points (availability 92 % → 95 % is "+3.0 pts", not "+3.3 %")."""
    now, before = _float(figure.value), _float(figure.previous)
    if now is None or before is None:
        return None
    delta = now - before
    if abs(delta) < 1e-9:
        return {"arrow": "→", "text": "no change", "tone": "flat", "title": "Same as the previous period"}
    if figure.unit == "%":
        text = f"{delta:+.1f} pts"
    elif before == 0:
        text = "new" if delta > 0 else ""
    elif abs(delta / before) >= 10 and now * before > 0:
        text = f"{now / before:,.0f}×"  # "+157484 %" says less than "1,575×"
    else:
        text = f"{delta / abs(before) * 100:+.0f} %"
    good = (delta > 0) == (figure.better != "lower")
    previous = by_unit(figure.previous, figure.unit)
    return {"arrow": "▲" if delta > 0 else "▼", "text": text, "tone": "good" if good else "bad",
            "title": f"Previous period: {previous}"}


def sparkline(values: list, width: float = 100, height: float = 24) -> list[str]:
    """The points of an SVG polyline per unbroken run of values (a missing bucket breaks the line)."""
    numbers = [_float(v) for v in values or []]
    present = [v for v in numbers if v is not None]
    if len(numbers) < 2 or not present:
        return []
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = width / (len(numbers) - 1)
    runs, run = [], []
    for i, v in enumerate(numbers):
        if v is None:
            if len(run) > 1:
                runs.append(" ".join(run))
            run = []
            continue
        y = height - 2 - (v - low) / span * (height - 4) if high != low else height / 2
        run.append(f"{i * step:.1f},{y:.1f}")
    if len(run) > 1:
        runs.append(" ".join(run))
    return runs


def tile(figure, scope: ReportScope | None = None) -> dict:
    site = scope.site if scope is not None else None
    return {
        "key": figure.key,
        "label": figure.label,
        "value": by_unit(figure.value, figure.unit, site),
        "missing": figure.value is None,
        "note": getattr(figure, "note", "") or "Not enough data in this period.",
        "definition": figure.definition,
        "url": figure.drill_url,
        "trend": trend(figure),
        "spark": sparkline(figure.spark),
    }


# --- Charts and tables --------------------------------------------------------------------------


def axis_label(label: str, bucket: str | None) -> str:
    """ISO dates of buckets as people read them ("3 Nov", "Nov 2026"); names stay as they are."""
    try:
        day = date.fromisoformat(str(label)[:10]) if len(str(label)) in (10, 19, 25) or "T" in str(label) else None
    except ValueError:
        day = None
    if day is None:
        return str(label)
    if bucket == "month":
        return day.strftime("%b %Y")
    return f"{day.day} {day:%b}"


def chart_data(chart, bucket: str | None = None) -> dict:
    """What static/js/reports.js draws: plain lists, numbers as floats."""
    looks_monthly = len(chart.labels) > 1 and all(str(lbl)[8:10] == "01" for lbl in chart.labels)
    bucket = bucket or ("month" if looks_monthly else "day")
    labels = [axis_label(lbl, bucket) for lbl in chart.labels]
    return {
        "key": chart.key,
        "title": chart.title,
        "kind": chart.kind,
        "labels": labels,
        "series": [{"name": name, "values": [_float(v) for v in values]} for name, values in chart.series],
        "unit": chart.unit,
        "drill": list(chart.drill_urls) if _drillable(chart) else [],
        "money": currency_symbol() if chart.unit in ("currency", "money") else "",
        "dated": any(label != str(raw) for label, raw in zip(labels, chart.labels, strict=True)),
    }


def _parse_date(text: str):
    try:
        return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)
    except ValueError:
        return text


def _drillable(chart) -> bool:
    return bool(chart.drill_urls) and any(chart.drill_urls)


def _is_empty(chart) -> bool:
    return not chart.labels or all(not _float(v) for _name, values in chart.series for v in values)


def table_view(table, scope: ReportScope | None = None) -> dict:
    site = scope.site if scope is not None else None
    columns = [{"key": c.key, "label": c.label, "numeric": c.kind in NUMERIC_KINDS, "kind": c.kind}
               for c in table.columns]
    rows = []
    for row in table.rows:
        cells = []
        for i, c in enumerate(table.columns):
            value = row.get(c.key)
            if c.kind in ("date", "datetime") and isinstance(value, str):
                value = _parse_date(value)
            unit = TABLE_UNITS.get(c.kind, c.kind)
            if c.kind == "number" and _float(value) is not None and float(value).is_integer():
                value = int(float(value))
            sort = _float(value) if c.kind in NUMERIC_KINDS else None
            if sort is None and c.kind in ("date", "datetime") and value is not None:
                sort = value.isoformat() if hasattr(value, "isoformat") else str(value)
            cells.append({"text": by_unit(value, unit, site) if value not in (None, "") else EMPTY,
                          "numeric": c.kind in NUMERIC_KINDS,
                          "sort": "" if sort is None else sort,
                          "url": row.get("_url") if i == 0 else None})
        rows.append(cells)
    return {"title": table.title, "columns": columns, "rows": rows, "fold": len(rows) > FOLD_ROWS}


def sections(result, scope: ReportScope | None = None) -> list[dict]:
    """Each chart with the table that belongs to it (by key, else by position), then the tables
    that stand alone."""
    tables = list(result.tables)
    by_key = {t.key: t for t in tables if getattr(t, "key", "")}
    used: set[int] = set()
    out = []
    for i, chart in enumerate(result.charts):
        table = by_key.get(chart.key)
        if table is None and not by_key and i < len(tables):
            table = tables[i]
        if table is not None:
            used.add(id(table))
        empty = _is_empty(chart)
        # Under an empty chart, its table would only repeat the zeros.
        out.append({"chart": chart, "empty": empty, "empty_text": empty_text(chart), "drillable": _drillable(chart),
                    "table": table_view(table, scope) if table is not None and not empty else None})
    for table in tables:
        if id(table) not in used:
            out.append({"chart": None, "table": table_view(table, scope)})
    return out


# What an empty chart says: the plain fact, in the planner's words.
EMPTY_TEXTS = {
    "availability_trend": "No operating hours in this period.",
    "failures_trend": "No failures in this period.",
    "failures_by_code": "No failures with a problem code in this period.",
    "downtime_by_reason": "No downtime in this period.",
    "downtime_by_asset": "No downtime in this period.",
    "opened_closed": "No orders opened or completed in this period.",
    "backlog_trend": "No open orders in this period.",
    "backlog_age": "No open orders: the backlog is empty.",
    "pm_compliance": "No preventive maintenance was due in this period.",
    "planned_unplanned": "No orders created in this period.",
    "cost_trend": "No labour or parts were booked in this period.",
    "cost_by_asset": "No labour or parts were booked on an asset in this period.",
    "top_parts": "No parts were used in this period.",
    "alerts_trend": "No alerts were raised in this period.",
    "outcomes": "No predictive order has been answered by a technician in this period.",
}
# Tables longer than this fold away on a phone (the chart above them already tells the story).
FOLD_ROWS = 12


def empty_text(chart) -> str:
    return EMPTY_TEXTS.get(chart.key) or "Nothing was recorded in this period for these filters."


# --- The dashboard's trends ---------------------------------------------------------------------

DASHBOARD_CHARTS = (("work", "opened_closed", "Orders opened and completed per week"),
                    ("work", "backlog_trend", "Backlog at the end of each week"),
                    ("reliability", "availability_trend", "Availability over operating hours"))
DASHBOARD_PERIOD = {"period": "90d"}  # thirteen weekly buckets


@login_required
def trends(request):
    """The dashboard's trends, asked for by the dashboard once it is shown, so that the page itself
    stays as quick as before."""
    require(request.user, "view", WorkOrder)
    found = dashboard_trends(request.user)
    return render(request, "reports/_dashboard_trends.html",
                  {"trends": found, "trends_data": [t["data"] for t in found if not t["empty"]]})


def dashboard_trends(user) -> list[dict]:
    """The dashboard's three trends over the last 90 days, by week, from the same figures as the
    reports (so the numbers agree), each with a link to its report."""
    if not may_see_reports(user):
        return []
    scope, _form = scope_from_params(DASHBOARD_PERIOD, user)
    results = {family: kpis.FAMILIES[family](scope, user) for family in {f for f, _k, _t in DASHBOARD_CHARTS}}
    query = scope.querystring()
    trends = []
    for family_key, chart_key, title in DASHBOARD_CHARTS:
        chart = next((c for c in results[family_key].charts if c.key == chart_key), None)
        if chart is None:
            continue
        data = chart_data(chart)
        data["title"] = title
        trends.append({"key": chart_key, "title": title, "data": data, "empty": _is_empty(chart),
                       "empty_text": empty_text(chart),
                       "url": f"{reverse('reports:family', args=[family_key])}?{query}#chart-{chart_key}"})
    return trends
