"""Reliability: failures, MTBF over operating time, MTTR, MTTA, availability (24/7 and over each
site's operating calendar), downtime Pareto, failures by problem code and repeat failures."""

from __future__ import annotations

from django.urls import reverse

from assets.choices import StatusReason
from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.kpis.sql import NOT_UNAVAILABLE_REASONS, Cut, T, num, one, ratio, rows
from prosync.reports.scope import ReportScope
from workorders.models import WorkOrder

DEFINITIONS = {
    "failures": "Failures that started in the period: stoppages for a breakdown or a utility failure (stoppages "
                "of one asset that overlap count once), plus completed corrective or emergency orders with a "
                "problem code that are not about such a stoppage.",
    "mtbf": "Mean time between failures: the hours the assets were in operation (their site's operating "
            "hours, less their downtime) divided by the number of failures.",
    "mttr_downtime": "Mean time to repair, from the start of a breakdown stoppage to the asset back in service "
                     "(overlapping stoppages of one asset merged), over stoppages that started in the period and "
                     "have ended.",
    "mttr_repair": "Mean time to repair on the order: from the first move to “In progress” to completion, over "
                   "corrective and emergency orders completed in the period.",
    "mtta": "Mean time to acknowledge: from the creation of a corrective or emergency order to its first "
            "response (its first status change out of “Open”: assigned or started), over orders created in the "
            "period that have had a response.",
    "mtta_request": "From a work request being sent to its approval or rejection, over requests sent in the "
                    "period that have been decided.",
    "mtta_alert": "From an alert being raised to its acknowledgement, over alerts raised in the period that "
                  "have been acknowledged.",
    "availability": "Share of the scheduled time (each site's operating hours; 24/7 where none are set) that "
                    "the assets were not down. Idle stoppages (no demand) do not count as downtime.",
    "availability_247": "Share of all the hours of the period (24/7) that the assets were not down. Idle "
                        "stoppages (no demand) do not count as downtime.",
    "downtime_hours": "Hours of downtime inside the period (overlapping stoppages of one asset counted once), "
                      "idle stoppages excepted.",
    "repeat_failures": "Failures on an order whose asset had a failure with the same problem code within the "
                       "repeat window (30 days unless chosen) before it.",
}
LABELS = {
    "failures": "Failures", "mtbf": "Mean time between failures", "mttr_downtime": "Mean time to repair (downtime)",
    "mttr_repair": "Mean time to repair (order)", "mtta": "Mean time to acknowledge (orders)",
    "mtta_request": "Time to answer a request", "mtta_alert": "Time to acknowledge an alert",
    "availability": "Availability (operating hours)", "availability_247": "Availability (24/7)",
    "downtime_hours": "Downtime", "repeat_failures": "Repeat failures",
}
BETTER = {"failures": "lower", "mtbf": "higher", "mttr_downtime": "lower", "mttr_repair": "lower",
          "mtta": "lower", "mtta_request": "lower", "mtta_alert": "lower", "availability": "higher",
          "availability_247": "higher", "downtime_hours": "lower", "repeat_failures": "lower"}
UNITS = {"failures": "count", "mtbf": "h", "mttr_downtime": "h", "mttr_repair": "h", "mtta": "min",
         "mtta_request": "h", "mtta_alert": "min", "availability": "%", "availability_247": "%",
         "downtime_hours": "h", "repeat_failures": "count"}

_SECONDS = "(SELECT coalesce(sum(extract(epoch FROM upper(x) - lower(x))), 0) FROM unnest({m}) x)"


def _dur(multirange: str) -> str:
    return _SECONDS.format(m=multirange)


