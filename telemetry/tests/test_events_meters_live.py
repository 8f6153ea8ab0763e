"""The activity log (alarms, work orders, asset status), derived meters, and the coalesced live
push of latest values (real Redis gate and channel layer)."""

from __future__ import annotations

import time
from datetime import timedelta
from decimal import Decimal

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from conftest import asset_page
from prosync.core.events import asset_group
from telemetry import meters
from telemetry.eventlog import events_for
from telemetry.services import ingest_readings


def items(sensor, values, *, start, step_s=10):
    return [{"sensor": sensor.pk, "ts": (start + timedelta(seconds=i * step_s)).isoformat(), "value": v}
            for i, v in enumerate(values)]


@pytest.mark.django_db
def test_work_order_and_asset_status_events_in_the_feed(plant):
    from assets.services import change_asset_status
    from workorders.services import create_work_order, transition_work_order

    wo = create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Replace seal")
    transition_work_order(wo, "in_progress", actor=plant.tech_a)
    change_asset_status(plant.asset_a, "down", actor=plant.tech_a, reason_code="breakdown")
    feed = events_for(plant.tech_a, asset_id=plant.asset_a.pk)
    assert [e["kind"] for e in feed] == ["asset.status", "workorder.in_progress", "workorder.created"]
    assert "Replace seal" in feed[2]["title"] or wo.number in feed[2]["title"]
    assert "down" in feed[0]["title"] and feed[0]["actor_id"] == plant.tech_a.pk
    # The site feed has them too, and another site's user sees none of them.
    assert len(events_for(plant.manager_a, site_id=plant.site_a.pk)) == 3
    assert events_for(plant.tech_b, site_id=plant.site_a.pk) == []
    assert events_for(plant.tech_b) == []


@pytest.mark.django_db
def test_feed_pages_on_the_asset_and_site(plant, client):
    from workorders.services import create_work_order

    create_work_order(actor=plant.manager_a, asset=plant.asset_a, title="Replace seal")
    client.force_login(plant.tech_a)
    page = asset_page(client, plant.asset_a)
    assert 'href="#activity">Activity' in page and "Replace seal" in page
    site_feed = client.get("/alerts/activity/", {"site": plant.site_a.pk})
    assert site_feed.status_code == 200 and "Replace seal" in site_feed.content.decode()
    client.force_login(plant.tech_b)
    assert "Replace seal" not in client.get("/alerts/activity/").content.decode()


@pytest.mark.django_db
def test_running_hours_and_cycles_from_current(plant):
    from assets.models import Meter
    from assets.services import create_meter

    sensor = plant.sensors_a["current"]
    hours = create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Run hours", kind="running_hours", unit="h")
    starts = create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Starts", kind="cycles", unit="starts")
    meters.create_derived_meter(actor=plant.manager_a, sensor=sensor, meter=hours, mode="running_hours",
                                threshold=5.0)
    meters.create_derived_meter(actor=plant.manager_a, sensor=sensor, meter=starts, mode="cycles",
                                threshold=5.0)
    t = timezone.now() - timedelta(hours=3)
    # One reading a minute; a value counts until the next reading (sample and hold): runs 30 min,
    # stops 10 min, runs 30 min again and stops; two batches.
    on, off = [12.0] * 30, [0.5] * 10
    ingest_readings(items(sensor, on + off, start=t, step_s=60))
    ingest_readings(items(sensor, on + [0.5], start=t + timedelta(minutes=40), step_s=60))
    hours.refresh_from_db()
    starts.refresh_from_db()
    assert hours.current_value == Decimal("1.000")  # 30 + 30 minutes of running
    assert starts.current_value == Decimal("2.000")
    assert Meter.objects.get(pk=hours.pk).readings.filter(source="telemetry").exists()
    # Re-sending the same readings (a gateway retry) counts nothing twice.
    ingest_readings(items(sensor, on + [0.5], start=t + timedelta(minutes=40), step_s=60))
    hours.refresh_from_db()
    assert hours.current_value == Decimal("1.000")


@pytest.mark.django_db
def test_derived_meter_must_be_on_the_sensors_asset(plant):
    from django.core.exceptions import ValidationError

    from assets.services import create_meter

    other = create_meter(actor=plant.manager_a, asset=plant.child_a, name="Run hours", kind="running_hours")
    with pytest.raises(ValidationError) as err:
        meters.create_derived_meter(actor=plant.manager_a, sensor=plant.sensors_a["current"], meter=other,
                                    threshold=1.0)
    assert "meter" in err.value.message_dict


def _listen(group):
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(group, channel)
    return layer, channel


def _drain(layer, channel, wait_s):
    import asyncio

    async def collect():
        out = []
        deadline = time.monotonic() + wait_s
        while (left := deadline - time.monotonic()) > 0:
            try:
                out.append(await asyncio.wait_for(layer.receive(channel), timeout=left))
            except TimeoutError:
                break
        return out

    return async_to_sync(collect)()


def test_burst_of_readings_is_coalesced_and_the_last_value_arrives(live_plant, settings):
    settings.LIVE_PUSH_WINDOW_MS = 200
    sensor = live_plant.sensors_a["vibration"]
    layer, channel = _listen(asset_group(live_plant.asset_a.pk))
    t = timezone.now() - timedelta(minutes=10)
    started = time.monotonic()
    for i in range(40):  # 40 batches as fast as they come
        ingest_readings(items(sensor, [float(i)], start=t + timedelta(seconds=i)))
    burst_s = time.monotonic() - started
    messages = [m for m in _drain(layer, channel, 1.0) if m["event"] == "telemetry.readings"]
    # At most one per window while the burst lasted, plus the trailing one.
    assert 1 <= len(messages) <= burst_s / 0.2 + 2, (len(messages), burst_s)
    assert len(messages) < 40
    last = messages[-1]["payload"]["readings"]
    assert {r["sensor"]: r["value"] for r in last}[sensor.pk] == 39.0


@pytest.mark.django_db
def test_derived_meter_api(plant, api):
    from assets.services import create_meter

    hours = create_meter(actor=plant.manager_a, asset=plant.asset_a, name="Run hours", kind="running_hours", unit="h")
    other = create_meter(actor=plant.admin, asset=plant.asset_b, name="Run hours", kind="running_hours", unit="h")
    url = "/api/v1/derived-meters/"
    manager = api(plant.manager_a)
    ok = manager.post(url, {"sensor": plant.sensors_a["current"].pk, "meter": hours.pk, "threshold": 5.0})
    assert ok.status_code == 201 and ok.json()["mode"] == "running_hours"
    wrong = manager.post(url, {"sensor": plant.sensors_a["current"].pk, "meter": other.pk, "threshold": 5.0})
    assert wrong.status_code == 400 and "meter" in wrong.json()  # another site's meter does not exist for them
    assert api(plant.viewer_a).post(url, {"sensor": plant.sensors_a["current"].pk, "meter": hours.pk,
                                          "threshold": 1.0}).status_code == 403
    assert api(plant.tech_b).get(f"{url}{ok.json()['id']}/").status_code == 404
