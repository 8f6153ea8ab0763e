"""Alarm rules through the ingest path: limits with hysteresis and duration, rate of change,
stale sensors, suppression during maintenance, work orders from alarms, and the rule API."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from telemetry import alarms
from telemetry.choices import AlarmCondition, AlertStatus
from telemetry.eventlog import events_for
from telemetry.models import AlarmState, Alert
from telemetry.services import acknowledge_alert, ingest_readings

pytestmark = pytest.mark.django_db


def send(sensor, values, *, start, step_s=10):
    """Ingest values of one sensor, one reading every step_s seconds from start."""
    items = [{"sensor": sensor.pk, "ts": (start + timedelta(seconds=i * step_s)).isoformat(), "value": v}
             for i, v in enumerate(values)]
    result = ingest_readings(items)
    assert not result.errors, result.errors
    return start + timedelta(seconds=len(values) * step_s)


def rule_for(plant, user=None, **fields):
    fields.setdefault("name", "Vibration high")
    fields.setdefault("sensor", plant.sensors_a["vibration"])
    return alarms.create_alarm_rule(actor=user or plant.manager_a, **fields)


def test_hovering_at_the_limit_raises_one_alarm_and_clears_once(plant):
    sensor = plant.sensors_a["vibration"]
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0, deadband=1.0)
    t = timezone.now() - timedelta(hours=1)
    # Crosses, then hovers around the limit within the deadband, over several batches (the
    # state must carry from one batch, one transaction, to the next).
    t = send(sensor, [8.0, 9.5, 10.5, 9.8, 10.2], start=t)
    t = send(sensor, [9.4, 10.4, 9.1, 10.1], start=t)
    alerts = list(Alert.objects.filter(rule=rule))
    assert len(alerts) == 1 and alerts[0].status == AlertStatus.OPEN
    assert alerts[0].sensor == sensor and "10.5" in alerts[0].message
    t = send(sensor, [8.9, 9.5, 9.9, 8.0], start=t)  # back below 10 - 1: clears, and stays clear
    alerts = list(Alert.objects.filter(rule=rule))
    assert len(alerts) == 1 and alerts[0].status == AlertStatus.CLOSED
    assert alerts[0].cleared_value_at is not None
    kinds = [e["kind"] for e in events_for(plant.admin, asset_id=sensor.asset_id)]
    assert kinds.count("alarm.raised") == 1 and kinds.count("alarm.cleared") == 1
    # A new crossing is a new alarm.
    send(sensor, [11.0], start=t)
    assert Alert.objects.filter(rule=rule, status=AlertStatus.OPEN).count() == 1
    assert Alert.objects.filter(rule=rule).count() == 2


def test_out_of_order_readings_do_not_move_the_alarm(plant):
    sensor = plant.sensors_a["vibration"]
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    t = timezone.now() - timedelta(minutes=30)
    send(sensor, [5.0, 5.0], start=t)
    send(sensor, [50.0], start=t - timedelta(minutes=10))  # late history: stored, not an alarm now
    assert not Alert.objects.filter(rule=rule).exists()


def test_duration_must_hold_before_the_alarm(plant):
    sensor = plant.sensors_a["temperature"]
    rule = rule_for(plant, name="Hot", sensor=sensor, condition=AlarmCondition.ABOVE, high=80.0, duration_s=30)
    t = timezone.now() - timedelta(hours=1)
    t = send(sensor, [85, 86, 87, 70, 85, 86], start=t)  # 20 s above, a dip, 10 s above: not enough
    assert not Alert.objects.filter(rule=rule).exists()
    state = AlarmState.objects.get(rule=rule, sensor=sensor)
    assert state.in_condition and not state.active
    send(sensor, [87, 88], start=t)  # 88 comes 30 s after the condition began again
    alert = Alert.objects.get(rule=rule)
    assert alert.condition_at == state.since
    assert alert.details["value"] == 88


def test_below_and_outside_band(plant):
    sensor = plant.sensors_a["pressure"] if "pressure" in plant.sensors_a else plant.sensors_a["current"]
    band = rule_for(plant, name="Band", sensor=sensor, condition=AlarmCondition.OUTSIDE, low=2.0, high=8.0,
                    deadband=0.5)
    t = timezone.now() - timedelta(hours=1)
    t = send(sensor, [5, 1.5, 2.3, 2.6], start=t)
    alert = Alert.objects.get(rule=band)
    assert alert.status == AlertStatus.CLOSED  # 2.6 is inside by more than the deadband
    send(sensor, [9.0, 7.8, 7.4], start=t)
    assert Alert.objects.filter(rule=band).count() == 2
    assert Alert.objects.filter(rule=band, status=AlertStatus.CLOSED).count() == 2


def test_rate_of_change(plant):
    sensor = plant.sensors_a["temperature"]
    rule = rule_for(plant, name="Heating fast", sensor=sensor, condition=AlarmCondition.RATE, rate_per_minute=5.0)
    t = timezone.now() - timedelta(hours=1)
    t = send(sensor, [60.0, 60.5, 61.0], start=t, step_s=60)  # 0.5 per minute
    assert not Alert.objects.filter(rule=rule).exists()
    t = send(sensor, [70.0], start=t, step_s=60)  # 9 per minute
    assert Alert.objects.get(rule=rule).status == AlertStatus.OPEN
    send(sensor, [70.5], start=t, step_s=60)
    assert Alert.objects.get(rule=rule).status == AlertStatus.CLOSED


def test_stale_sensor_raised_by_the_check_and_cleared_by_new_data(plant):
    sensor = plant.sensors_a["vibration"]
    rule = rule_for(plant, name="Silent", condition=AlarmCondition.STALE, stale_minutes=5)
    now = timezone.now()
    send(sensor, [3.0], start=now - timedelta(minutes=12))
    type(rule).objects.filter(pk=rule.pk).update(created_at=now - timedelta(hours=1))
    assert alarms.check_stale_sensors(now=now) == 1
    assert alarms.check_stale_sensors(now=now) == 0  # idempotent: beat may fire twice
    alert = Alert.objects.get(rule=rule)
    assert alert.status == AlertStatus.OPEN and "No data" in alert.message
    send(sensor, [3.1], start=now - timedelta(seconds=5))
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    assert alarms.check_stale_sensors(now=now) == 0


def test_suppressed_while_maintenance_in_progress(plant):
    from workorders.models import WorkOrder

    sensor = plant.sensors_a["vibration"]
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    wo = WorkOrder.objects.create(site=plant.site_a, asset=plant.asset_a, title="Bearing change",
                                  status="in_progress")
    t = timezone.now() - timedelta(hours=1)
    t = send(sensor, [12.0, 13.0, 12.5], start=t)
    assert not Alert.objects.filter(rule=rule).exists()
    kinds = [e["kind"] for e in events_for(plant.admin, asset_id=plant.asset_a.pk)]
    assert kinds.count("alarm.suppressed") == 1
    # Maintenance over, the condition still holds: the alarm is raised now.
    WorkOrder.objects.filter(pk=wo.pk).update(status="completed")
    send(sensor, [12.2], start=t)
    assert Alert.objects.get(rule=rule).status == AlertStatus.OPEN


def test_category_rule_applies_to_every_asset_of_the_category_at_its_site(plant):
    rule = alarms.create_alarm_rule(actor=plant.manager_a, site=plant.site_a, name="Pump vibration",
                                    category=plant.category, metric="vibration", condition=AlarmCondition.ABOVE,
                                    high=10.0, severity="critical")
    t = timezone.now() - timedelta(hours=1)
    items = [{"sensor": s.pk, "ts": (t + timedelta(seconds=i)).isoformat(), "value": 20.0}
             for i, s in enumerate([plant.sensors_a["vibration"], plant.sensors_b["vibration"],
                                    plant.sensors_a["temperature"]])]
    ingest_readings(items)
    alerts = list(Alert.objects.filter(rule=rule))
    assert [a.asset for a in alerts] == [plant.asset_a]  # not site B's pump, not the temperature
    assert alerts[0].severity == "critical"


def test_one_active_alert_per_rule_and_sensor_in_the_database(plant):
    from django.db import IntegrityError, transaction

    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    sensor = plant.sensors_a["vibration"]
    send(sensor, [11.0], start=timezone.now() - timedelta(minutes=5))
    with pytest.raises(IntegrityError), transaction.atomic():
        Alert.objects.create(site=plant.site_a, asset=plant.asset_a, sensor=sensor, rule=rule, source="rule",
                             cause="another", title="Second")


def test_alarm_can_open_a_work_order(plant, django_capture_on_commit_callbacks):
    from workorders.models import WorkOrder

    sensor = plant.sensors_a["vibration"]
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0, severity="critical", create_work_order=True)
    t = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        t = send(sensor, [11.0, 9.0, 11.5], start=t)  # raised, cleared, raised again
    orders = list(WorkOrder.objects.filter(asset=plant.asset_a, source="alarm"))
    assert len(orders) == 1  # still open from the first alarm: not a second one
    assert orders[0].priority == "urgent" and rule.name in orders[0].title


def test_acknowledge_then_clear(plant):
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    sensor = plant.sensors_a["vibration"]
    t = send(sensor, [11.0], start=timezone.now() - timedelta(minutes=5))
    alert = acknowledge_alert(Alert.objects.get(rule=rule), actor=plant.tech_a)
    assert alert.status == AlertStatus.ACKNOWLEDGED
    send(sensor, [9.0], start=t)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.CLOSED
    kinds = [e["kind"] for e in events_for(plant.tech_a, asset_id=plant.asset_a.pk)]
    assert kinds[:3] == ["alarm.cleared", "alarm.acknowledged", "alarm.raised"]


def test_rule_editing_resets_and_disabling_clears(plant):
    rule = rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    sensor = plant.sensors_a["vibration"]
    send(sensor, [11.0], start=timezone.now() - timedelta(minutes=5))
    alarms.update_alarm_rule(rule, actor=plant.manager_a, is_enabled=False)
    assert Alert.objects.get(rule=rule).status == AlertStatus.CLOSED
    assert not AlarmState.objects.filter(rule=rule).exists()


# --- API -------------------------------------------------------------------------------------------


def test_rule_api_validates_and_is_scoped(plant, api):
    url = "/api/v1/alarm-rules/"
    manager = api(plant.manager_a)
    bad = manager.post(url, {"name": "x", "sensor": plant.sensors_a["vibration"].pk, "condition": "outside",
                             "low": 5, "high": 3}, format="json")
    assert bad.status_code == 400 and "high" in bad.json()
    bad = manager.post(url, {"name": "x", "condition": "above", "high": 3}, format="json")
    assert bad.status_code == 400 and "sensor" in bad.json()
    other_site = manager.post(url, {"name": "x", "sensor": plant.sensors_b["vibration"].pk, "condition": "above",
                                    "high": 3}, format="json")
    assert other_site.status_code == 400 and "sensor" in other_site.json()
    ok = manager.post(url, {"name": "Vib", "sensor": plant.sensors_a["vibration"].pk, "condition": "above",
                            "high": 7.5, "deadband": 0.3, "duration_s": 20}, format="json")
    assert ok.status_code == 201, ok.json()
    assert ok.json()["site"] == plant.site_a.pk and ok.json()["description"] == "above 7.5 (deadband 0.3) for 20 s"
    assert api(plant.viewer_a).post(url, {"name": "v", "sensor": plant.sensors_a["vibration"].pk,
                                          "condition": "above", "high": 1}, format="json").status_code == 403
    assert api(plant.tech_b).get(f"{url}{ok.json()['id']}/").status_code == 404
    patch = manager.patch(f"{url}{ok.json()['id']}/", {"high": 9.0}, format="json")
    assert patch.status_code == 200 and patch.json()["high"] == 9.0


def test_events_api_lists_the_users_sites_only(plant, api):
    rule_for(plant, condition=AlarmCondition.ABOVE, high=10.0)
    send(plant.sensors_a["vibration"], [11.0], start=timezone.now() - timedelta(minutes=5))
    mine = api(plant.tech_a).get("/api/v1/events/", {"asset": plant.asset_a.pk})
    assert mine.status_code == 200
    assert [e["kind"] for e in mine.json()["results"]] == ["alarm.raised"]
    assert api(plant.tech_b).get("/api/v1/events/", {"asset": plant.asset_a.pk}).json()["results"] == []


# --- Pages -----------------------------------------------------------------------------------------


def test_rule_pages_scoped_partial_and_query_counts(plant, client, django_assert_max_num_queries):
    for i in range(12):
        rule_for(plant, name=f"Rule {i:02}", condition=AlarmCondition.ABOVE, high=float(i + 1))
    alarms.create_alarm_rule(actor=plant.admin, site=plant.site_b, name="Bravo rule", category=plant.category,
                             metric="vibration", condition=AlarmCondition.ABOVE, high=1.0)
    client.force_login(plant.tech_a)
    with django_assert_max_num_queries(12):
        page = client.get("/alerts/rules/", {"sort": "name"})
    html = page.content.decode()
    assert page.status_code == 200 and "Rule 00" in html and "Bravo rule" not in html
    assert "New rule" not in html  # a technician reads rules but does not write them
    partial = client.get("/alerts/rules/", {"q": "Rule 1"}, HTTP_HX_REQUEST="true")
    assert "<html" not in partial.content.decode() and "Rule 10" in partial.content.decode()
    assert "Rule 02" not in partial.content.decode()
    assert client.get("/alerts/rules/new/").status_code == 403
    api_client = __import__("conftest").jwt_client(plant.manager_a)
    with django_assert_max_num_queries(12):
        listing = api_client.get("/api/v1/alarm-rules/")
    assert listing.json()["count"] == 12


def test_rule_form_saves_through_the_service_and_refuses_bad_input(plant, client):
    client.force_login(plant.manager_a)
    sensor = plant.sensors_a["temperature"]
    bad = client.post("/alerts/rules/new/", {"name": "Hot", "sensor": sensor.pk, "condition": "rate",
                                             "deadband": "0", "duration_s": "0", "severity": "warning"})
    assert bad.status_code == 400
    assert "A rate-of-change rule needs a positive rate per minute." in bad.content.decode()
    ok = client.post("/alerts/rules/new/", {"name": "Hot", "sensor": sensor.pk, "condition": "above", "high": "80",
                                            "deadband": "2", "duration_s": "30", "severity": "critical",
                                            "is_enabled": "on"})
    assert ok.status_code == 302
    rule = plant.site_a.alarm_rules.get(name="Hot")
    assert rule.describe() == "above 80 (deadband 2) for 30 s"
    from accounts.models import AuditLog

    assert AuditLog.objects.filter(action="alarmrule.create", object_id=str(rule.pk), actor=plant.manager_a).exists()
    client.force_login(plant.viewer_a)
    assert client.post(f"/alerts/rules/{rule.pk}/", {"name": "x"}).status_code == 403