def _availability_sql(cut: Cut) -> str:
    """Per bucket: scheduled seconds (sites' calendars × assets), downtime inside them, all the
    period's seconds and downtime in them; operating calendars expanded day by day in each
    site's zone with generate_series and intersected with merged downtime as multiranges."""
    return f"""
    WITH a AS (
        SELECT a.id, a.site_id, a.location_id, a.category_id FROM {T['asset']} a
        WHERE a.status <> 'decommissioned' AND {cut.assets('a')}
    ), buckets AS ({cut.BUCKETS}),
    observed AS (SELECT tstzrange(%(start)s, %(obs_end)s) AS r),
    sites AS (
        SELECT s.id, s.timezone, s.operating_hours, count(*) AS n
        FROM {T['site']} s JOIN a ON a.site_id = s.id GROUP BY s.id
    ), sched AS (
        SELECT s.id AS site_id, range_agg(
                 tstzrange((day + (w->>0)::time) AT TIME ZONE s.timezone,
                           (day + (w->>1)::time) AT TIME ZONE s.timezone) * o.r) AS m
        FROM sites s CROSS JOIN observed o
        CROSS JOIN LATERAL (
            SELECT (lower(o.r) AT TIME ZONE s.timezone)::date - 1 + i AS day
            FROM generate_series(0, (upper(o.r) AT TIME ZONE s.timezone)::date
                                    - (lower(o.r) AT TIME ZONE s.timezone)::date + 1) i
        ) days
        CROSS JOIN LATERAL jsonb_array_elements(
            CASE WHEN s.operating_hours = '{{}}'::jsonb THEN '[["00:00", "24:00"]]'::jsonb
                 ELSE coalesce(s.operating_hours -> lower(to_char(day, 'dy')), '[]'::jsonb) END) w
        GROUP BY s.id
    ), down AS (
        SELECT d.asset_id, a.site_id,
               range_agg(tstzrange(d.started_at, coalesce(d.ended_at, %(now)s)) * o.r) AS m
        FROM {T['downtime']} d JOIN a ON a.id = d.asset_id CROSS JOIN observed o
        WHERE d.reason_code <> ALL(%(not_unavailable)s) AND d.started_at < upper(o.r)
          AND coalesce(d.ended_at, %(now)s) > lower(o.r) AND {cut.downtime('d', 'a')}
        GROUP BY d.asset_id, a.site_id
    ), pieces AS (
        -- Each asset's downtime once, and once more cut to its site's hours: intersected per asset,
        -- then shared out to the buckets piece by piece.
        SELECT false AS scheduled, unnest(dn.m) AS r FROM down dn
        UNION ALL
        SELECT true, unnest(dn.m * coalesce(sc.m, '{{}}'::tstzmultirange))
        FROM down dn LEFT JOIN sched sc ON sc.site_id = dn.site_id
    ), down_per_bucket AS (
        SELECT b.bucket,
               sum(extract(epoch FROM upper(p.r * b.r) - lower(p.r * b.r))) FILTER (WHERE p.scheduled) AS in_sched,
               sum(extract(epoch FROM upper(p.r * b.r) - lower(p.r * b.r))) FILTER (WHERE NOT p.scheduled) AS total
        FROM buckets b JOIN pieces p ON p.r && b.r
        GROUP BY b.bucket
    )
    SELECT b.label,
        (SELECT coalesce(sum(s.n * {_dur("coalesce(sc.m, '{}'::tstzmultirange) * tstzmultirange(b.r * o.r)")}), 0)
           FROM sites s LEFT JOIN sched sc ON sc.site_id = s.id) AS scheduled_s,
        coalesce(dpb.in_sched, 0) AS down_in_sched_s,
        (SELECT count(*) FROM a) * {_dur("tstzmultirange(b.r * o.r)")} AS period_s,
        coalesce(dpb.total, 0) AS down_s
    FROM buckets b CROSS JOIN observed o LEFT JOIN down_per_bucket dpb ON dpb.bucket = b.bucket
    ORDER BY b.bucket
    """


def _failure_orders_sql(cut: Cut, since: str = "%(start)s") -> str:
    """Completed corrective/emergency orders with a problem code, dated by the stoppage they are
    about (or their creation); ``stoppage`` says whether an unplanned stoppage already counts them."""
    return f"""
        SELECT wo.id, wo.asset_id, wo.problem_code_id, coalesce(dt.started_at, wo.created_at) AS at,
               (dt.id IS NOT NULL AND dt.reason_code = ANY(%(unplanned)s)) AS stoppage
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        LEFT JOIN {T['downtime']} dt ON dt.id = wo.downtime_id
        WHERE wo.kind = ANY(%(corrective)s) AND wo.status = ANY(%(done)s) AND wo.problem_code_id IS NOT NULL
          AND coalesce(dt.started_at, wo.created_at) >= {since}
          AND coalesce(dt.started_at, wo.created_at) < %(end)s AND {cut.orders('wo', 'a')}
    """


