"""The activity log on both backends (PostgreSQL table, MongoDB collection), chosen by the same
TELEMETRY_BACKEND switch as the readings: append, newest first, scoped to the user's sites,
paged back by time, and nothing logged for a change that was rolled back."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from telemetry import eventlog

pytestmark = pytest.mark.django_db


def test_event_log_on_each_backend(plant, store, django_capture_on_commit_callbacks):
    log = eventlog.store()
    assert log.name == store
    if store == "mongodb":
        log.collection.delete_many({})
    t0 = timezone.now() - timedelta(hours=1)
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(5):
            eventlog.record_event(kind="alarm.raised", title=f"A{i}", site_id=plant.site_a.pk,
                                  asset_id=plant.asset_a.pk, at=t0 + timedelta(minutes=i), severity="warning")
        eventlog.record_event(kind="asset.status", title="B0", site_id=plant.site_b.pk, asset_id=plant.asset_b.pk,
                              at=t0, actor=plant.tech_b)
    try:
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            eventlog.record_event(kind="alarm.raised", title="rolled back", site_id=plant.site_a.pk, at=t0)
            raise RuntimeError("the change that caused it failed")
    except RuntimeError:
        pass

    mine = eventlog.events_for(plant.tech_a)
    assert [e["title"] for e in mine] == ["A4", "A3", "A2", "A1", "A0"]  # newest first, site A only
    assert mine[0]["severity"] == "warning" and mine[0]["asset_id"] == plant.asset_a.pk
    older = eventlog.events_for(plant.tech_a, before=mine[1]["at"], limit=2)
    assert [e["title"] for e in older] == ["A2", "A1"]
    theirs = eventlog.events_for(plant.tech_b, asset_id=plant.asset_b.pk)
    assert [(e["title"], e["actor_id"]) for e in theirs] == [("B0", plant.tech_b.pk)]
    assert eventlog.events_for(plant.admin, kinds=["asset.status"])[0]["title"] == "B0"
    assert eventlog.events_for(plant.tech_b, site_id=plant.site_a.pk) == []
    if store == "mongodb":
        log.collection.delete_many({})


def _start_nx(port: int, data: str):
    import subprocess

    from conftest import wait_for_port
    from telemetry.tests.conftest import _nx_binary

    proc = subprocess.Popen([_nx_binary(), "--host", "127.0.0.1", "--port", str(port), "--data-dir", data],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port, proc, timeout=30)
    return proc


def test_with_mongodb_down_a_work_order_commits_and_its_events_arrive_when_it_is_back(
        plant, settings, django_capture_on_commit_callbacks, tmp_path):
    """MongoDB (a MongoDB-protocol server started here, nx-27017) stopped while a planner
    creates an order: the order is created (201, not 500), a retry with the same Idempotency-Key
    creates no second one, and its activity event waits in PostgreSQL; once the server is back
    the beat task delivers it, once."""
    from conftest import free_port, jwt_client
    from telemetry.models import EventOutbox
    from telemetry.tasks import deliver_event_outbox
    from workorders.models import WorkOrder

    port = free_port()
    settings.TELEMETRY_BACKEND, settings.MONGODB_URI = "mongodb", f"mongodb://127.0.0.1:{port}/outbox_{port}"
    api = jwt_client(plant.manager_a)
    body = {"asset": plant.asset_a.pk, "title": "Seal leaking at the coupling", "priority": "high"}
    key = {"HTTP_IDEMPOTENCY_KEY": "0c9f4d1e-outbox"}
    with django_capture_on_commit_callbacks(execute=True):
        first = api.post("/api/v1/work-orders/", body, format="json", **key)
    with django_capture_on_commit_callbacks(execute=True):
        again = api.post("/api/v1/work-orders/", body, format="json", **key)
    assert first.status_code == again.status_code == 201, first.content
    assert WorkOrder.objects.filter(title=body["title"]).count() == 1
    waiting = EventOutbox.objects.count()
    assert waiting >= 1
    assert eventlog.events_for(plant.manager_a) == [], "the feed is empty while MongoDB is down, not an error"

    server = _start_nx(port, str(tmp_path))
    try:
        assert deliver_event_outbox() == waiting
        assert EventOutbox.objects.count() == 0
        titles = [e["title"] for e in eventlog.events_for(plant.manager_a)]
        assert any(body["title"] in t for t in titles), titles
        assert deliver_event_outbox() == 0
        assert len(eventlog.events_for(plant.manager_a)) == len(titles), "delivered once"
    finally:
        server.terminate()
        server.wait(10)
