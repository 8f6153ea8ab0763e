"""The whole loop on real services: readings posted with a JWT -> scheduled assessment ->
health assessment and alert -> the asset's WebSocket subscribers are told."""

import asyncio
import json
import subprocess
import sys

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator

from conftest import BASE_DIR, degrading_readings, jwt_client, register_active_model, service_env
from predictions.constants import LOW_HEALTH_CAUSE
from predictions.models import HealthAssessment
from predictions.tasks import assess_fleet
from prosync.asgi import application
from prosync.core.ws_auth import issue_ticket
from telemetry.models import Alert
from workorders.models import WorkOrder

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("close_db_connections")]


async def receive_until(communicator, event_type, timeout=10.0):
    """Messages arrive in order; skip the others (readings, work orders) until the wanted one."""
    seen = []
    async with asyncio.timeout(timeout):
        while True:
            message = await communicator.receive_json_from(timeout=timeout)
            seen.append(message["type"])
            if message["type"] == event_type:
                return message, seen


async def test_readings_to_assessment_to_alert_pushed_to_subscriber(live_plant):
    p = live_plant
    await sync_to_async(register_active_model)(p.category)
    communicator = WebsocketCommunicator(application, f"/ws/assets/{p.asset_a.pk}/?ticket={issue_ticket(p.tech_a)}",
                                         headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")])
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"

    # A gateway posts ten minutes of a wearing-out pump through the bulk API with a JWT.
    items = await sync_to_async(degrading_readings)(p.sensors_a, wear_from=0.6, wear_to=0.93)
    response = await sync_to_async(
        lambda: jwt_client(p.tech_a).post("/api/v1/readings/bulk/", items, format="json"))()
    assert response.status_code == 201, response.json()
    assert response.json()["stored"] == len(items)
    readings_msg, _ = await receive_until(communicator, "telemetry.readings")
    assert {r["metric"] for r in readings_msg["payload"]["readings"]} == set(p.sensors_a)

    # Beat's task, run here in-process (a real worker runs it in the next test).
    result = await sync_to_async(lambda: assess_fleet.apply().get())()
    assert result["assessed"] == 1 and result["alerts_opened"] == 1

    assessment = await HealthAssessment.objects.aget(asset=p.asset_a)
    alert = await Alert.objects.aget(asset=p.asset_a, cause=LOW_HEALTH_CAUSE)
    assert assessment.health_score < 40 and alert.status == "open"
    assert await WorkOrder.objects.filter(asset=p.asset_a, kind="predictive").acount() == 1

    health_msg, _ = await receive_until(communicator, "predictions.assessment")
    assert health_msg["payload"]["health"] == pytest.approx(assessment.health_score)
    alert_msg, _ = await receive_until(communicator, "telemetry.alert")
    assert alert_msg["payload"]["id"] == alert.pk and alert_msg["payload"]["cause"] == LOW_HEALTH_CAUSE
    await communicator.disconnect()


def test_a_real_celery_worker_runs_the_scheduled_assessment(live_plant):
    """The task goes through the Redis broker to a separate worker process on the test database."""
    register_active_model(live_plant.category)
    jwt_client(live_plant.tech_a).post(
        "/api/v1/readings/bulk/", degrading_readings(live_plant.sensors_a, wear_from=0.6, wear_to=0.93),
        format="json")
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prosync", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--hostname", "e2e-worker@%h"],
        cwd=BASE_DIR, env=service_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        result = assess_fleet.delay().get(timeout=90)
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=20)
    assessment = HealthAssessment.objects.get(asset=live_plant.asset_a)
    assert result["assessed"] == 1 and result["alerts_opened"] == 1, (assessment.health_score, output)
    assert Alert.objects.filter(asset=live_plant.asset_a, status="open").count() == 1


def test_beat_schedule_is_installed_idempotently():
    """The data migration's installer (also what a fresh database gets) leaves exactly one entry."""
    import importlib

    from django.apps import apps
    from django_celery_beat.models import PeriodicTask

    migration = importlib.import_module("predictions.migrations.0002_assessment_schedule")
    migration.install(apps, None)
    migration.install(apps, None)
    task = PeriodicTask.objects.get(task="predictions.assess_fleet")
    assert task.enabled and task.interval.every == 60 and task.interval.period == "seconds"
    assert json.loads(task.args or "[]") == []


async def test_fleet_assessments_reach_each_asset_feed_alone_and_the_site_feed_whole(live_plant):
    """A fleet's assessments go out as one channel-layer message per site and block of assets:
    the asset page gets its own result only; the site feed gets every asset's."""
    from assets.models import Asset
    from telemetry.models import Sensor

    p = live_plant
    await sync_to_async(register_active_model)(p.category)

    def second_pump():
        other = Asset.objects.create(site=p.site_a, category=p.category, tag="P-101", name="Feed pump A2")
        sensors = {m: Sensor.objects.create(asset=other, name=m, metric=m, key=f"alpha.p-101.{m}")
                   for m in p.sensors_a}
        jwt_client(p.tech_a).post("/api/v1/readings/bulk/", degrading_readings(p.sensors_a, wear_from=0.1,
                                                                               wear_to=0.12), format="json")
        jwt_client(p.tech_a).post("/api/v1/readings/bulk/", degrading_readings(sensors, wear_from=0.7,
                                                                               wear_to=0.9), format="json")
        return other

    other = await sync_to_async(second_pump)()
    headers = [(b"origin", b"http://localhost"), (b"host", b"localhost")]
    asset_feed = WebsocketCommunicator(application, f"/ws/assets/{p.asset_a.pk}/?ticket={issue_ticket(p.tech_a)}",
                                       headers=headers)
    site_feed = WebsocketCommunicator(application, f"/ws/sites/{p.site_a.pk}/?ticket={issue_ticket(p.tech_a)}",
                                      headers=headers)
    for feed in (asset_feed, site_feed):
        assert (await feed.connect())[0] and (await feed.receive_json_from())["type"] == "hello"

    result = await sync_to_async(lambda: assess_fleet.apply().get())()
    assert result["assessed"] == 2
    mine, _ = await receive_until(asset_feed, "predictions.assessment")
    assert mine["payload"]["asset"] == p.asset_a.pk
    first, _ = await receive_until(site_feed, "predictions.assessment")
    second, _ = await receive_until(site_feed, "predictions.assessment")
    items = {m["payload"]["asset"]: m["payload"] for m in (first, second)}
    assert set(items) == {p.asset_a.pk, other.pk}
    assert items[other.pk]["health"] < items[p.asset_a.pk]["health"]
    # Nothing about the other pump reaches the first pump's page.
    while not await asset_feed.receive_nothing(timeout=1.0):
        message = await asset_feed.receive_json_from()
        assert message["type"] != "predictions.assessment", message
    for feed in (asset_feed, site_feed):
        await feed.disconnect()
