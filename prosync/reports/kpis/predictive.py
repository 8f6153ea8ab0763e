"""Predictive: alerts raised, technician-confirmed precision, lead time from the alert to the
confirmed fault, the share of predictive work, and downtime avoided as estimated from confirmed faults."""

from __future__ import annotations

from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.kpis.sql import Cut, T, num, one, ratio, rows
from prosync.reports.scope import ReportScope
from telemetry.models import Alert

DEFINITIONS = {
    "alerts_raised": "Alerts raised in the period, by alarm rules and by health predictions.",
    "prediction_alerts": "Alerts raised in the period by health predictions.",
    "precision": "Predictive orders completed in the period on which the technician confirmed the fault, as a "
                 "share of those with an answer (fault confirmed or no fault found).",
    "lead_time": "Days from the alert that raised a predictive order (or the order's creation when no alert is "
                 "linked) to the order completed with the fault confirmed, over such orders completed in the "
                 "period: the warning the prediction gave.",
    "predictive_share": "Predictive orders as a share of all orders created in the period.",
    "downtime_avoided": "An estimate: each fault confirmed in the period is taken to have avoided one breakdown "
                        "lasting as long as the average breakdown stoppage of the same scope over the 365 days "
                        "before the period's end (overlapping stoppages merged).",
}
LABELS = {"alerts_raised": "Alerts raised", "prediction_alerts": "Prediction alerts", "precision": "Precision",
          "lead_time": "Warning lead time", "predictive_share": "Predictive work",
          "downtime_avoided": "Downtime avoided (estimate)"}
UNITS = {"alerts_raised": "count", "prediction_alerts": "count", "precision": "%", "lead_time": "days",
         "predictive_share": "%", "downtime_avoided": "h"}
BETTER = {"alerts_raised": "lower", "prediction_alerts": "lower", "precision": "higher", "lead_time": "higher",
          "predictive_share": "higher", "downtime_avoided": "higher"}


def _alerts_sql(cut: Cut) -> str:
    return f"""
    WITH buckets AS ({cut.BUCKETS})
    SELECT b.label, count(al.id) AS alerts, count(al.id) FILTER (WHERE al.source = 'prediction') AS predicted
    FROM buckets b LEFT JOIN (
        SELECT al.id, al.opened_at, al.source FROM telemetry_alert al JOIN {T['asset']} a ON a.id = al.asset_id
        WHERE al.opened_at >= %(start)s AND al.opened_at < %(end)s AND {cut.assets('a')}
    ) al ON {cut.local_bucket('al.opened_at')} = b.bucket
    GROUP BY b.bucket, b.label ORDER BY b.bucket
    """


def _orders_sql(cut: Cut) -> str:
    return f"""
    WITH done AS (
        SELECT wo.id, wo.outcome, wo.completed_at,
               coalesce(al.opened_at, wo.created_at) AS warned_at
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        LEFT JOIN telemetry_alert al ON wo.source IN ('prediction', 'alarm')
            AND al.id = CASE WHEN wo.source_ref ~ '^[0-9]{{1,18}}$' THEN wo.source_ref::bigint END
        WHERE wo.kind = 'predictive' AND wo.status = ANY(%(done)s)
          AND wo.completed_at >= %(start)s AND wo.completed_at < %(end)s AND {cut.orders('wo', 'a')}
    ), breakdowns AS (
        SELECT unnest(range_agg(tstzrange(d.started_at, d.ended_at))) AS r
        FROM {T['downtime']} d JOIN {T['asset']} a ON a.id = d.asset_id
        WHERE d.reason_code = ANY(%(unplanned)s) AND d.ended_at IS NOT NULL
          AND d.started_at >= %(end)s - interval '365 days' AND d.started_at < %(end)s AND {cut.downtime('d', 'a')}
        GROUP BY d.asset_id
    )
    SELECT
      (SELECT count(*) FILTER (WHERE outcome = 'fault_confirmed') FROM done) AS confirmed,
      (SELECT count(*) FILTER (WHERE outcome = 'no_fault_found') FROM done) AS no_fault,
      (SELECT count(*) FILTER (WHERE outcome = '') FROM done) AS unanswered,
      (SELECT avg(extract(epoch FROM completed_at - warned_at)) FILTER (WHERE outcome = 'fault_confirmed')
       FROM done) / 86400 AS lead_days,
      (SELECT avg(extract(epoch FROM upper(r) - lower(r))) FROM breakdowns) / 3600 AS breakdown_hours,
      (SELECT row(count(*), count(*) FILTER (WHERE wo.kind = 'predictive'))::text
       FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
       WHERE wo.created_at >= %(start)s AND wo.created_at < %(end)s AND {cut.orders('wo', 'a')}) AS share
    """


