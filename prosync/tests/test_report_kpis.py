"""The KPIs on small histories built by hand, each answer worked out by hand in the test."""

from datetime import datetime
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


@pytest.fixture
def codes(db):
    return (FailureCode.objects.create(kind="problem", code="LEAK", description="Leaking"),
            FailureCode.objects.create(kind="problem", code="VIB", description="Vibration"))


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
