"""Work: PM and schedule compliance, planned vs unplanned, backlog (count, hours, ages, weeks of
crew capacity), orders opened and closed, overdue, estimated vs actual hours, first-time fix."""

from __future__ import annotations

from prosync.reports.kpis.results import Chart, Column, Figure, ReportResult, ReportTable
from prosync.reports.kpis.sql import Cut, T, num, one, ratio, rows
from prosync.reports.scope import ReportScope

DEFINITIONS = {
    "pm_compliance": "Preventive occurrences due in the period done by their due time (“on time”), as a share "
                     "of those done on time, late (after the due time, within their window) or missed (not done "
                     "by the window's end); those still pending are left out.",
    "schedule_compliance": "Orders due in the period (up to now) completed by their due time, as a share of all "
                           "of them that were not cancelled.",
    "planned_share": "Planned orders (preventive, predictive, inspection) as a share of the orders created in "
                     "the period; the rest are corrective or emergency.",
    "planned_hours_share": "Hours logged in the period on planned orders as a share of all hours logged.",
    "backlog_count": "Orders open (not completed, closed or cancelled) at the end of the period.",
    "backlog_hours": "Estimated hours of the orders open at the end of the period; orders without an estimate "
                     "count as 0 h.",
    "backlog_weeks": "Estimated hours of the backlog divided by the weekly hours of the technicians of the "
                     "sites in the scope (their “weekly capacity”; the team's members when a team is chosen).",
    "opened": "Orders created in the period.",
    "closed": "Orders completed in the period.",
    "overdue": "Orders open at the end of the period whose due time had passed.",
    "hours_vs_estimate": "Hours logged on the orders completed in the period that had an estimate, as a share of "
                         "their estimated hours (over 100 %: more than planned).",
    "first_time_fix": "Corrective and emergency orders completed in the period that needed no follow-up order "
                      "and were not followed by another corrective order on the same asset within the repeat "
                      "window (30 days unless chosen), as a share of all of them.",
}
LABELS = {
    "pm_compliance": "PM compliance", "schedule_compliance": "Schedule compliance",
    "planned_share": "Planned work (orders)", "planned_hours_share": "Planned work (hours)",
    "backlog_count": "Backlog", "backlog_hours": "Backlog hours", "backlog_weeks": "Backlog in crew weeks",
    "opened": "Orders opened", "closed": "Orders completed", "overdue": "Overdue",
    "hours_vs_estimate": "Hours against estimate", "first_time_fix": "First-time fix rate",
}
UNITS = {"pm_compliance": "%", "schedule_compliance": "%", "planned_share": "%", "planned_hours_share": "%",
         "backlog_count": "count", "backlog_hours": "h", "backlog_weeks": "weeks", "opened": "count",
         "closed": "count", "overdue": "count", "hours_vs_estimate": "%", "first_time_fix": "%"}
BETTER = {"pm_compliance": "higher", "schedule_compliance": "higher", "planned_share": "higher",
          "planned_hours_share": "higher", "backlog_count": "lower", "backlog_hours": "lower",
          "backlog_weeks": "lower", "opened": "lower", "closed": "higher", "overdue": "lower",
          "hours_vs_estimate": "lower", "first_time_fix": "higher"}
AGE_BUCKETS = [("0-7 days", 0, 7), ("8-30 days", 8, 30), ("31-90 days", 31, 90), ("over 90 days", 91, None)]


def _resolved(wo: str = "wo") -> str:
    """When an order left the backlog: completed, or cancelled (its status change, else its last update)."""
    return (f"coalesce({wo}.completed_at, (SELECT min(sc.at) FROM workorders_statuschange sc "
            f"WHERE sc.work_order_id = {wo}.id AND sc.to_status = 'cancelled'), "
            f"CASE WHEN {wo}.status = 'cancelled' THEN {wo}.updated_at END)")


