"""The KPIs on small histories built by hand, each answer worked out by hand in the test."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from assets.models import Downtime
from prosync.reports.kpis import FAMILIES
from prosync.reports.scope import scope_from_params
from workorders.models import FailureCode, StatusChange, WorkOrder

UTC = ZoneInfo("UTC")
WEEK = {"period": "custom", "start": "2026-03-02", "end": "2026-03-08"}  # Monday to Sunday


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """A time in the week of 2 March 2026 (day 2 = Monday ... 8 = Sunday), UTC."""
    return datetime(2026, 3, day, hour, minute, tzinfo=UTC)


def scope_for(user, **params):
    scope, form = scope_from_params({**WEEK, **params}, user)
    assert scope is not None, form.errors
    return scope


def down(asset, start, end, reason="breakdown"):
    return Downtime.objects.create(asset=asset, started_at=start, ended_at=end, reason_code=reason)


def order(site, asset, *, kind="corrective", created, started=None, completed=None, code=None, downtime=None,
          status=None, **fields):
    """An order with its lifecycle back-dated: created, first response, started, completed."""
    wo = WorkOrder.objects.create(site=site, asset=asset, title=f"{kind} on {asset}", kind=kind,
                                  problem_code=code, downtime=downtime,
                                  status=status or ("completed" if completed else "open"),
                                  completed_at=completed, **fields)
    WorkOrder.objects.filter(pk=wo.pk).update(created_at=created)
    if started:
        StatusChange.objects.create(work_order=wo, from_status="open", to_status="in_progress", at=started)
    return wo


def make_codes():
    return (FailureCode.objects.create(kind="problem", code="LEAK", description="Leaking"),
            FailureCode.objects.create(kind="problem", code="VIB", description="Vibration"))


@pytest.fixture
def codes(db):
    return make_codes()


def reliability_history(plant, codes):
    leak, vib = codes
    site = plant.site_a
    site.operating_hours = {d: [["08:00", "16:00"]] for d in ("mon", "tue", "wed", "thu", "fri")}
    site.save()
    d1 = down(plant.asset_a, at(2, 10), at(2, 14))
    down(plant.asset_a, at(2, 12), at(2, 18))                            # overlaps d1: one stoppage 10:00-18:00
    down(plant.asset_a, at(4, 6), at(4, 9), reason="planned_maintenance")   # not a failure; 1 h inside the hours
    down(plant.child_a, at(5, 15), at(6, 9), reason="utility_failure")      # Thu 15:00 - Fri 09:00
    down(plant.child_a, at(7, 8), at(7, 12), reason="no_demand")            # idle: no downtime
    down(plant.asset_b, at(3, 0), at(4, 0))                                 # site B: never for site A
    order(plant.site_b, plant.asset_b, created=at(3, 1), started=at(3, 2), completed=at(3, 20), code=leak)

    # WO1 is about the merged stoppage: no second failure. First response 30 min, on the job 6 h.
    wo1 = order(site, plant.asset_a, created=at(2, 10, 5), started=at(2, 11), completed=at(2, 17), code=leak,
                downtime=d1)
    StatusChange.objects.create(work_order=wo1, from_status="open", to_status="assigned", at=at(2, 10, 35))
    StatusChange.objects.filter(work_order=wo1, to_status="in_progress").update(from_status="assigned")
    # WO2 and WO5: the same asset and problem three days apart: two failures, the second a repeat.
    order(site, plant.child_a, kind="emergency", created=at(3, 9), started=at(3, 10), completed=at(3, 12), code=vib)
    order(site, plant.child_a, created=at(6, 10), started=at(6, 10), completed=at(6, 13), code=vib)
    # WO3: no problem code: repaired (1 h) but not a failure.
    order(site, plant.asset_a, created=at(4, 9), started=at(4, 9, 30), completed=at(4, 10, 30))
    # Before the period: neither a failure nor a repair of this week.
    order(site, plant.asset_a, created=at(1, 9), started=at(1, 9), completed=at(1, 11), code=leak)


@pytest.mark.django_db
def test_reliability_kpis_mtbf_mttr_availability_worked_by_hand(plant, codes):
    reliability_history(plant, codes)
    result = FAMILIES["reliability"](scope_for(plant.tech_a), plant.tech_a)
    f = {x.key: x.value for x in result.figures}
    # Failures: stoppage of P-100 Mon 10-18 (two overlapping breakdowns), stoppage of P-100-M Thu 15 - Fri 9,
    # WO2 and WO5 (not about a stoppage) = 4. WO1 is about the first stoppage; WO3 has no code.
    assert f["failures"] == 4
    # Scheduled: 2 assets x 5 days x 8 h = 80 h. Down inside it: Mon 10-16 (6 h) + Wed 8-9 (1 h)
    # + Thu 15-16 and Fri 8-9 (2 h) = 9 h. Availability = 71 / 80 = 88.75 %.
    assert f["availability"] == pytest.approx(88.75)
    # 24/7: 2 x 168 = 336 h; down 8 h + 3 h + 18 h = 29 h -> 307 / 336 = 91.37 %.
    assert f["availability_247"] == pytest.approx(91.37, abs=0.005)
    assert f["downtime_hours"] == pytest.approx(29)
    # MTBF = 71 operating hours / 4 failures = 17.75 h.
    assert f["mtbf"] == pytest.approx(17.75)
    # MTTR on downtime: (8 h + 18 h) / 2 = 13 h. On orders: WO1 6 h, WO2 2 h, WO5 3 h, WO3 1 h -> 12 / 4 = 3 h.
    assert f["mttr_downtime"] == pytest.approx(13)
    assert f["mttr_repair"] == pytest.approx(3)
    # MTTA: WO1 30 min, WO2 60 min, WO5 0 min, WO3 30 min -> 120 / 4 = 30 min.
    assert f["mtta"] == pytest.approx(30)
    # WO5 repeats WO2 (same motor, same code, 3 days apart); WO1 repeats the leak of 1 March on the same
    # pump (the window reaches back before the period) = 2.
    assert f["repeat_failures"] == 2
    reasons = next(c for c in result.charts if c.key == "downtime_by_reason")
    # Clipped to the period, not merged across reasons: breakdown 4 + 6 = 10 h, utility 18 h, planned 3 h, idle 4 h.
    assert dict(zip(reasons.labels, reasons.series[0][1], strict=True)) == {
        "Utility failure (power, air, water)": 18, "Breakdown (unplanned failure)": 10,
        "No demand / idle": 4, "Planned maintenance": 3}


def work_history(plant):
    from workorders.models import PMOccurrence, PreventiveSchedule, TimeEntry

    site, pump = plant.site_a, plant.asset_a
    plant.tech_a.weekly_capacity_hours = Decimal("22")
    plant.tech_a.save()
    # The backlog at the end of the week (Mon 9 March 00:00), by age:
    order(site, plant.child_a, created=at(8, 12), estimated_hours=2, due_at=at(10, 0))        # B1: 0.5 d
    order(site, pump, created=datetime(2026, 2, 20, tzinfo=UTC), estimated_hours=3,
          due_at=datetime(2026, 3, 1, tzinfo=UTC))                                             # B2: 17 d, overdue
    order(site, pump, created=datetime(2026, 1, 1, tzinfo=UTC), status="on_hold")              # B3: 67 d, no estimate
    order(site, pump, created=datetime(2025, 10, 1, tzinfo=UTC), estimated_hours=5)            # B4: 159 d
    order(site, pump, created=datetime(2026, 2, 1, tzinfo=UTC), completed=at(10, 9), estimated_hours=1)  # C1: 36 d
    x1 = order(site, pump, created=datetime(2026, 2, 1, tzinfo=UTC), completed=at(3, 9))       # done: not open
    cancelled = order(site, pump, created=datetime(2026, 2, 1, tzinfo=UTC), status="cancelled")
    StatusChange.objects.create(work_order=cancelled, from_status="open", to_status="cancelled", at=at(4, 9))
    # Due in the week: S1 on time, S2 late, S3 still open (and overdue, 6.7 days old, in the backlog).
    s1 = order(site, pump, kind="preventive", created=at(2, 8), completed=at(3, 10), due_at=at(3, 12),
               estimated_hours=2, actual_hours=3)
    order(site, pump, kind="inspection", created=at(2, 8), completed=at(5, 10), due_at=at(4, 12),
          estimated_hours=4, actual_hours=5)
    s3 = order(site, pump, created=at(2, 8), due_at=at(5, 0))
    # F1: a second corrective order on the pump 3 days after X1 was completed: X1 was not fixed the first time.
    order(site, pump, created=at(6, 9), completed=at(7, 9))
    TimeEntry.objects.create(work_order=s1, user=plant.tech_a, started_at=at(3, 8), ended_at=at(3, 11), hours=3)
    TimeEntry.objects.create(work_order=s3, user=plant.tech_a, started_at=at(5, 8), ended_at=at(5, 9), hours=1)
    schedule = PreventiveSchedule.objects.create(asset=pump, title="Grease bearings")
    for seq, (day, compliance) in enumerate([(2, "on_time"), (3, "on_time"), (4, "late"), (5, "missed"),
                                             (6, "pending")], start=1):
        PMOccurrence.objects.create(schedule=schedule, seq=seq, due_at=at(day, 8), window_ends_at=at(day, 20),
                                    compliance=compliance)
    PMOccurrence.objects.create(schedule=schedule, seq=9, due_at=datetime(2026, 2, 2, tzinfo=UTC),
                                window_ends_at=datetime(2026, 2, 3, tzinfo=UTC), compliance="missed")
    # Site B: an open order and a missed PM that must never count for site A.
    order(plant.site_b, plant.asset_b, created=at(3, 8), estimated_hours=50)
    other = PreventiveSchedule.objects.create(asset=plant.asset_b, title="Grease B")
    PMOccurrence.objects.create(schedule=other, seq=1, due_at=at(3, 8), window_ends_at=at(3, 20), compliance="missed")
    return x1


@pytest.mark.django_db
def test_work_kpis_pm_compliance_backlog_ages_worked_by_hand(plant):
    work_history(plant)
    result = FAMILIES["work"](scope_for(plant.tech_a), plant.tech_a)
    f = {x.key: x.value for x in result.figures}
    # PM due in the week: 2 on time, 1 late, 1 missed (1 pending left out) -> 2 / 4 = 50 %.
    assert f["pm_compliance"] == 50
    # Backlog on 9 March: B1, B2, B3, B4, C1 (completed only on the 10th) and S3 = 6 orders,
    # estimated 2 + 3 + 0 + 5 + 1 + 0 = 11 h; tech_a's 22 h a week -> 0.5 weeks.
    assert f["backlog_count"] == 6
    assert f["backlog_hours"] == 11
    assert f["backlog_weeks"] == 0.5
    ages = next(t for t in result.tables if t.key == "backlog_age").rows
    # 0-7 days: B1 and S3; 8-30: B2; 31-90: B3 and C1; over 90: B4.
    assert [r["orders"] for r in ages] == [2, 1, 2, 1]
    assert [r["hours"] for r in ages] == [2, 3, 1, 5]
    # Overdue at the end of the week: B2 (due 1 March) and S3 (due 5 March).
    assert f["overdue"] == 2
    # Due in the week and not cancelled: S1 on time, S2 late, S3 open -> 1 / 3.
    assert f["schedule_compliance"] == pytest.approx(33.3)
    # Created in the week: B1, S1, S2, S3, F1 = 5, of which S1 (preventive) and S2 (inspection) are planned: 40 %.
    assert f["opened"] == 5 and f["planned_share"] == 40
    # Completed in the week: X1, S1, S2, F1.
    assert f["closed"] == 4
    # Hours logged: 3 h on S1 (planned), 1 h on S3 (unplanned) -> 75 %.
    assert f["planned_hours_share"] == 75
    # Completed with an estimate: S1 2 h est / 3 h logged, S2 4 h / 5 h -> 8 / 6 = 133.3 %.
    assert f["hours_vs_estimate"] == pytest.approx(133.3)
    # Corrective completed in the week: X1 (followed by F1 on the same pump 3 days later) and F1 -> 1 / 2.
    assert f["first_time_fix"] == 50
    # The backlog trend ends where the backlog figure stands; it rose from 5 on 2 March's start.
    trend = next(c for c in result.charts if c.key == "backlog_trend").series[0][1]
    assert trend[-1] == 6


@pytest.mark.django_db
def test_cost_kpis_roll_up_labour_and_parts_worked_by_hand(plant):
    from assets.models import Part, StockLevel, Storeroom
    from workorders.models import PartUsage, TimeEntry

    site = plant.site_a
    plant.asset_a.purchase_cost = Decimal("10000")
    plant.asset_a.save()
    pump_order = order(site, plant.asset_a, created=at(2, 8))
    motor_order = order(site, plant.child_a, created=at(2, 8))
    b_order = order(plant.site_b, plant.asset_b, created=at(2, 8))
    store, store_b = Storeroom.objects.create(site=site, code="main", name="Main"), \
        Storeroom.objects.create(site=plant.site_b, code="main-b", name="Main B")
    seal = Part.objects.create(part_number="SEAL-1", name="Seal", unit_cost=Decimal("25"))
    motor = Part.objects.create(part_number="MOT-1", name="Motor", unit_cost=Decimal("300"))

    def entry(wo, user, start, hours, rate, finished=True):
        TimeEntry.objects.create(work_order=wo, user=user, started_at=start, hours=hours, hourly_rate=rate,
                                 ended_at=start + (hours and __import__("datetime").timedelta(hours=hours))
                                 if finished else None)

    entry(pump_order, plant.tech_a, at(3, 8), 2, 50)                    # 100
    entry(motor_order, plant.manager_a, at(4, 8), 3, 40)                # 120
    entry(motor_order, plant.tech_a, at(5, 8), 0, 40, finished=False)  # still running: no cost yet
    entry(pump_order, plant.manager_a, at(1, 8), 5, 50)                 # before the period
    entry(b_order, plant.tech_b, at(3, 8), 10, 50)                      # site B
    PartUsage.objects.create(work_order=pump_order, part=seal, storeroom=store, quantity=2, unit_cost=25,
                             issued_at=at(3, 9))                          # 50
    PartUsage.objects.create(work_order=motor_order, part=motor, storeroom=store, quantity=1, unit_cost=300,
                             issued_at=at(5, 9))                          # 300
    PartUsage.objects.create(work_order=b_order, part=motor, storeroom=store_b, quantity=3, unit_cost=300,
                             issued_at=at(5, 9))                          # site B
    StockLevel.objects.create(part=seal, storeroom=store, on_hand=10)    # 10 x 25 = 250
    StockLevel.objects.create(part=motor, storeroom=store, on_hand=2)    # 2 x 300 = 600
    StockLevel.objects.create(part=motor, storeroom=store_b, on_hand=100)

    result = FAMILIES["cost"](scope_for(plant.tech_a), plant.tech_a)
    f = {x.key: x.value for x in result.figures}
    # Labour 100 + 120 = 220; parts 50 + 300 = 350; total 570.
    assert (f["labour_cost"], f["parts_cost"], f["total_cost"]) == (220, 350, 570)
    assert f["parts_issued"] == 2
    # Only the pump has a purchase cost: its 100 + 50 = 150 over 7 days -> 150 x 365 / 7 = 7821.43 a year
    # over 10,000 = 78.21 %.
    assert f["cost_share_of_purchase"] == pytest.approx(78.21)
    # Stock on hand in site A: 250 + 600 = 850; turns = 350 x 365 / 7 = 18,250 issued a year / 850 = 21.47.
    assert f["stock_value"] == 850
    assert f["stock_turns"] == pytest.approx(21.47)
    by_asset = {r["name"]: r["total"] for r in next(t for t in result.tables if t.key == "cost_by_asset").rows}
    assert by_asset == {"P-100-M Motor A": 420, "P-100 Feed pump A": 150}
    by_site = next(t for t in result.tables if t.key == "cost_by_site").rows
    assert [(r["name"], r["total"]) for r in by_site] == [("Alpha Plant", 570)]
    parts = next(t for t in result.tables if t.key == "top_parts").rows
    assert [(r["part"], r["quantity"], r["cost"]) for r in parts] == [("MOT-1 Motor", 1, 300), ("SEAL-1 Seal", 2, 50)]


@pytest.mark.django_db
def test_predictive_kpis_precision_and_lead_time_worked_by_hand(plant):
    from telemetry.models import Alert

    site = plant.site_a

    def alert(asset, opened, source="prediction"):
        a = Alert.objects.create(site=asset.site, asset=asset, source=source, cause=f"cause-{opened:%d%H}",
                                 title="Low health")
        Alert.objects.filter(pk=a.pk).update(opened_at=opened)
        return a

    warned = alert(plant.asset_a, at(2, 0))
    alert(plant.asset_a, at(4, 0))
    alert(plant.child_a, at(5, 0), source="rule")
    alert(plant.asset_b, at(5, 0))                                       # site B
    # PW1: raised by the alert of Monday 00:00, fault confirmed Wednesday 12:00 -> 2.5 days of warning.
    order(site, plant.asset_a, kind="predictive", created=at(2, 1), completed=at(4, 12), outcome="fault_confirmed",
          source="prediction", source_ref=str(warned.pk))
    # PW2: no alert linked: from its creation, Tuesday 00:00, to Wednesday 00:00 -> 1 day.
    order(site, plant.child_a, kind="predictive", created=at(3, 0), completed=at(4, 0), outcome="fault_confirmed")
    order(site, plant.child_a, kind="predictive", created=at(3, 0), completed=at(4, 0), outcome="no_fault_found")
    order(site, plant.child_a, kind="predictive", created=at(3, 0), completed=at(4, 0))   # no answer
    for _ in range(4):
        order(site, plant.asset_a, created=at(3, 0))
    order(plant.site_b, plant.asset_b, kind="predictive", created=at(3, 0), completed=at(4, 0),
          outcome="no_fault_found")
    # Breakdowns in the year before: the pump 1 Feb 00:00-06:00 and 04:00-10:00 (one stoppage of 10 h),
    # the motor 10 Jan 2 h -> 6 h on average.
    down(plant.asset_a, datetime(2026, 2, 1, 0, tzinfo=UTC), datetime(2026, 2, 1, 6, tzinfo=UTC))
    down(plant.asset_a, datetime(2026, 2, 1, 4, tzinfo=UTC), datetime(2026, 2, 1, 10, tzinfo=UTC))
    down(plant.child_a, datetime(2026, 1, 10, 0, tzinfo=UTC), datetime(2026, 1, 10, 2, tzinfo=UTC))

    result = FAMILIES["predictive"](scope_for(plant.tech_a), plant.tech_a)
    f = {x.key: x.value for x in result.figures}
    assert f["alerts_raised"] == 3 and f["prediction_alerts"] == 2
    # Two faults confirmed out of three answers: 66.7 %.
    assert f["precision"] == pytest.approx(66.7)
    # (2.5 + 1) / 2 = 1.75 days.
    assert f["lead_time"] == pytest.approx(1.75)
    # Created in the week: 4 predictive of 8 orders.
    assert f["predictive_share"] == 50
    # 2 confirmed faults x 6 h = 12 h.
    assert f["downtime_avoided"] == 12


@pytest.mark.django_db
def test_report_scope_site_b_never_counts_for_a_site_a_technician(plant, codes):
    reliability_history(plant, codes)
    # Site B had a 24 h breakdown on Tuesday and a completed leak repair.
    tech_a = FAMILIES["reliability"](scope_for(plant.tech_a), plant.tech_a, detail=False)
    admin_a = FAMILIES["reliability"](scope_for(plant.admin, site=plant.site_a.pk), plant.admin, detail=False)
    admin_all = FAMILIES["reliability"](scope_for(plant.admin), plant.admin, detail=False)
    values = [{f.key: f.value for f in r.figures} for r in (tech_a, admin_a, admin_all)]
    assert values[0] == values[1]
    # The admin across both sites sees one more failure (site B's stoppage; its order is about no stoppage
    # but was created on Tuesday 01:00 with a code: a second one) and 24 h more downtime.
    assert values[2]["failures"] == values[0]["failures"] + 2
    assert values[2]["downtime_hours"] == values[0]["downtime_hours"] + 24
    # A site-A technician cannot even ask for site B: the filter refuses it as an unknown choice.
    scope, form = scope_from_params({**WEEK, "site": plant.site_b.pk}, plant.tech_a)
    assert scope is None and "site" in form.errors
    scope, form = scope_from_params({**WEEK, "asset": plant.asset_b.pk}, plant.tech_a)
    assert scope is None and "asset" in form.errors


@pytest.mark.django_db
def test_report_drill_down_lists_the_orders_behind_a_kpi(plant, codes, client):
    reliability_history(plant, codes)
    result = FAMILIES["reliability"](scope_for(plant.tech_a), plant.tech_a)
    failures = next(f for f in result.figures if f.key == "failures")
    client.force_login(plant.tech_a)
    page = client.get(failures.drill_url).content.decode()
    # The coded corrective orders completed in the week: WO1, WO2 and WO5; not WO3 (no code), not the
    # order of 1 March, not site B's.
    listed = {wo.number for wo in WorkOrder.objects.all() if wo.number in page}
    expected = set(WorkOrder.objects.filter(site=plant.site_a, problem_code__isnull=False,
                                            completed_at__gte=at(2, 0)).values_list("pk", flat=True))
    assert listed == {WorkOrder.number_of(pk) for pk in expected} and len(listed) == 3
    chart = next(c for c in result.charts if c.key == "failures_by_code")
    vib = chart.labels.index("VIB")
    page = client.get(chart.drill_urls[vib]).content.decode()
    assert {wo.number for wo in WorkOrder.objects.all() if wo.number in page} == {
        wo.number for wo in WorkOrder.objects.filter(problem_code=codes[1], site=plant.site_a)}


def test_report_readme_defines_every_kpi_as_the_pages_do():
    from pathlib import Path

    from prosync.reports.kpis import CATALOGUE

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for kpi in CATALOGUE.values():
        assert f"(`{kpi.key}`" in readme and kpi.definition in readme, kpi.key


@pytest.mark.django_db
def test_report_downtime_bars_lead_to_the_stoppages_behind_them(plant, codes, client):
    import csv
    import io

    reliability_history(plant, codes)
    result = FAMILIES["reliability"](scope_for(plant.tech_a), plant.tech_a)
    pareto = next(c for c in result.charts if c.key == "downtime_by_reason")
    client.force_login(plant.tech_a)
    url = pareto.drill_urls[pareto.labels.index("Breakdown (unplanned failure)")]
    assert client.get(url).status_code == 200
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(url + "&format=csv").streaming_content).decode())))
    # The two overlapping breakdowns of the pump on Monday; not site B's breakdown of Tuesday.
    assert sorted((r["Asset"], r["Down from"]) for r in rows) == [("P-100", "2026-03-02 10:00"),
                                                                   ("P-100", "2026-03-02 12:00")]
    assert {r["Hours down"] for r in rows} == {"4.0", "6.0"}
    by_asset = next(c for c in result.charts if c.key == "downtime_by_asset")
    motor = by_asset.drill_urls[by_asset.labels.index("P-100-M")]
    rows = list(csv.DictReader(io.StringIO(b"".join(client.get(motor + "&format=csv").streaming_content).decode())))
    # The motor's utility failure (18 h), not its idle stop, which is no lost time.
    assert [(r["Reason"], r["Hours down"]) for r in rows] == [("Utility failure (power, air, water)", "18.0")]


@pytest.mark.django_db
def test_report_overview_tiles_compare_with_the_week_before(plant, codes):
    from prosync.reports.kpis import overview

    reliability_history(plant, codes)
    tiles = {f.key: f for f in overview(scope_for(plant.tech_a), plant.tech_a)}
    assert list(tiles)[:4] == ["availability", "mtbf", "mttr_downtime", "failures"]
    failures = tiles["failures"]
    # This week 4; the week before only the leak of Sunday 1 March (the pump, 2 h on the order) = 1.
    assert (failures.value, failures.previous, failures.better) == (4, 1, "lower")
    # Per day: Monday the merged stoppage, Tuesday WO2, Thursday the motor's stoppage, Friday WO5.
    assert failures.spark == [1, 1, 0, 1, 1, 0, 0]
    # The week before had no calendar hours down: availability was 100 %.
    assert tiles["availability"].previous == 100 and tiles["availability"].value == pytest.approx(88.75)
    assert all(t.definition for t in tiles.values())


@pytest.mark.django_db
def test_report_cuts_by_location_subtree_and_technician(plant, codes):
    from assets.models import Location

    reliability_history(plant, codes)
    hall = Location.objects.create(site=plant.site_a, code="H1", name="Hall 1")
    line = Location.objects.create(site=plant.site_a, code="L1", name="Line 1", parent=hall)
    Location.objects.filter(pk=hall.pk).update(path=f"/{hall.pk}/")
    Location.objects.filter(pk=line.pk).update(path=f"/{hall.pk}/{line.pk}/", depth=1)
    plant.child_a.location = line
    plant.child_a.save()
    hall.refresh_from_db()
    f = {x.key: x.value for x in FAMILIES["reliability"](scope_for(plant.tech_a, location=hall.pk), plant.tech_a,
                                                        detail=False).figures}
    # The hall holds only the motor (on the line inside it): 40 scheduled hours, 2 h down inside them
    # (Thu 15-16, Fri 8-9) -> 95 %; its failures: the utility stoppage, WO2 and WO5 = 3.
    assert f["availability"] == 95 and f["failures"] == 3
    # The technician's own orders: WO2 as lead, WO5 as one of the assignees (no stoppage is about them).
    wo2, wo5 = WorkOrder.objects.filter(asset=plant.child_a, problem_code=codes[1]).order_by("created_at")
    WorkOrder.objects.filter(pk=wo2.pk).update(assignee=plant.tech_a)
    wo5.assignees.add(plant.tech_a)
    f = {x.key: x.value for x in FAMILIES["reliability"](scope_for(plant.tech_a, technician=plant.tech_a.pk),
                                                        plant.tech_a, detail=False).figures}
    assert f["failures"] == 2 and f["repeat_failures"] == 1
    # MTTR on their orders: WO2 2 h and WO5 3 h -> 2.5 h.
    assert f["mttr_repair"] == 2.5


@pytest.mark.django_db
def test_report_every_family_with_every_cut_at_once(plant, codes):
    from assets.models import Location
    from workorders.models import Team

    reliability_history(plant, codes)
    work_history(plant)
    team = Team.objects.create(site=plant.site_a, name="Mechanics")
    team.members.add(plant.tech_a)
    hall = Location.objects.create(site=plant.site_a, code="H1", name="Hall 1")
    Location.objects.filter(pk=hall.pk).update(path=f"/{hall.pk}/")
    plant.child_a.location = hall
    plant.child_a.save()
    WorkOrder.objects.filter(site=plant.site_a, asset=plant.child_a).update(team=team, assignee=plant.tech_a)
    scope = scope_for(plant.manager_a, site=plant.site_a.pk, location=hall.pk, category=plant.category.pk,
                      asset=plant.child_a.pk, team=team.pk, technician=plant.tech_a.pk)
    figures = {}
    for name, family in FAMILIES.items():
        result = family(scope, plant.manager_a)
        assert result.figures and len(result.labels) == 7, name
        figures.update({f.key: f.value for f in result.figures})
    # Only the motor's orders of the team: WO2 and WO5 failed (the motor's stoppage has no order of theirs).
    assert figures["failures"] == 2
    # Work: the motor's orders created in the week: WO2 (Tuesday), WO5 (Friday) and B1 (Sunday) -> 3.
    assert figures["opened"] == 3
    # The team's one member: tech_a's 22 h a week; the motor's open order B1 has 2 h estimated.
    assert figures["backlog_hours"] == 2 and figures["backlog_weeks"] == pytest.approx(2 / 22, abs=0.005)