def _headline(cut: Cut) -> dict:
    p = cut.params()
    series = rows(_alerts_sql(cut), p)
    o = one(_orders_sql(cut), p)
    created, predictive = (int(x) for x in o["share"].strip("()").split(","))
    answered = o["confirmed"] + o["no_fault"]
    breakdown = float(o["breakdown_hours"]) if o["breakdown_hours"] is not None else None
    return {
        "labels": [r["label"] for r in series],
        "alerts_spark": [r["alerts"] for r in series], "predicted_spark": [r["predicted"] for r in series],
        "alerts_raised": sum(r["alerts"] for r in series),
        "prediction_alerts": sum(r["predicted"] for r in series),
        "precision": ratio(o["confirmed"], answered),
        "lead_time": num(o["lead_days"], 2),
        "predictive_share": ratio(predictive, created),
        "downtime_avoided": num(o["confirmed"] * breakdown, 1) if breakdown is not None else None,
        "confirmed": o["confirmed"], "no_fault": o["no_fault"], "unanswered": o["unanswered"],
        "breakdown_hours": breakdown,
    }


def compute(scope: ReportScope, user, *, detail: bool = True) -> ReportResult:
    """The family's figures against the previous period; with ``detail``, its charts and tables too."""
    cut = Cut(scope, user)
    if not cut.allowed() or not cut.allowed(Alert):
        return ReportResult("predictive", "Predictive", [], [], [])
    now, before = _headline(cut), _headline(Cut(scope.previous(), user))
    done = cut.orders_url(kind="predictive", status=["completed", "closed"], **cut.date_range("completed"))
    drill = {"precision": done, "lead_time": done, "downtime_avoided": done,
             "predictive_share": cut.orders_url(kind="predictive", **cut.date_range("created"))}
    notes = {"precision": "No predictive order completed in the period has an answer.",
             "lead_time": "No fault was confirmed in the period.",
             "predictive_share": "No order was created in the period.",
             "downtime_avoided": "No breakdown in the year before to estimate from."}
    sparks = {"alerts_raised": now["alerts_spark"], "prediction_alerts": now["predicted_spark"]}
    figures = [Figure(key=k, label=LABELS[k], value=now[k], unit=UNITS[k], definition=DEFINITIONS[k],
                      previous=before[k], better=BETTER[k], drill_url=drill.get(k), spark=sparks.get(k, []),
                      note=notes.get(k, "") if now[k] is None else "")
               for k in LABELS]
    if not detail:
        return ReportResult("predictive", "Predictive", figures, [], [], labels=now["labels"])
    charts = [Chart(key="alerts_trend", title="Alerts raised", kind="stacked", labels=now["labels"],
                    series=[("Health predictions", now["predicted_spark"]),
                            ("Alarm rules", [a - b for a, b in zip(now["alerts_spark"], now["predicted_spark"],
                                                                   strict=True)])], unit="count"),
              Chart(key="outcomes", title="What technicians found on predictive orders", kind="bar",
                    labels=["Fault confirmed", "No fault found", "No answer"],
                    series=[("Orders", [now["confirmed"], now["no_fault"], now["unanswered"]])], unit="count",
                    drill_urls=[done, done, done])]
    tables = [ReportTable(title="Alerts raised", key="alerts_trend",
                          columns=[Column("period", "Period starting", "date"), Column("alerts", "Alerts", "number"),
                                   Column("predicted", "From health predictions", "number")],
                          rows=[{"period": lb, "alerts": a, "predicted": pr} for lb, a, pr in zip(
                              now["labels"], now["alerts_spark"], now["predicted_spark"], strict=True)]),
              ReportTable(title="What technicians found on predictive orders", key="outcomes",
                          columns=[Column("outcome", "Outcome", "text"), Column("orders", "Orders", "number")],
                          rows=[{"outcome": "Fault confirmed", "orders": now["confirmed"]},
                                {"outcome": "No fault found", "orders": now["no_fault"]},
                                {"outcome": "No answer", "orders": now["unanswered"]}])]
    return ReportResult("predictive", "Predictive", figures, charts, tables, labels=now["labels"])