def _orders_sql(cut: Cut) -> str:
    """Per bucket: opened, completed, backlog at the bucket's end (a running sum of orders in and
    out, from the backlog at the period's start)."""
    b = cut.local_bucket
    return f"""
    WITH buckets AS ({cut.BUCKETS}),
    o AS (
        SELECT wo.id, wo.kind, wo.created_at, wo.completed_at, {_resolved()} AS resolved_at
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE wo.created_at < %(end)s AND {cut.orders('wo', 'a')}
    ), events AS (
        SELECT {b('created_at')} AS bucket, 1 AS opened, 0 AS closed, 0 AS resolved,
               (kind = ANY(%(planned)s))::int AS planned
        FROM o WHERE created_at >= %(start)s
        UNION ALL SELECT {b('completed_at')}, 0, 1, 0, 0 FROM o
                  WHERE completed_at >= %(start)s AND completed_at < %(end)s
        UNION ALL SELECT {b('resolved_at')}, 0, 0, 1, 0 FROM o
                  WHERE resolved_at >= %(start)s AND resolved_at < %(end)s
    ), per_bucket AS (
        SELECT bucket, sum(opened) AS opened, sum(closed) AS closed, sum(resolved) AS resolved,
               sum(planned) AS planned
        FROM events GROUP BY bucket
    )
    SELECT bk.bucket, bk.label, coalesce(p.opened, 0) AS opened, coalesce(p.closed, 0) AS closed,
           coalesce(p.planned, 0) AS planned,
           (SELECT count(*) FROM o WHERE o.created_at < %(start)s
              AND (o.resolved_at IS NULL OR o.resolved_at >= %(start)s))
           + sum(coalesce(p.opened, 0) - coalesce(p.resolved, 0)) OVER (ORDER BY bk.bucket) AS backlog_end
    FROM buckets bk LEFT JOIN per_bucket p ON p.bucket = bk.bucket
    ORDER BY bk.bucket
    """


def _backlog_sql(cut: Cut) -> str:
    """The backlog at the end of the observed period by age, with estimated hours and overdue."""
    return f"""
    WITH o AS (
        SELECT wo.id, wo.created_at, wo.due_at, coalesce(wo.estimated_hours, 0) AS est,
               wo.estimated_hours IS NULL AS no_estimate
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE wo.created_at < %(obs_end)s AND {cut.orders('wo', 'a')}
          AND ({_resolved()} IS NULL OR {_resolved()} >= %(obs_end)s)
    )
    SELECT width_bucket(extract(epoch FROM %(obs_end)s - o.created_at) / 86400, ARRAY[8, 31, 91]) AS age,
           count(*) AS orders, sum(o.est) AS hours, count(*) FILTER (WHERE o.no_estimate) AS no_estimate,
           count(*) FILTER (WHERE o.due_at < %(obs_end)s) AS overdue
    FROM o GROUP BY 1 ORDER BY 1
    """


def _crew_sql(cut: Cut) -> str:
    s = cut.scope
    if s.technician:
        who = "u.id = %(technician)s"
    elif s.team:
        who = "u.id IN (SELECT tm.user_id FROM workorders_team_members tm WHERE tm.team_id = %(team)s)"
    else:
        who = (f"u.id IN (SELECT m.user_id FROM accounts_sitemembership m WHERE {cut.sites('m.site_id')}) "
               "AND u.id IN (SELECT ug.user_id FROM accounts_user_groups ug JOIN auth_group g ON g.id = ug.group_id "
               "WHERE g.name = 'Technician')")
    return f"SELECT coalesce(sum(u.weekly_capacity_hours), 0) AS capacity, count(*) AS people " \
           f"FROM accounts_user u WHERE u.is_active AND {who}"


