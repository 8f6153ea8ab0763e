"""The maintenance KPIs, one module per family, each computed in PostgreSQL over a ReportScope
and the user's sites."""

from __future__ import annotations

from collections.abc import Callable

from prosync.reports.kpis import reliability, work
from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.scope import ReportScope

__all__ = ["FAMILIES", "KPI_INDEX", "Chart", "Column", "Figure", "ReportResult", "ReportTable", "overview"]


def _stub(family: str, title: str) -> Callable:
    def compute(scope: ReportScope, user) -> ReportResult:
        return ReportResult(family=family, title=title, figures=[], charts=[], tables=[])
    return compute


FAMILIES: dict[str, Callable[[ReportScope, object], ReportResult]] = {
    "reliability": reliability.compute,
    "work": work.compute,
    "cost": _stub("cost", "Cost"),
    "predictive": _stub("predictive", "Predictive"),
}

KPI_INDEX: dict[str, tuple[str, str]] = {}


def overview(scope: ReportScope, user) -> list[Figure]:
    return []
