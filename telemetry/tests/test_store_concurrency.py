"""Two gateways sending the same batch at the same moment (a retry racing the original): each
reading is stored once and counted once in the rollups, and neither request fails."""

from __future__ import annotations

import threading
from datetime import timedelta

from django.db import connection
from django.utils import timezone

from telemetry import services, storage
from telemetry.backends import to_us


def test_the_same_batch_from_two_writers_at_once_is_stored_and_rolled_up_once(live_plant):
    sensors = list(live_plant.sensors_a.values())
    start = timezone.now().replace(second=0, microsecond=0) - timedelta(hours=2)
    items = [{"sensor": sensors[i % 4].pk, "ts": (start + timedelta(seconds=i // 4)).isoformat(), "value": i % 13}
             for i in range(8000)]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def send():
        try:
            barrier.wait()
            results.append(services.ingest_readings(items))
        except Exception as exc:  # noqa: BLE001  (the assertion below shows it)
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=send) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    assert sorted(r.stored for r in results) == [0, 8000]
    assert sum(r.duplicates for r in results) == 8000
    assert storage.get_store().count_raw([s.pk for s in sensors]) == 8000
    for s in sensors:
        _b, _lo, _hi, _tot, count = storage.get_store().rollup(s.pk, "1h", to_us(start - timedelta(hours=1)),
                                                              to_us(start + timedelta(hours=2)))
        assert count.sum() == 2000