def _failures_sql(cut: Cut) -> str:
    return f"""
    WITH buckets AS ({cut.BUCKETS}),
    islands AS (
        SELECT asset_id, r FROM (
            SELECT d.asset_id, unnest(range_agg(tstzrange(d.started_at, d.ended_at))) AS r
            FROM {T['downtime']} d JOIN {T['asset']} a ON a.id = d.asset_id
            WHERE d.reason_code = ANY(%(unplanned)s) AND d.started_at < %(end)s
              AND (d.ended_at IS NULL OR d.ended_at >= %(start)s) AND {cut.downtime('d', 'a')}
            GROUP BY d.asset_id) merged
        WHERE lower(r) >= %(start)s AND lower(r) < %(end)s
    ), orders AS ({_failure_orders_sql(cut)}),
    events AS (
        SELECT lower(r) AS at, CASE WHEN upper_inf(r) THEN NULL
                                    ELSE extract(epoch FROM upper(r) - lower(r)) END AS repair_s
        FROM islands
        UNION ALL SELECT at, NULL FROM orders WHERE NOT stoppage
    )
    SELECT b.label, count(e.at) AS failures, sum(e.repair_s) AS repair_s, count(e.repair_s) AS repaired
    FROM buckets b LEFT JOIN events e ON {cut.local_bucket('e.at')} = b.bucket
    GROUP BY b.bucket, b.label ORDER BY b.bucket
    """


def _response_sql(cut: Cut) -> str:
    """MTTR on orders and MTTA: the orders' first start and first response from their status
    changes, aggregated in one join over the orders of the period."""
    return f"""
    WITH o AS (
        SELECT wo.id, wo.created_at, wo.completed_at,
               wo.status = ANY(%(done)s) AND wo.completed_at >= %(start)s AND wo.completed_at < %(end)s AS repaired,
               wo.created_at >= %(start)s AND wo.created_at < %(end)s AS created
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE wo.kind = ANY(%(corrective)s) AND {cut.orders('wo', 'a')}
          AND ((wo.completed_at >= %(start)s AND wo.completed_at < %(end)s)
               OR (wo.created_at >= %(start)s AND wo.created_at < %(end)s))
    ), firsts AS (
        SELECT sc.work_order_id AS id, min(sc.at) FILTER (WHERE sc.to_status = 'in_progress') AS started,
               min(sc.at) FILTER (WHERE sc.from_status = 'open') AS responded
        FROM workorders_statuschange sc JOIN o ON o.id = sc.work_order_id
        GROUP BY sc.work_order_id
    ), timed AS (SELECT o.*, f.started, f.responded FROM o LEFT JOIN firsts f ON f.id = o.id)
    SELECT
      (SELECT avg(extract(epoch FROM completed_at - coalesce(started, created_at))) FROM timed
       WHERE repaired) AS repair_s,
      (SELECT avg(extract(epoch FROM responded - created_at)) FROM timed
       WHERE created AND responded IS NOT NULL) AS ack_s,
      (SELECT avg(extract(epoch FROM r.decided_at - r.created_at))
       FROM workorders_workrequest r LEFT JOIN {T['asset']} a ON a.id = r.asset_id
       WHERE r.decided_at IS NOT NULL AND r.created_at >= %(start)s AND r.created_at < %(end)s
         AND {cut.sites('r.site_id')} {cut_request_assets(cut)}) AS request_s,
      (SELECT avg(extract(epoch FROM al.acknowledged_at - al.opened_at))
       FROM telemetry_alert al JOIN {T['asset']} a ON a.id = al.asset_id
       WHERE al.acknowledged_at IS NOT NULL AND al.opened_at >= %(start)s AND al.opened_at < %(end)s
         AND {cut.assets('a')}) AS alert_s
    """


def cut_request_assets(cut: Cut) -> str:
    s = cut.scope
    if s.location or s.category or s.asset:
        return f"AND a.id IS NOT NULL AND {cut.assets('a')}"
    return ""


