"""Cost: labour and parts per asset, category, site and month; maintenance cost as a share of
the assets' purchase cost; parts consumed and the top parts; stock value and turns."""

from __future__ import annotations

from django.urls import reverse

from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.kpis.sql import Cut, T, num, one
from prosync.reports.scope import ReportScope
from workorders.models import PartUsage

DEFINITIONS = {
    "total_cost": "Labour (hours of finished time entries started in the period × the person's hourly rate) plus "
                  "parts (quantity × unit cost of parts issued to orders in the period).",
    "labour_cost": "Hours of finished time entries started in the period × the hourly rate recorded with them.",
    "parts_cost": "Parts issued to orders in the period: quantity × the unit cost at issue.",
    "cost_share_of_purchase": "Maintenance cost of the assets that have a purchase cost, over the period and "
                              "scaled to a year (× 365 / days in the period), as a share of their purchase cost.",
    "parts_issued": "Parts issued to orders in the period (lines of issue).",
    "stock_value": "What the stock on hand in the storerooms of the sites in the scope is worth now (on hand × "
                   "the part's unit cost). Location, category and asset filters do not apply to stock.",
    "stock_turns": "How many times a year the stock is used up: the value of parts issued in the period, scaled to "
                   "a year, divided by the stock value now.",
}
LABELS = {"total_cost": "Maintenance cost", "labour_cost": "Labour cost", "parts_cost": "Parts cost",
          "cost_share_of_purchase": "Yearly cost / purchase cost", "parts_issued": "Part issues",
          "stock_value": "Stock value", "stock_turns": "Stock turns"}
UNITS = {"total_cost": "currency", "labour_cost": "currency", "parts_cost": "currency",
         "cost_share_of_purchase": "%", "parts_issued": "count", "stock_value": "currency", "stock_turns": "count"}
BETTER = {"total_cost": "lower", "labour_cost": "lower", "parts_cost": "lower", "cost_share_of_purchase": "lower",
          "parts_issued": "lower", "stock_value": "lower", "stock_turns": "higher"}


def _spend(cut: Cut) -> str:
    """Every cost line of the period: labour from time entries, parts from issues to orders."""
    return f"""
        SELECT 'labour' AS kind, te.started_at AS at, te.hours * te.hourly_rate AS amount, wo.id AS wo_id,
               wo.asset_id, a.category_id, wo.site_id, NULL::bigint AS part_id, NULL::numeric AS quantity
        FROM workorders_timeentry te JOIN {T['wo']} wo ON wo.id = te.work_order_id
        LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE te.ended_at IS NOT NULL AND te.started_at >= %(start)s AND te.started_at < %(end)s
          AND {cut.orders('wo', 'a')}
        UNION ALL
        SELECT 'parts', pu.issued_at, pu.quantity * pu.unit_cost, wo.id, wo.asset_id, a.category_id, wo.site_id,
               pu.part_id, pu.quantity
        FROM workorders_partusage pu JOIN {T['wo']} wo ON wo.id = pu.work_order_id
        LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE pu.issued_at >= %(start)s AND pu.issued_at < %(end)s AND {cut.orders('wo', 'a')}
    """


def _totals_sql(cut: Cut) -> str:
    return f"""
    SELECT b.label,
           coalesce(sum(s.amount) FILTER (WHERE s.kind = 'labour'), 0) AS labour,
           coalesce(sum(s.amount) FILTER (WHERE s.kind = 'parts'), 0) AS parts,
           count(s.at) FILTER (WHERE s.kind = 'parts') AS issues
    FROM buckets b LEFT JOIN spend s ON {cut.local_bucket('s.at')} = b.bucket
    GROUP BY b.bucket, b.label ORDER BY b.bucket
    """


def _by_sql(cut: Cut, dimension: str) -> str:
    join, name, key = {
        "asset": (f"JOIN {T['asset']} x ON x.id = s.asset_id", "x.tag || ' ' || x.name", "x.id"),
        "category": ("LEFT JOIN assets_assetcategory x ON x.id = s.category_id",
                     "coalesce(x.name, 'No category')", "x.id"),
        "site": (f"JOIN {T['site']} x ON x.id = s.site_id", "x.name", "x.id"),
    }[dimension]
    purchase = ", max(x.purchase_cost) AS purchase_cost" if dimension == "asset" else ""
    return f"""
    SELECT {key} AS id, {name} AS name, coalesce(sum(s.amount) FILTER (WHERE s.kind = 'labour'), 0) AS labour,
           coalesce(sum(s.amount) FILTER (WHERE s.kind = 'parts'), 0) AS parts, sum(s.amount) AS total{purchase}
    FROM spend s {join}
    GROUP BY {key}, {name} ORDER BY total DESC, name LIMIT 50
    """


