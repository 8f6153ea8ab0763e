"""Fault test: a Celery worker SIGKILLed in the middle of a fleet assessment (held inside its
transaction by a lock the test takes, then killed there). Nothing of the half-done run is left,
and the next run (beat's next tick, on another worker) writes the assessment, the alert and the
predictive work order once each."""

from __future__ import annotations

import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from conftest import BASE_DIR, degrading_readings, jwt_client, register_active_model, service_env
from predictions.models import HealthAssessment
from predictions.tasks import assess_fleet
from telemetry.models import Alert
from workorders.models import WorkOrder

pytestmark = pytest.mark.slow


def _worker(name: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "prosync", "worker", "--pool", "solo", "--loglevel", "WARNING",
         "--without-gossip", "--without-mingle", "--hostname", f"{name}@%h"],
        cwd=BASE_DIR, env=service_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _waiting_on_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s AND wait_event_type = 'Lock'",
                       [connection.settings_dict["NAME"]])
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_assessment_leaves_nothing_half_done_and_the_next_run_writes_once(live_plant):
    p = live_plant
    register_active_model(p.category)
    jwt_client(p.tech_a).post("/api/v1/readings/bulk/",
                              degrading_readings(p.sensors_a, wear_from=0.6, wear_to=0.93), format="json")
    db = connection.settings_dict
    blocker = psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"], dbname=db["NAME"])
    # Reads go on, writes of assessments wait: the worker stops inside its transaction.
    blocker.execute("LOCK TABLE predictions_healthassessment IN EXCLUSIVE MODE")
    first = _worker("doomed")
    try:
        assess_fleet.delay()
        deadline = time.monotonic() + 90
        while not _waiting_on_a_lock():
            assert time.monotonic() < deadline, "the assessment never reached its write"
            assert first.poll() is None, "the worker stopped on its own"
            time.sleep(0.2)
        first.kill()
        first.wait(10)
    finally:
        blocker.rollback()
        blocker.close()
    time.sleep(1.0)  # the killed worker's backend meets its closed socket and rolls back
    assert not HealthAssessment.objects.filter(asset=p.asset_a).exists()
    assert not Alert.objects.filter(asset=p.asset_a).exists()
    assert not WorkOrder.objects.filter(asset=p.asset_a, kind="predictive").exists()

    second = _worker("next")
    try:
        result = assess_fleet.delay().get(timeout=120)
    finally:
        second.terminate()
        second.wait(20)
    assert result["assessed"] == 1 and result["alerts_opened"] == 1
    assert HealthAssessment.objects.filter(asset=p.asset_a).count() == 1
    assert Alert.objects.filter(asset=p.asset_a, status="open").count() == 1
    assert WorkOrder.objects.filter(asset=p.asset_a, kind="predictive").count() == 1
