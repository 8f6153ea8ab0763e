"""The telemetry store, on PostgreSQL and on MongoDB alike: the ingestion rules, rollups on a
known signal, retention, and range queries that pick a resolution and keep a spike."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.utils import timezone

from telemetry import services, storage
from telemetry.backends import BUCKET_US, to_us
from telemetry.lttb import lttb_indices

pytestmark = pytest.mark.django_db


def iso(dt: datetime) -> str:
    return dt.isoformat()


def items_for(sensor, start: datetime, values, step_s: float = 1.0) -> list[dict]:
    return [{"sensor": sensor.pk, "ts": iso(start + timedelta(seconds=i * step_s)), "value": float(v)}
            for i, v in enumerate(values)]


def raw(sensor, start, end):
    t, v = storage.get_store().raw(sensor.pk, to_us(start), to_us(end))
    return t, v


def test_duplicates_once_out_of_order_accepted_latest_never_moves_back(store, plant):
    vib = plant.sensors_a["vibration"]
    now = timezone.now().replace(microsecond=0)
    t1, t2, t0 = now - timedelta(seconds=10), now - timedelta(seconds=5), now - timedelta(seconds=60)
    first = services.ingest_readings([
        {"sensor": vib.pk, "ts": iso(t2), "value": 2.0},
        {"sensor": vib.pk, "ts": iso(t1), "value": 1.0},
        {"sensor": vib.pk, "ts": iso(t2), "value": 9.0},  # same instant again in the batch: the first wins
    ])
    assert (first.stored, first.duplicates) == (2, 1)
    again = services.ingest_readings([{"sensor": vib.pk, "ts": iso(t2), "value": 7.0},   # a retry
                                      {"sensor": vib.key, "ts": iso(t0), "value": 0.5}])  # late, older
    assert (again.stored, again.duplicates) == (1, 1)
    t, v = raw(vib, now - timedelta(hours=1), now)
    assert v.tolist() == [0.5, 1.0, 2.0]
    assert (t == sorted(t)).all()
    vib.refresh_from_db()
    assert vib.last_value == 2.0 and vib.last_ts == t2


def test_bad_items_refused_by_index_valid_ones_stored_and_atomic_refuses_all(store, plant):
    vib = plant.sensors_a["vibration"]
    now = timezone.now()
    batch = json.loads(json.dumps([
        {"sensor": vib.pk, "ts": iso(now - timedelta(seconds=3)), "value": 1.5},
        {"sensor": 424242, "ts": iso(now), "value": 1},
        {"sensor": vib.pk, "ts": iso(now - timedelta(seconds=2)), "value": float("nan")},
        {"sensor": vib.pk, "ts": iso(now - timedelta(seconds=1)), "value": float("-inf")},
        {"sensor": vib.pk, "ts": iso(now), "value": "3.2"},
        {"sensor": vib.pk, "ts": iso(now + timedelta(days=2)), "value": 1},
        {"sensor": vib.pk, "ts": 1e20, "value": 1},
        {"sensor": plant.sensors_b["vibration"].key, "ts": iso(now), "value": 1},
        {"sensor": True, "ts": iso(now), "value": 1},
    ]))
    atomic = services.ingest_readings(batch, actor=plant.tech_a, atomic=True)
    assert atomic.stored == 0 and atomic.refused == 8
    assert storage.get_store().count_raw([vib.pk]) == 0

    result = services.ingest_readings(batch, actor=plant.tech_a)
    errors = {(e["index"], e["field"]): e["reason"] for e in result.errors}
    assert result.stored == 1 and result.refused == 8
    assert "unknown sensor" in errors[(1, "sensor")]
    assert "NaN or infinite" in errors[(2, "value")] and "NaN or infinite" in errors[(3, "value")]
    assert "string" in errors[(4, "value")]
    assert "future" in errors[(5, "ts")]
    assert "out of range" in errors[(6, "ts")]
    assert "unknown sensor" in errors[(7, "sensor")]  # another site's sensor is not revealed
    assert "unknown sensor" in errors[(8, "sensor")]
    assert storage.get_store().count_raw([vib.pk]) == 1
    assert storage.get_store().count_raw([plant.sensors_b["vibration"].pk]) == 0


def test_rollups_match_a_known_signal_whatever_the_order_and_repeats(store, plant):
    temp = plant.sensors_a["temperature"]
    start = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
    n = 2 * 3600 + 120  # two hours and two minutes at 1 Hz
    values = 50 + 10 * np.sin(np.arange(n) / 300.0)
    items = items_for(temp, start, values)
    rng = np.random.default_rng(3)
    shuffled = [items[i] for i in rng.permutation(n)]
    for k in range(0, n, 1000):
        services.ingest_readings(shuffled[k:k + 1000])
    services.ingest_readings(items[:3000])  # a resend of the first 50 minutes changes nothing

    for resolution in ("1m", "1h"):
        size = BUCKET_US[resolution] // 1_000_000
        bucket, lo, hi, total, count = storage.get_store().rollup(
            temp.pk, resolution, to_us(start), to_us(start + timedelta(seconds=n)))
        groups = np.arange(n) // size
        expected = [(values[groups == g].min(), values[groups == g].max(), values[groups == g].mean(),
                     (groups == g).sum()) for g in np.unique(groups)]
        assert len(bucket) == len(expected)
        assert bucket[0] == to_us(start) and bucket[1] - bucket[0] == BUCKET_US[resolution]
        assert np.allclose(lo, [e[0] for e in expected]) and np.allclose(hi, [e[1] for e in expected])
        assert np.allclose(total / count, [e[2] for e in expected])
        assert count.tolist() == [e[3] for e in expected]


def test_retention_drops_old_raw_and_keeps_rollups(store, plant, settings):
    settings.TELEMETRY_RAW_RETENTION_DAYS = 30
    cur = plant.sensors_a["current"]
    now = timezone.now()
    old = (now - timedelta(days=40)).replace(hour=12, minute=0, second=0, microsecond=0)
    services.ingest_readings(items_for(cur, old, [10.0, 20.0, 30.0], step_s=60))
    services.ingest_readings(items_for(cur, now - timedelta(minutes=5), [40.0, 41.0]))
    services.apply_retention(now=now)
    t, v = raw(cur, old - timedelta(days=1), now)
    assert v.tolist() == [40.0, 41.0]  # the old day is gone...
    _b, lo, hi, total, count = storage.get_store().rollup(cur.pk, "1h", to_us(old), to_us(old + timedelta(hours=1)))
    assert count.tolist() == [3] and total.tolist() == [60.0]  # ...its hourly rollup is kept
    services.apply_retention(now=now)  # idempotent
    assert storage.get_store().count_raw([cur.pk]) == 2


def test_series_picks_resolution_by_span_and_keeps_a_spike(store, plant):
    vib = plant.sensors_a["vibration"]
    end = timezone.now().replace(microsecond=0)
    start = end - timedelta(hours=3)
    n = 3 * 3600
    values = np.full(n, 2.0) + np.random.default_rng(1).normal(0, 0.05, n)
    values[7000] = 25.0  # a one-second spike
    values[7001] = -5.0
    services.ingest_readings(items_for(vib, start, values)[:5000])
    services.ingest_readings(items_for(vib, start, values)[5000:])

    def query(span, points=300):
        return storage.series(storage.SeriesRequest(vib.pk, end - span, end, points, 1.0))

    raw_series = query(timedelta(hours=3))
    assert raw_series.resolution == "raw" and len(raw_series.t) <= 300
    assert raw_series.value.max() == 25.0  # LTTB keeps the peak itself...
    assert raw_series.max.max() == 25.0 and raw_series.min.min() == -5.0  # ...and the band both extremes
    week = query(timedelta(days=7))
    assert week.resolution == "1m" and len(week.t) <= 300
    assert week.max.max() == 25.0 and week.min.min() == -5.0  # the envelope keeps the spike
    year = query(timedelta(days=365))
    assert year.resolution == "1h" and year.max.max() == 25.0
    assert abs(float(np.average(year.value)) - 2.0) < 0.5


def test_window_statistics_agree_between_backends_on_the_same_data(store, plant):
    pres = plant.sensors_a["pressure"]
    end = timezone.now().replace(microsecond=0)
    values = [7.0, 7.2, 6.9, 7.4, 7.1]
    services.ingest_readings(items_for(pres, end - timedelta(seconds=120), values, step_s=30))
    stats = storage.window_statistics([pres.pk], end - timedelta(minutes=10), end, halflife_s=60)[pres.pk]
    last, mean, std, lo, hi, slope, ewm = stats
    assert last == 7.1 and lo == 6.9 and hi == 7.4
    assert mean == pytest.approx(np.mean(values)) and std == pytest.approx(np.std(values))
    assert slope == pytest.approx(np.polyfit(np.arange(5) * 30.0, values, 1)[0] * 60)
    w = np.exp(-(120 - np.arange(5) * 30.0) * np.log(2) / 60)
    assert ewm == pytest.approx(float((w * values).sum() / w.sum()))


def test_lttb_keeps_at_most_n_points_and_the_extremes_of_a_spike():
    x = np.arange(100_000, dtype=float)
    y = np.sin(x / 5000)
    y[51_234], y[20_017] = 40.0, -40.0  # a one-sample spike and a one-sample dip
    keep = lttb_indices(x, y, 500)
    assert len(keep) <= 500 and keep[0] == 0 and keep[-1] == len(x) - 1
    assert (np.diff(keep) > 0).all()
    assert 51_234 in keep and 20_017 in keep
    assert y[keep].max() == 40.0 and y[keep].min() == -40.0
    assert len(lttb_indices(x[:10], y[:10], 500)) == 10
