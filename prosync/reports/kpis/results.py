"""What a report is made of: figures (one number with its definition and trend), charts and the
tables under them. Pages, exports and the API render these and compute nothing themselves."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

Number = Decimal | float | int | None


@dataclass
class Figure:
    key: str
    label: str
    value: Number
    unit: str  # "h", "%", "count", "currency", "days", "min", "weeks"
    definition: str
    previous: Number = None
    better: str = "higher"  # which direction is good, for the trend arrow
    drill_url: str | None = None
    spark: list[float | None] = field(default_factory=list)  # per bucket; None where a bucket has no data
    note: str = ""  # why the value is missing, when it is None


@dataclass
class Chart:
    key: str
    title: str
    kind: str  # "bar" | "stacked" | "line" | "pareto"
    labels: list[str]
    series: list[tuple[str, list[float | None]]]
    unit: str
    drill_urls: list[str | None] | None = None


@dataclass
class Column:
    key: str
    label: str
    kind: str  # "text" | "number" | "currency" | "hours" | "percent" | "date" | "datetime"


@dataclass
class ReportTable:
    title: str
    columns: list[Column]
    rows: list[dict]
    key: str = ""  # the chart it belongs to, if any


@dataclass
class ReportResult:
    family: str
    title: str
    figures: list[Figure]
    charts: list[Chart]
    tables: list[ReportTable]
    labels: list[str] = field(default_factory=list)  # the period's buckets, which every figure's spark follows

    def figure(self, key: str) -> Figure:
        for f in self.figures:
            if f.key == key:
                return f
        raise KeyError(key)