def _purchase_sql(cut: Cut) -> str:
    return f"""
    SELECT (SELECT coalesce(sum(a.purchase_cost), 0) FROM {T['asset']} a
            WHERE a.purchase_cost > 0 AND a.status <> 'decommissioned' AND {cut.assets('a')}) AS purchase,
           (SELECT coalesce(sum(s.amount), 0) FROM spend s JOIN {T['asset']} a ON a.id = s.asset_id
            WHERE a.purchase_cost > 0 AND a.status <> 'decommissioned') AS spent
    """


def _parts_sql(cut: Cut) -> str:
    return """
    SELECT p.id, p.part_number, p.name, p.unit, sum(s.quantity) AS quantity, sum(s.amount) AS cost
    FROM spend s JOIN assets_part p ON p.id = s.part_id
    GROUP BY p.id, p.part_number, p.name, p.unit ORDER BY cost DESC, p.part_number LIMIT 15
    """


def _combined_sql(cut: Cut, detail: bool) -> str:
    """Every cost figure and table from one pass over the period's cost lines (materialized once),
    each result as a JSON list of rows."""
    parts = {"totals": _totals_sql(cut), "purchase": _purchase_sql(cut), "stock": _stock_sql(cut)}
    if detail:
        parts.update(by_asset=_by_sql(cut, "asset"), by_category=_by_sql(cut, "category"),
                     by_site=_by_sql(cut, "site"), parts=_parts_sql(cut))
    selects = ",\n".join(f"(SELECT coalesce(json_agg(q), '[]'::json) FROM ({sql}) q) AS {name}"
                         for name, sql in parts.items())
    return f"WITH spend AS MATERIALIZED ({_spend(cut)}), buckets AS ({cut.BUCKETS})\nSELECT {selects}"


def _stock_sql(cut: Cut) -> str:
    return f"""
    SELECT coalesce(sum(sl.on_hand * p.unit_cost), 0) AS value
    FROM assets_stocklevel sl JOIN assets_part p ON p.id = sl.part_id
    JOIN assets_storeroom sr ON sr.id = sl.storeroom_id
    WHERE {cut.sites('sr.site_id')}
    """


def _headline(cut: Cut, stock_value: float | None = None, detail: bool = False) -> dict:
    found = one(_combined_sql(cut, detail), cut.params())
    series, purchase = found["totals"], found["purchase"][0]
    if stock_value is None:
        stock_value = float(found["stock"][0]["value"])
    labour = float(sum(r["labour"] for r in series))
    parts = float(sum(r["parts"] for r in series))
    yearly = 365 / cut.scope.days
    return {
        "found": found,
        "labels": [r["label"] for r in series],
        "labour_spark": [num(r["labour"], 2) for r in series], "parts_spark": [num(r["parts"], 2) for r in series],
        "total_spark": [num(float(r["labour"]) + float(r["parts"]), 2) for r in series],
        "total_cost": num(labour + parts, 2), "labour_cost": num(labour, 2), "parts_cost": num(parts, 2),
        "cost_share_of_purchase": (num(100 * float(purchase["spent"]) * yearly / float(purchase["purchase"]), 2)
                                   if purchase["purchase"] else None),
        "parts_issued": sum(r["issues"] for r in series),
        "stock_value": num(stock_value, 2),
        "stock_turns": num(parts * yearly / stock_value, 2) if stock_value else None,
    }