def _period_sql(cut: Cut) -> str:
    return f"""
    SELECT
      (SELECT count(*) FILTER (WHERE pm.compliance = 'on_time') FROM workorders_pmoccurrence pm
         JOIN workorders_preventiveschedule ps ON ps.id = pm.schedule_id JOIN {T['asset']} a ON a.id = ps.asset_id
         WHERE pm.due_at >= %(start)s AND pm.due_at < %(end)s AND {cut.assets('a')} {_pm_people(cut)}) AS pm_on_time,
      (SELECT count(*) FILTER (WHERE pm.compliance = 'late') FROM workorders_pmoccurrence pm
         JOIN workorders_preventiveschedule ps ON ps.id = pm.schedule_id JOIN {T['asset']} a ON a.id = ps.asset_id
         WHERE pm.due_at >= %(start)s AND pm.due_at < %(end)s AND {cut.assets('a')} {_pm_people(cut)}) AS pm_late,
      (SELECT count(*) FILTER (WHERE pm.compliance = 'missed') FROM workorders_pmoccurrence pm
         JOIN workorders_preventiveschedule ps ON ps.id = pm.schedule_id JOIN {T['asset']} a ON a.id = ps.asset_id
         WHERE pm.due_at >= %(start)s AND pm.due_at < %(end)s AND {cut.assets('a')} {_pm_people(cut)}) AS pm_missed,
      (SELECT count(*) FILTER (WHERE pm.compliance = 'pending') FROM workorders_pmoccurrence pm
         JOIN workorders_preventiveschedule ps ON ps.id = pm.schedule_id JOIN {T['asset']} a ON a.id = ps.asset_id
         WHERE pm.due_at >= %(start)s AND pm.due_at < %(end)s AND {cut.assets('a')} {_pm_people(cut)}) AS pm_pending,
      (SELECT row(count(*), count(*) FILTER (WHERE wo.completed_at <= wo.due_at))::text
         FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
         WHERE wo.due_at >= %(start)s AND wo.due_at < %(obs_end)s AND wo.status <> 'cancelled'
           AND {cut.orders('wo', 'a')}) AS schedule,
      (SELECT row(coalesce(sum(te.hours) FILTER (WHERE wo.kind = ANY(%(planned)s)), 0),
                  coalesce(sum(te.hours), 0))::text
         FROM workorders_timeentry te JOIN {T['wo']} wo ON wo.id = te.work_order_id
         LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
         WHERE te.started_at >= %(start)s AND te.started_at < %(end)s AND {cut.orders('wo', 'a')}) AS hours,
      (SELECT row(coalesce(sum(wo.estimated_hours), 0), coalesce(sum(wo.actual_hours), 0), count(*))::text
         FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
         WHERE wo.completed_at >= %(start)s AND wo.completed_at < %(end)s AND wo.estimated_hours > 0
           AND {cut.orders('wo', 'a')}) AS estimate
    """


def _first_time_fix_sql(cut: Cut) -> str:
    """Corrective orders completed in the period, and those of them with no follow-up order and no
    corrective order on the same asset created within the repeat window after their completion
    (a join on the asset, not a correlated lookup per order)."""
    return f"""
    WITH c AS (
        SELECT wo.id, wo.asset_id, wo.completed_at
        FROM {T['wo']} wo LEFT JOIN {T['asset']} a ON a.id = wo.asset_id
        WHERE wo.kind = ANY(%(corrective)s) AND wo.status = ANY(%(done)s)
          AND wo.completed_at >= %(start)s AND wo.completed_at < %(end)s AND {cut.orders('wo', 'a')}
    ), redone AS (
        SELECT DISTINCT c.id FROM c JOIN {T['wo']} r ON r.asset_id = c.asset_id
        WHERE r.kind = ANY(%(corrective)s) AND r.created_at > c.completed_at
          AND r.created_at <= c.completed_at + make_interval(days => %(repeat_days)s)
        UNION SELECT f.follow_up_of_id FROM {T['wo']} f JOIN c ON c.id = f.follow_up_of_id
    )
    SELECT count(*) AS completed, count(*) FILTER (WHERE redone.id IS NULL) AS fixed
    FROM c LEFT JOIN redone ON redone.id = c.id
    """


def _pm_people(cut: Cut) -> str:
    s = cut.scope
    parts = []
    if s.team:
        parts.append("ps.team_id = %(team)s")
    if s.technician:
        parts.append("ps.assignee_id = %(technician)s")
    return "".join(f" AND {p}" for p in parts)


def _pair(text: str | None) -> list[float]:
    """A row(...)::text of numbers, e.g. "(3,2.50)", as floats."""
    return [float(x) for x in (text or "(0,0,0)").strip("()").split(",")]


