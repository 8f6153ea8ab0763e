"""Preventive maintenance: when orders fall due (fixed, floating, meter), that generation is
idempotent (twice in a row, two threads, two processes on the real PostgreSQL), and the
compliance of each occurrence."""

from __future__ import annotations

import subprocess
import sys
import threading
from datetime import datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from conftest import BASE_DIR, service_env
from workorders import services_planning as preventive
from workorders.choices import Compliance, PMAnchor, PMTrigger, WorkOrderStatus, WorkOrderType
from workorders.models import PMOccurrence, PreventiveSchedule, WorkOrder


def t0():
    return datetime(2026, 1, 10, 8, 0, tzinfo=timezone.get_current_timezone())


def schedule(asset, **kw) -> PreventiveSchedule:
    fields = {"asset": asset, "title": "Lubricate bearings", "interval": 1, "interval_unit": "weeks",
              "starts_at": t0(), "lead_time_days": 2}
    fields.update(kw)
    return preventive.save_schedule(PreventiveSchedule(**fields), actor=None)


def pm_orders(s) -> list[WorkOrder]:
    return list(WorkOrder.objects.filter(pm_occurrence__schedule=s).order_by("due_at"))


def complete(wo, at):
    WorkOrder.objects.filter(pk=wo.pk).update(status=WorkOrderStatus.COMPLETED, completed_at=at)
    wo.refresh_from_db()
    preventive.record_completion(wo)


def test_fixed_calendar_generates_within_lead_time_once(plant):
    s = schedule(plant.asset_a, assignee=plant.tech_a, estimated_hours=Decimal("1.5"))
    assert preventive.generate_due_orders(now=t0() - timedelta(days=3)).created == []  # before the lead window
    first = preventive.generate_due_orders(now=t0() - timedelta(days=1))
    again = preventive.generate_due_orders(now=t0() - timedelta(days=1))
    assert len(first.created) == 1 and again.created == [], "the second run must not duplicate the order"
    (wo,) = pm_orders(s)
    assert wo.kind == WorkOrderType.PREVENTIVE and wo.due_at == t0() and wo.assignee == plant.tech_a
    assert wo.asset == plant.asset_a and wo.estimated_hours == Decimal("1.5")
    # The next week's order comes within its own lead window, due exactly one week later.
    preventive.generate_due_orders(now=t0() + timedelta(days=5, hours=1))
    assert [o.due_at for o in pm_orders(s)] == [t0(), t0() + timedelta(days=7)]


def test_fixed_calendar_after_an_outage_creates_only_the_current_order(plant):
    s = schedule(plant.asset_a, lead_time_days=0)
    PreventiveSchedule.objects.filter(pk=s.pk).update(created_at=t0() - timedelta(days=1))  # it existed then
    preventive.generate_due_orders(now=t0() + timedelta(days=30))
    assert [o.due_at for o in pm_orders(s)] == [t0() + timedelta(days=28)]
    missed = PMOccurrence.objects.filter(schedule=s, compliance=Compliance.MISSED).count()
    assert missed == 4, "the four weeks nobody generated are recorded as missed"


def test_a_schedule_entered_with_a_past_start_owes_nothing_for_the_past(plant):
    s = schedule(plant.asset_a, interval=1, interval_unit="days", lead_time_days=0,
                 starts_at=timezone.now() - timedelta(days=3650))  # ten years of daily occurrences
    created = preventive.generate_due_orders().created
    (wo,) = pm_orders(s)
    assert created == [wo.pk] and timezone.now() - timedelta(days=1) < wo.due_at <= timezone.now()
    assert not PMOccurrence.objects.filter(schedule=s, compliance=Compliance.MISSED).exists()
    assert PMOccurrence.objects.get(schedule=s).seq == 3651


def test_monthly_steps_are_computed_not_counted(plant):
    jan31 = datetime(2016, 1, 31, 6, 0, tzinfo=timezone.get_current_timezone())
    s = schedule(plant.asset_a, interval=1, interval_unit="months", starts_at=jan31)
    until = datetime(2026, 2, 28, 6, 0, tzinfo=timezone.get_current_timezone())
    assert preventive.opened_steps(s, until) == 121  # 28 Feb 2026 is occurrence 122, clamped to the month end
    assert preventive.opened_steps(s, until - timedelta(seconds=1)) == 120