def _headline(cut: Cut) -> dict:
    """The headline figures of one scope, with their per-bucket series."""
    p = cut.params()
    avail = rows(_availability_sql(cut), p)
    fails = rows(_failures_sql(cut), p)
    resp = one(_response_sql(cut), p)
    scheduled = sum(float(r["scheduled_s"]) for r in avail)
    down_in = sum(float(r["down_in_sched_s"]) for r in avail)
    period = sum(float(r["period_s"]) for r in avail)
    down = sum(float(r["down_s"]) for r in avail)
    failures = sum(r["failures"] for r in fails)
    repaired = sum(r["repaired"] for r in fails)
    repair_s = sum(float(r["repair_s"] or 0) for r in fails)
    uptime_h = (scheduled - down_in) / 3600
    return {
        "labels": [r["label"] for r in avail],
        "failures": failures,
        "failures_spark": [r["failures"] for r in fails],
        "mtbf": num(uptime_h / failures, 2) if failures else None,
        "operating_h": uptime_h,
        "mttr_downtime": num(repair_s / repaired / 3600, 2) if repaired else None,
        "mttr_repair": num(resp.get("repair_s") and float(resp["repair_s"]) / 3600, 2),
        "mtta": num(resp.get("ack_s") and float(resp["ack_s"]) / 60),
        "mtta_request": num(resp.get("request_s") and float(resp["request_s"]) / 3600, 2),
        "mtta_alert": num(resp.get("alert_s") and float(resp["alert_s"]) / 60),
        "availability": ratio(scheduled - down_in, scheduled, 2),
        "availability_spark": [ratio(float(r["scheduled_s"]) - float(r["down_in_sched_s"]), float(r["scheduled_s"]), 2)
                               for r in avail],
        "availability_247": ratio(period - down, period, 2),
        "mtbf_spark": [num((float(a["scheduled_s"]) - float(a["down_in_sched_s"])) / 3600 / f["failures"], 2)
                       if f["failures"] else None for a, f in zip(avail, fails, strict=True)],
        "mttr_spark": [num(float(f["repair_s"]) / f["repaired"] / 3600, 2) if f["repaired"] else None
                       for f in fails],
        "downtime_hours": num(down / 3600),
        "downtime_spark": [num(float(r["down_s"]) / 3600) for r in avail],
    }


def _pareto_reason_sql(cut: Cut) -> str:
    return f"""
    SELECT d.reason_code AS reason,
           sum(extract(epoch FROM least(coalesce(d.ended_at, %(now)s), %(obs_end)s)
                                  - greatest(d.started_at, %(start)s))) / 3600 AS hours,
           count(*) AS stoppages
    FROM {T['downtime']} d JOIN {T['asset']} a ON a.id = d.asset_id
    WHERE d.started_at < %(obs_end)s AND coalesce(d.ended_at, %(now)s) > %(start)s AND {cut.downtime('d', 'a')}
    GROUP BY d.reason_code ORDER BY hours DESC
    """


def _pareto_asset_sql(cut: Cut) -> str:
    return f"""
    SELECT a.id, a.tag, a.name, count(*) AS stoppages, (
             SELECT sum(extract(epoch FROM upper(x) - lower(x))) FROM unnest(
               range_agg(tstzrange(d.started_at, coalesce(d.ended_at, %(now)s)) * tstzrange(%(start)s, %(obs_end)s))) x
           ) / 3600 AS hours
    FROM {T['downtime']} d JOIN {T['asset']} a ON a.id = d.asset_id
    WHERE d.reason_code <> ALL(%(not_unavailable)s) AND d.started_at < %(obs_end)s
      AND coalesce(d.ended_at, %(now)s) > %(start)s AND {cut.downtime('d', 'a')}
    GROUP BY a.id, a.tag, a.name ORDER BY hours DESC, a.tag LIMIT 15
    """


def _codes_sql(cut: Cut) -> str:
    return f"""
    WITH orders AS ({_failure_orders_sql(cut, "(%(start)s - make_interval(days => %(repeat_days)s))")}),
    marked AS (
        SELECT o.*, lag(o.at) OVER (PARTITION BY o.asset_id, o.problem_code_id ORDER BY o.at, o.id) AS prev_at
        FROM orders o
    )
    SELECT fc.id AS code_id, fc.code, fc.description, count(*) AS failures,
           count(*) FILTER (WHERE m.asset_id IS NOT NULL AND m.prev_at IS NOT NULL
                            AND m.at - m.prev_at <= make_interval(days => %(repeat_days)s)) AS repeats
    FROM marked m JOIN workorders_failurecode fc ON fc.id = m.problem_code_id
    WHERE m.at >= %(start)s
    GROUP BY fc.id, fc.code, fc.description ORDER BY failures DESC, fc.code
    """


