"""The maintenance KPIs, one module per family, each computed in PostgreSQL over a ReportScope
and the user's sites: ``FAMILIES[name](scope, user)`` gives a family's figures (each against the
previous period, with its definition, drill-down and per-bucket spark), charts and tables."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from prosync.reports.kpis import cost, predictive, reliability, work
from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.scope import ReportScope

__all__ = ["CATALOGUE", "FAMILIES", "KPI_INDEX", "KPI_ROWS", "Chart", "Column", "Figure", "Kpi", "ReportResult",
           "ReportTable", "compute_kpi", "overview"]

_MODULES = {"reliability": reliability, "work": work, "cost": cost, "predictive": predictive}

FAMILIES: dict[str, Callable[..., ReportResult]] = {name: module.compute for name, module in _MODULES.items()}


@dataclass(frozen=True)
class Kpi:
    key: str
    family: str
    label: str
    unit: str
    definition: str
    better: str


# Every KPI by key, in the order of the pages (the API's list and the README's table).
CATALOGUE: dict[str, Kpi] = {
    key: Kpi(key, family, module.LABELS[key], module.UNITS[key], module.DEFINITIONS[key], module.BETTER[key])
    for family, module in _MODULES.items() for key in module.LABELS
}
KPI_INDEX: dict[str, tuple[str, str]] = {key: (kpi.family, key) for key, kpi in CATALOGUE.items()}

# The table whose rows stand behind a KPI (the API's "rows").
KPI_ROWS: dict[str, str] = {
    "failures": "failures_by_code", "repeat_failures": "repeat_failures", "downtime_hours": "downtime_by_reason",
    "availability": "downtime_by_asset", "availability_247": "downtime_by_asset", "mttr_downtime": "downtime_by_asset",
    "backlog_count": "backlog_age", "backlog_hours": "backlog_age", "backlog_weeks": "backlog_age",
    "overdue": "backlog_age", "opened": "opened_closed", "closed": "opened_closed",
    "pm_compliance": "pm_compliance", "planned_share": "planned_unplanned", "planned_hours_share": "planned_unplanned",
    "hours_vs_estimate": "hours_vs_estimate", "total_cost": "cost_by_asset", "labour_cost": "cost_by_asset",
    "parts_cost": "top_parts", "parts_issued": "top_parts", "cost_share_of_purchase": "cost_by_asset",
    "alerts_raised": "alerts_trend", "prediction_alerts": "alerts_trend", "precision": "outcomes",
}

# The overview's tiles: the figures a maintenance manager opens a monthly review with.
OVERVIEW = [("reliability", "availability"), ("reliability", "mtbf"), ("reliability", "mttr_downtime"),
            ("reliability", "failures"), ("work", "pm_compliance"), ("work", "backlog_count"),
            ("work", "overdue"), ("cost", "total_cost"), ("predictive", "precision")]


def overview(scope: ReportScope, user) -> list[Figure]:
    """The headline tiles, each with its previous value and sparkline (figures only: no charts)."""
    wanted = {family for family, _ in OVERVIEW}
    results = {family: FAMILIES[family](scope, user, detail=False) for family in wanted}
    out = []
    for family, key in OVERVIEW:
        found = [f for f in results[family].figures if f.key == key]
        out.extend(found)
    return out


def compute_kpi(key: str, scope: ReportScope, user) -> tuple[Figure | None, ReportResult]:
    """One KPI with the family result it came from (its labels for the series, its table for rows)."""
    family, figure_key = KPI_INDEX[key]
    detail = key in KPI_ROWS
    result = FAMILIES[family](scope, user, detail=detail)
    found = [f for f in result.figures if f.key == figure_key]
    return (found[0] if found else None), result