def test_months_keep_the_day_or_clamp_to_month_end():
    jan31 = datetime(2026, 1, 31, 6, 0, tzinfo=timezone.get_current_timezone())
    assert preventive.add_months(jan31, 1).date().isoformat() == "2026-02-28"
    assert preventive.add_months(jan31, 2).date().isoformat() == "2026-03-31"
    assert preventive.add_months(jan31, 13).date().isoformat() == "2027-02-28"


def test_floating_waits_for_completion_and_counts_from_it(plant):
    s = schedule(plant.asset_a, anchor=PMAnchor.FLOATING, interval=10, interval_unit="days", lead_time_days=0)
    preventive.generate_due_orders(now=t0())
    (wo,) = pm_orders(s)
    preventive.generate_due_orders(now=t0() + timedelta(days=5))
    assert len(pm_orders(s)) == 1, "a floating schedule waits until the open order is done"
    done = t0() + timedelta(days=6)
    complete(wo, done)
    preventive.generate_due_orders(now=done + timedelta(days=10))
    assert [o.due_at for o in pm_orders(s)] == [t0(), done + timedelta(days=10)]
    assert PMOccurrence.objects.get(schedule=s, seq=1).compliance == Compliance.LATE


def test_meter_schedule_follows_the_meter(plant):
    from assets.models import Meter

    meter = Meter.objects.create(asset=plant.asset_a, name="Running hours", unit="h", current_value=Decimal("180"))
    s = schedule(plant.asset_a, trigger=PMTrigger.METER, meter=meter, meter_interval=Decimal("250"),
                 meter_lead=Decimal("25"))
    preventive.generate_due_orders(now=t0())
    assert pm_orders(s) == []
    Meter.objects.filter(pk=meter.pk).update(current_value=Decimal("230"))  # within the 25 h lead of 250 h
    preventive.generate_due_orders(now=t0())
    preventive.generate_due_orders(now=t0())
    (wo,) = pm_orders(s)
    assert "250" in wo.title
    Meter.objects.filter(pk=meter.pk).update(current_value=Decimal("480"))
    preventive.generate_due_orders(now=t0())
    assert len(pm_orders(s)) == 2


def test_meter_schedule_needs_a_meter_of_its_asset(plant):
    from django.core.exceptions import ValidationError

    from assets.models import Meter

    other = Meter.objects.create(asset=plant.asset_b, name="Hours", unit="h")
    with pytest.raises(ValidationError, match="meter"):
        schedule(plant.asset_a, trigger=PMTrigger.METER, meter=None, meter_interval=Decimal("100"))
    with pytest.raises(ValidationError, match="another asset"):
        schedule(plant.asset_a, trigger=PMTrigger.METER, meter=other, meter_interval=Decimal("100"))


def test_compliance_on_time_late_missed(plant):
    s = schedule(plant.asset_a, lead_time_days=0)
    preventive.generate_due_orders(now=t0())
    complete(pm_orders(s)[0], t0() - timedelta(hours=1))  # before due: on time
    preventive.generate_due_orders(now=t0() + timedelta(days=7))
    complete(pm_orders(s)[1], t0() + timedelta(days=9))  # after due, within the window: late
    preventive.generate_due_orders(now=t0() + timedelta(days=14))
    preventive.mark_missed(now=t0() + timedelta(days=22))  # third never done, its window passed
    states = list(PMOccurrence.objects.filter(schedule=s).order_by("seq").values_list("compliance", flat=True))
    assert states == [Compliance.ON_TIME, Compliance.LATE, Compliance.MISSED]
    summary = preventive.compliance_summary([s])[s.pk]
    assert (summary["on_time"], summary["late"], summary["missed"], summary["percent"]) == (1, 1, 1, 33)