def _repeats_sql(cut: Cut) -> str:
    return f"""
    WITH orders AS ({_failure_orders_sql(cut, "(%(start)s - make_interval(days => %(repeat_days)s))")}),
    marked AS (
        SELECT o.*, lag(o.at) OVER (PARTITION BY o.asset_id, o.problem_code_id ORDER BY o.at, o.id) AS prev_at
        FROM orders o WHERE o.asset_id IS NOT NULL
    )
    SELECT m.id, m.at, a.tag, a.name AS asset_name, fc.code, fc.description,
           extract(epoch FROM m.at - m.prev_at) / 86400 AS days_since
    FROM marked m JOIN {T['asset']} a ON a.id = m.asset_id JOIN workorders_failurecode fc ON fc.id = m.problem_code_id
    WHERE m.at >= %(start)s AND m.prev_at IS NOT NULL AND m.at - m.prev_at <= make_interval(days => %(repeat_days)s)
    ORDER BY m.at DESC LIMIT 50
    """


def _pareto(title: str, key: str, labels: list[str], hours: list[float], urls) -> Chart:
    total = sum(hours) or 1.0
    running, cumulative = 0.0, []
    for h in hours:
        running += h
        cumulative.append(round(100 * running / total, 1))
    return Chart(key=key, title=title, kind="pareto", labels=labels,
                 series=[("Hours down", [num(h) for h in hours]), ("Cumulative %", cumulative)], unit="h",
                 drill_urls=urls)