def _headline(cut: Cut) -> dict:
    p = cut.params()
    series = rows(_orders_sql(cut), p)
    ages = {r["age"]: r for r in rows(_backlog_sql(cut), p)}
    crew = one(_crew_sql(cut), p)
    period = one(_period_sql(cut), p)
    ftf = one(_first_time_fix_sql(cut), p)
    due, on_time = _pair(period["schedule"])[:2]
    planned_h, all_h = _pair(period["hours"])[:2]
    est, actual, _ = _pair(period["estimate"])
    ftf_all, ftf_ok = ftf["completed"], ftf["fixed"]
    pm_done = period["pm_on_time"] + period["pm_late"] + period["pm_missed"]
    opened = sum(r["opened"] for r in series)
    backlog_hours = float(sum(r["hours"] for r in ages.values()))
    capacity = float(crew["capacity"])
    return {
        "labels": [r["label"] for r in series],
        "opened_spark": [r["opened"] for r in series], "closed_spark": [r["closed"] for r in series],
        "backlog_spark": [r["backlog_end"] for r in series],
        "planned_spark": [r["planned"] for r in series],
        "pm": period, "ages": ages, "crew": crew,
        "pm_compliance": ratio(period["pm_on_time"], pm_done),
        "schedule_compliance": ratio(on_time, due),
        "planned_share": ratio(sum(r["planned"] for r in series), opened),
        "planned_hours_share": ratio(planned_h, all_h),
        "planned_hours": planned_h, "all_hours": all_h,
        "backlog_count": sum(r["orders"] for r in ages.values()),
        "backlog_hours": num(backlog_hours),
        "backlog_weeks": num(backlog_hours / capacity, 2) if capacity else None,
        "no_estimate": sum(r["no_estimate"] for r in ages.values()),
        "opened": opened, "closed": sum(r["closed"] for r in series),
        "overdue": sum(r["overdue"] for r in ages.values()),
        "hours_vs_estimate": ratio(actual, est), "estimated": est, "actual": actual,
        "first_time_fix": ratio(ftf_ok, ftf_all),
    }