# --- Concurrency on the real database ----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_threads_create_each_due_order_once(live_plant):
    schedules = [schedule(live_plant.asset_a, title=f"Check {i}", lead_time_days=0) for i in range(5)]
    now = t0() + timedelta(days=15)
    barrier = threading.Barrier(2)
    errors = []

    def run():
        try:
            barrier.wait(5)
            preventive.generate_due_orders(now=now)
        except Exception as exc:  # reported below: an exception in a thread is otherwise silent
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    for s in schedules:
        assert [o.due_at for o in pm_orders(s)] == [t0() + timedelta(days=14)]
    assert WorkOrder.objects.filter(kind=WorkOrderType.PREVENTIVE).count() == 5


SCRIPT = """
import sys, django
django.setup()
from datetime import datetime
from workorders.services_planning import generate_due_orders
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()  # both processes start generating at the same moment
print(len(generate_due_orders(now=datetime.fromisoformat(sys.argv[1])).created))
"""


@pytest.mark.django_db(transaction=True)
def test_two_processes_create_each_due_order_once(live_plant):
    schedules = [schedule(live_plant.asset_a, title=f"Check {i}", lead_time_days=0) for i in range(8)]
    now = t0() + timedelta(days=15)
    procs = [subprocess.Popen([sys.executable, "-c", SCRIPT, now.isoformat()], cwd=BASE_DIR, env=service_env(),
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(2)]
    try:
        for p in procs:
            assert p.stdout.readline().strip() == "ready", p.stderr.read()
        for p in procs:
            p.stdin.write("go\n")
            p.stdin.flush()
        outs = [p.communicate(timeout=120) for p in procs]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    assert all(p.returncode == 0 for p in procs), [o[1][-2000:] for o in outs]
    created = [int(o[0].strip().splitlines()[-1]) for o in outs]
    assert sum(created) == 8, f"the two processes created {created} orders between them"
    for s in schedules:
        assert PMOccurrence.objects.filter(schedule=s, work_order__isnull=False).count() == 1
    assert WorkOrder.objects.filter(kind=WorkOrderType.PREVENTIVE).count() == 8


def test_api_schedule_with_parts_and_checklist_reaches_the_order(plant):
    from assets.models import Part
    from conftest import jwt_client
    from workorders.models import ChecklistTemplate, ChecklistTemplateItem

    bearing = Part.objects.create(part_number="BRG-6309", name="Ball bearing 6309", unit="pcs")
    template = ChecklistTemplate.objects.create(name="Bearing lubrication")
    ChecklistTemplateItem.objects.create(template=template, label="Grease nipple clean", position=1)
    ChecklistTemplateItem.objects.create(template=template, label="Bearing temperature", kind="number",
                                         max_value=80, unit="°C", position=2)
    api = jwt_client(plant.manager_a)
    r = api.post("/api/v1/pm-schedules/", {
        "asset": plant.asset_a.pk, "title": "Lubricate", "interval": 1, "interval_unit": "weeks",
        "starts_at": t0().isoformat(), "lead_time_days": 1, "checklist_template": template.pk,
        "parts": [{"part": bearing.pk, "quantity": "2"}]}, format="json")
    assert r.status_code == 201, r.content
    assert r.json()["parts"] == [{"part": bearing.pk, "quantity": "2.000"}] and r.json()["rule"] == "every 1 week"
    s = PreventiveSchedule.objects.get(pk=r.json()["id"])
    bad = api.post("/api/v1/pm-schedules/", {"asset": plant.asset_a.pk, "title": "x", "interval": 0},
                   format="json")
    assert bad.status_code == 400 and "interval" in bad.json()
    preventive.generate_due_orders(now=t0())
    (wo,) = pm_orders(s)
    assert "2 pcs × BRG-6309 Ball bearing 6309" in wo.description
    assert list(wo.checklist_items.order_by("position").values_list("label", flat=True)) == [
        "Grease nipple clean", "Bearing temperature"]
    occurrences = api.get("/api/v1/pm-occurrences/", {"schedule": s.pk}).json()["results"]
    assert [(o["seq"], o["work_order"], o["compliance"]) for o in occurrences] == [(1, wo.pk, "pending")]
    assert jwt_client(plant.tech_b).get(f"/api/v1/pm-schedules/{s.pk}/").status_code == 404