def compute(scope: ReportScope, user, *, detail: bool = True) -> ReportResult:
    """The family's figures against the previous period; with ``detail``, its charts and tables too."""
    cut = Cut(scope, user)
    if not cut.allowed():
        return ReportResult("reliability", "Reliability", [], [], [])
    now, before = _headline(cut), _headline(Cut(scope.previous(), user))
    p = cut.params()
    failure_orders = cut.orders_url(kind=["corrective", "emergency"], status=["completed", "closed"],
                                    has_problem_code="true", **cut.date_range("completed"))
    # Idle stops are not downtime in these figures: their lists leave them out too.
    lost = [r for r in StatusReason.values if r not in NOT_UNAVAILABLE_REASONS]
    down_link = cut.downtime_url(**cut.downtime_window(), reason_code=lost)
    drill = {"failures": failure_orders, "mtbf": failure_orders, "mttr_downtime": down_link,
             "mttr_repair": cut.orders_url(kind=["corrective", "emergency"], status=["completed", "closed"],
                                           **cut.date_range("completed")),
             "mtta": cut.orders_url(kind=["corrective", "emergency"], **cut.date_range("created")),
             "availability": down_link, "availability_247": down_link, "downtime_hours": down_link,
             "repeat_failures": failure_orders}
    notes = {"failures": "", "mtbf": "No failures in the period.", "mttr_downtime": "No breakdown ended in the period.",
             "mttr_repair": "No corrective order completed in the period.",
             "mtta": "No corrective order created in the period has had a response yet.",
             "mtta_request": "No request sent in the period has been decided.",
             "mtta_alert": "No alert raised in the period has been acknowledged.",
             "availability": "No scheduled hours in the period.", "availability_247": "No assets in the scope."}
    codes = rows(_codes_sql(cut), p)
    repeats_now = sum(r["repeats"] for r in codes)
    prev_cut = Cut(scope.previous(), user)
    repeats_before = sum(r["repeats"] for r in rows(_codes_sql(prev_cut), prev_cut.params()))
    now["repeat_failures"], before["repeat_failures"] = repeats_now, repeats_before
    sparks = {"failures": now["failures_spark"], "availability": now["availability_spark"],
              "mtbf": now["mtbf_spark"], "mttr_downtime": now["mttr_spark"],
              "downtime_hours": now["downtime_spark"]}
    figures = [Figure(key=k, label=LABELS[k], value=now[k], unit=UNITS[k], definition=DEFINITIONS[k],
                      previous=before[k], better=BETTER[k], drill_url=drill.get(k), spark=sparks.get(k, []),
                      note=notes.get(k, "") if now[k] is None else "")
               for k in LABELS]
    if not detail:
        return ReportResult("reliability", "Reliability", figures, [], [], labels=now["labels"])

    charts, tables = [], []
    charts.append(Chart(key="availability_trend", title="Availability over operating hours", kind="line",
                        labels=now["labels"], series=[("Availability", now["availability_spark"])], unit="%"))
    charts.append(Chart(key="failures_trend", title="Failures", kind="bar", labels=now["labels"],
                        series=[("Failures", now["failures_spark"])], unit="count"))
    reasons = rows(_pareto_reason_sql(cut), p)
    reason_names = dict(StatusReason.choices)
    charts.append(_pareto("Downtime by reason", "downtime_by_reason",
                          [reason_names.get(r["reason"], r["reason"]) for r in reasons],
                          [float(r["hours"] or 0) for r in reasons],
                          [cut.downtime_url(reason_code=r["reason"], **cut.downtime_window()) for r in reasons]))
    tables.append(ReportTable(title="Downtime by reason", key="downtime_by_reason",
                              columns=[Column("reason", "Reason", "text"), Column("stoppages", "Stoppages", "number"),
                                       Column("hours", "Hours down", "hours")],
                              rows=[{"reason": reason_names.get(r["reason"], r["reason"]), "stoppages": r["stoppages"],
                                     "hours": num(r["hours"])} for r in reasons]))
    assets = rows(_pareto_asset_sql(cut), p)
    asset_urls = [cut.downtime_url(asset=r["id"], **cut.downtime_window(),
                                   reason_code=lost) for r in assets]
    charts.append(_pareto("Downtime by asset (top 15)", "downtime_by_asset", [r["tag"] for r in assets],
                          [float(r["hours"] or 0) for r in assets], asset_urls))
    tables.append(ReportTable(title="Downtime by asset (top 15)", key="downtime_by_asset",
                              columns=[Column("asset", "Asset", "text"), Column("stoppages", "Stoppages", "number"),
                                       Column("hours", "Hours down", "hours")],
                              rows=[{"asset": f"{r['tag']} {r['name']}", "stoppages": r["stoppages"],
                                     "hours": num(r["hours"]), "_url": url} for r, url in zip(assets, asset_urls,
                                                                                               strict=True)]))
    code_urls = [cut.orders_url(kind=["corrective", "emergency"], status=["completed", "closed"],
                                problem_code=r["code_id"], **cut.date_range("completed")) for r in codes]
    charts.append(Chart(key="failures_by_code", title="Failures by problem code", kind="bar",
                        labels=[r["code"] for r in codes],
                        series=[("Failures", [r["failures"] for r in codes]),
                                ("Repeats", [r["repeats"] for r in codes])], unit="count", drill_urls=code_urls))
    tables.append(ReportTable(title="Failures by problem code", key="failures_by_code",
                              columns=[Column("code", "Code", "text"), Column("description", "Problem", "text"),
                                       Column("failures", "Failures", "number"),
                                       Column("repeats", "Repeats", "number")],
                              rows=[{"code": r["code"], "description": r["description"], "failures": r["failures"],
                                     "repeats": r["repeats"], "_url": url} for r, url in zip(codes, code_urls,
                                                                                             strict=True)]))
    repeats = rows(_repeats_sql(cut), p)
    tables.append(ReportTable(title=f"Repeat failures (same asset and problem within {scope.repeat_days} days)",
                              key="repeat_failures",
                              columns=[Column("order", "Order", "text"), Column("at", "Failed", "datetime"),
                                       Column("asset", "Asset", "text"), Column("problem", "Problem", "text"),
                                       Column("days_since", "Days since the previous one", "number")],
                              rows=[{"order": WorkOrder.number_of(r["id"]), "at": r["at"],
                                     "asset": f"{r['tag']} {r['asset_name']}",
                                     "problem": f"{r['code']} {r['description']}",
                                     "days_since": num(r["days_since"]),
                                     "_url": reverse("workorders:detail", args=[r["id"]])}
                                    for r in repeats]))
    return ReportResult("reliability", "Reliability", figures, charts, tables, labels=now["labels"])
