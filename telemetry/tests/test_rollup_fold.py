"""PostgreSQL store: writes leave their rollup aggregates pending and a fold moves them into the
rollups. Every reader sees every written reading (a rollup read, the rollup API, the beat task),
folds running at the same time as writes and as each other count each reading exactly once, and
the pending aggregates of a deleted sensor go with it."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from telemetry import services, storage, tasks
from telemetry.backends import to_us
from telemetry.models import ReadingRollupHour, ReadingRollupMinute


def pending_count() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(sum(count), 0) FROM telemetry_rollup_pending")
        return int(cursor.fetchone()[0])


def items(sensor, start, n, value=lambda i: float(i % 7)):
    return [{"sensor": sensor.pk, "ts": (start + timedelta(seconds=i)).isoformat(), "value": value(i)}
            for i in range(n)]


@pytest.mark.django_db
def test_a_rollup_read_folds_its_sensor_first_and_leaves_the_others_pending(plant):
    vib, temp = plant.sensors_a["vibration"], plant.sensors_a["temperature"]
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    services.ingest_readings(items(vib, start, 150) + items(temp, start, 90))
    assert pending_count() == 240  # nothing folded by the write itself
    _b, lo, hi, total, count = storage.get_store().rollup(vib.pk, "1m", to_us(start), to_us(start + timedelta(hours=1)))
    assert count.tolist() == [60, 60, 30] and lo.min() == 0.0 and hi.max() == 6.0
    assert total.sum() == sum(i % 7 for i in range(150))
    assert pending_count() == 90  # the temperature's aggregates wait for their own read or the beat task
    assert tasks.fold_rollups() > 0 and pending_count() == 0
    assert ReadingRollupHour.objects.get(sensor=temp).count == 90
    # A resend adds nothing anywhere.
    services.ingest_readings(items(temp, start, 90))
    assert pending_count() == 0


@pytest.mark.django_db
def test_the_rollup_api_lists_readings_written_a_moment_ago(plant, client):
    cur = plant.sensors_a["current"]
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(minutes=30)
    services.ingest_readings(items(cur, start, 120, value=lambda i: 2.0))
    client.force_login(plant.tech_a)
    body = client.get("/api/v1/reading-rollups-1m/", {"sensor": cur.pk}).json()
    rows = body["results"] if isinstance(body, dict) else body
    assert sorted(r["count"] for r in rows) == [60, 60] and {r["mean"] for r in rows} == {2.0}


@pytest.mark.django_db
def test_pending_aggregates_of_a_deleted_sensor_are_dropped_by_the_fold(plant):
    vib, temp = plant.sensors_a["vibration"], plant.sensors_a["temperature"]
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=1)
    services.ingest_readings(items(vib, start, 60) + items(temp, start, 60))
    vib_id = vib.pk
    vib.delete()
    assert storage.fold_rollups() == 2  # both pending rows taken; the deleted sensor's folded nowhere
    assert not ReadingRollupMinute.objects.filter(sensor_id=vib_id).exists()
    assert ReadingRollupMinute.objects.get(sensor=temp).count == 60


def test_folds_racing_writes_and_each_other_count_every_reading_once(live_plant):
    sensors = list(live_plant.sensors_a.values())
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=3)
    batches = [[{"sensor": sensors[i % 4].pk, "ts": (start + timedelta(seconds=k * 500 + i // 4)).isoformat(),
                 "value": 1.0} for i in range(2000)] for k in range(8)]
    errors = []
    writing = threading.Event()

    def write():
        try:
            for batch in batches:
                services.ingest_readings(batch)
        except Exception as exc:  # noqa: BLE001  (the assertion below shows it)
            errors.append(exc)
        finally:
            writing.set()
            connection.close()

    def fold():
        try:
            while not writing.is_set():
                storage.fold_rollups()
                storage.fold_rollups([sensors[0].pk])
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=write), threading.Thread(target=fold), threading.Thread(target=fold)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not errors, errors
    storage.fold_rollups()
    assert pending_count() == 0
    for s in sensors:
        for model in (ReadingRollupMinute, ReadingRollupHour):
            counts = model.objects.filter(sensor=s).values_list("count", flat=True)
            assert sum(counts) == 4000, (model.__name__, s.metric)