def compute(scope: ReportScope, user, *, detail: bool = True) -> ReportResult:
    """The family's figures against the previous period; with ``detail``, its charts and tables too."""
    cut = Cut(scope, user)
    if not cut.allowed() or not cut.allowed(PartUsage):
        return ReportResult("cost", "Cost", [], [], [])
    now = _headline(cut, detail=detail)
    # Stock is only known as it stands: the previous period is compared on its issues alone.
    before = _headline(Cut(scope.previous(), user), stock_value=now["stock_value"] or 0.0)
    before["stock_value"] = None
    completed = cut.orders_url(**cut.date_range("completed"))
    notes = {"cost_share_of_purchase": "No asset in the scope has a purchase cost.",
             "stock_turns": "No stock on hand in the scope's storerooms."}
    sparks = {"total_cost": now["total_spark"], "labour_cost": now["labour_spark"], "parts_cost": now["parts_spark"]}
    figures = [Figure(key=k, label=LABELS[k], value=now[k], unit=UNITS[k], definition=DEFINITIONS[k],
                      previous=before[k], better=BETTER[k],
                      drill_url=completed if k in ("total_cost", "labour_cost", "parts_cost") else None,
                      spark=sparks.get(k, []), note=notes.get(k, "") if now[k] is None else "")
               for k in LABELS]
    if not detail:
        return ReportResult("cost", "Cost", figures, [], [], labels=now["labels"])
    charts = [Chart(key="cost_trend", title="Maintenance cost", kind="stacked", labels=now["labels"],
                    series=[("Labour", now["labour_spark"]), ("Parts", now["parts_spark"])], unit="currency")]
    tables = [ReportTable(title="Maintenance cost", key="cost_trend",
                          columns=[Column("period", "Period starting", "date"), Column("labour", "Labour", "currency"),
                                   Column("parts", "Parts", "currency"), Column("total", "Total", "currency")],
                          rows=[{"period": lb, "labour": la, "parts": pa, "total": to} for lb, la, pa, to in zip(
                              now["labels"], now["labour_spark"], now["parts_spark"], now["total_spark"],
                              strict=True)])]
    cost_columns = [Column("labour", "Labour", "currency"), Column("parts", "Parts", "currency"),
                    Column("total", "Total", "currency")]
    by_asset = now["found"]["by_asset"]
    asset_urls = [cut.orders_url(asset=r["id"], **cut.date_range("completed")) for r in by_asset[:15]]
    charts.append(Chart(key="cost_by_asset", title="Cost by asset (top 15)", kind="stacked",
                        labels=[r["name"] for r in by_asset[:15]],
                        series=[("Labour", [num(r["labour"], 2) for r in by_asset[:15]]),
                                ("Parts", [num(r["parts"], 2) for r in by_asset[:15]])], unit="currency",
                        drill_urls=asset_urls))
    tables.append(ReportTable(
        title="Cost by asset", key="cost_by_asset",
        columns=[Column("name", "Asset", "text"), *cost_columns, Column("purchase_cost", "Purchase cost", "currency"),
                 Column("share", "Share of purchase cost", "percent")],
        rows=[{"name": r["name"], "labour": num(r["labour"], 2), "parts": num(r["parts"], 2),
               "total": num(r["total"], 2), "purchase_cost": num(r["purchase_cost"], 2),
               "share": num(100 * float(r["total"]) / float(r["purchase_cost"]), 2) if r["purchase_cost"] else None}
              for r in by_asset]))
    for dimension, title in (("category", "Cost by category"), ("site", "Cost by site")):
        found = now["found"][f"by_{dimension}"]
        tables.append(ReportTable(title=title, key=f"cost_by_{dimension}",
                                  columns=[Column("name", dimension.capitalize(), "text"), *cost_columns],
                                  rows=[{"name": r["name"], "labour": num(r["labour"], 2), "parts": num(r["parts"], 2),
                                         "total": num(r["total"], 2)} for r in found]))
    parts = now["found"]["parts"]
    charts.append(Chart(key="top_parts", title="Top parts by cost", kind="bar",
                        labels=[r["part_number"] for r in parts],
                        series=[("Cost", [num(r["cost"], 2) for r in parts])], unit="currency"))
    tables.append(ReportTable(title="Top parts by cost", key="top_parts",
                              columns=[Column("part", "Part", "text"), Column("quantity", "Quantity", "number"),
                                       Column("unit", "Unit", "text"), Column("cost", "Cost", "currency")],
                              rows=[{"part": f"{r['part_number']} {r['name']}", "quantity": num(r["quantity"], 3),
                                     "unit": r["unit"], "cost": num(r["cost"], 2),
                                     "_url": reverse("assets:part-detail", args=[r["id"]])}
                                    for r in parts]))
    return ReportResult("cost", "Cost", figures, charts, tables, labels=now["labels"])
