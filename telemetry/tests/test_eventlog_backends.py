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