def compute(scope: ReportScope, user, *, detail: bool = True) -> ReportResult:
    """The family's figures against the previous period; with ``detail``, its charts and tables too."""
    cut = Cut(scope, user)
    if not cut.allowed():
        return ReportResult("work", "Work", [], [], [])
    now, before = _headline(cut), _headline(Cut(scope.previous(), user))
    open_url = cut.orders_url(is_open="true")
    drill = {
        "pm_compliance": cut.orders_url(kind="preventive", **cut.date_range("due")),
        "schedule_compliance": cut.orders_url(**cut.date_range("due")),
        "planned_share": cut.orders_url(**cut.date_range("created")),
        "planned_hours_share": cut.orders_url(**cut.date_range("created")),
        "backlog_count": open_url, "backlog_hours": open_url, "backlog_weeks": open_url,
        "opened": cut.orders_url(**cut.date_range("created")),
        "closed": cut.orders_url(**cut.date_range("completed")),
        "overdue": cut.orders_url(overdue="true"),
        "hours_vs_estimate": cut.orders_url(**cut.date_range("completed")),
        "first_time_fix": cut.orders_url(kind=["corrective", "emergency"], **cut.date_range("completed")),
    }
    notes = {
        "pm_compliance": "No preventive occurrence due in the period has been done or missed yet.",
        "schedule_compliance": "No order was due in the period.",
        "planned_share": "No order was created in the period.",
        "planned_hours_share": "No hours were logged in the period.",
        "backlog_weeks": "No technician with weekly hours in the scope: set people's weekly capacity.",
        "hours_vs_estimate": "No order with an estimate was completed in the period.",
        "first_time_fix": "No corrective order was completed in the period.",
    }
    sparks = {"opened": now["opened_spark"], "closed": now["closed_spark"], "backlog_count": now["backlog_spark"]}
    definitions = dict(DEFINITIONS)
    if now["no_estimate"]:
        definitions["backlog_hours"] += f" {now['no_estimate']} open orders have no estimate."
    figures = [Figure(key=k, label=LABELS[k], value=now[k], unit=UNITS[k], definition=definitions[k],
                      previous=before[k], better=BETTER[k], drill_url=drill.get(k), spark=sparks.get(k, []),
                      note=notes.get(k, "") if now[k] is None else "")
               for k in LABELS]
    if not detail:
        return ReportResult("work", "Work", figures, [], [], labels=now["labels"])

    labels = now["labels"]
    created_urls = [cut.orders_url(created_after=lb, created_before=lb) if scope.bucket() == "day" else None
                    for lb in labels]
    charts = [
        Chart(key="opened_closed", title="Orders opened and completed", kind="bar", labels=labels,
              series=[("Opened", now["opened_spark"]), ("Completed", now["closed_spark"])], unit="count",
              drill_urls=created_urls),
        Chart(key="backlog_trend", title="Backlog at the end of each " + scope.bucket(), kind="line", labels=labels,
              series=[("Open orders", now["backlog_spark"])], unit="count"),
    ]
    tables = [ReportTable(title="Orders opened and completed", key="opened_closed",
                          columns=[Column("period", "Period starting", "date"), Column("opened", "Opened", "number"),
                                   Column("closed", "Completed", "number"),
                                   Column("backlog", "Open at the end", "number")],
                          rows=[{"period": lb, "opened": o, "closed": c, "backlog": b} for lb, o, c, b in zip(
                              labels, now["opened_spark"], now["closed_spark"], now["backlog_spark"], strict=True)])]
    age_rows = []
    for index, (name, low, high) in enumerate(AGE_BUCKETS):
        found = now["ages"].get(index, {})
        age_rows.append({"age": name, "orders": found.get("orders", 0), "hours": num(found.get("hours", 0)),
                         "overdue": found.get("overdue", 0),
                         "_url": cut.orders_url(is_open="true", age_min=low, age_max=high)})
    charts.append(Chart(key="backlog_age", title="Backlog by age", kind="bar", labels=[r["age"] for r in age_rows],
                        series=[("Open orders", [r["orders"] for r in age_rows])], unit="count",
                        drill_urls=[r["_url"] for r in age_rows]))
    tables.append(ReportTable(title="Backlog by age", key="backlog_age",
                              columns=[Column("age", "Age", "text"), Column("orders", "Open orders", "number"),
                                       Column("hours", "Estimated hours", "hours"),
                                       Column("overdue", "Overdue", "number")], rows=age_rows))
    pm = now["pm"]
    pm_rows = [("Done on time", pm["pm_on_time"]), ("Done late", pm["pm_late"]), ("Missed", pm["pm_missed"]),
               ("Pending", pm["pm_pending"])]
    charts.append(Chart(key="pm_compliance", title="Preventive maintenance due in the period", kind="bar",
                        labels=[n for n, _ in pm_rows], series=[("Occurrences", [v for _, v in pm_rows])],
                        unit="count"))
    tables.append(ReportTable(title="Preventive maintenance due in the period", key="pm_compliance",
                              columns=[Column("state", "State", "text"), Column("count", "Occurrences", "number")],
                              rows=[{"state": n, "count": v} for n, v in pm_rows]))
    unplanned_h = now["all_hours"] - now["planned_hours"]
    charts.append(Chart(key="planned_unplanned", title="Planned and unplanned work", kind="stacked",
                        labels=["Orders", "Hours"],
                        series=[("Planned", [sum(now["planned_spark"]), num(now["planned_hours"])]),
                                ("Unplanned", [now["opened"] - sum(now["planned_spark"]), num(unplanned_h)])],
                        unit="count"))
    tables.append(ReportTable(title="Planned and unplanned work", key="planned_unplanned",
                              columns=[Column("kind", "Work", "text"), Column("orders", "Orders created", "number"),
                                       Column("hours", "Hours logged", "hours")],
                              rows=[{"kind": "Planned", "orders": sum(now["planned_spark"]),
                                     "hours": num(now["planned_hours"])},
                                    {"kind": "Unplanned", "orders": now["opened"] - sum(now["planned_spark"]),
                                     "hours": num(unplanned_h)}]))
    tables.append(ReportTable(title="Estimated and logged hours (orders completed with an estimate)",
                              key="hours_vs_estimate",
                              columns=[Column("estimated", "Estimated", "hours"), Column("actual", "Logged", "hours")],
                              rows=[{"estimated": num(now["estimated"]), "actual": num(now["actual"])}]))
    return ReportResult("work", "Work", figures, charts, tables, labels=now["labels"])
