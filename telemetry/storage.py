"""The telemetry store, whichever backend settings choose: write readings, range queries at the
resolution the span needs (raw, 1-minute or 1-hour rollups) cut to at most N points with LTTB,
retention, and the window statistics the feature builder reads."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from django.conf import settings

from telemetry.backends import BUCKET_US, Batch, ReadingStore, Series, to_us
from telemetry.lttb import lttb_indices

_stores: dict[tuple, ReadingStore] = {}
_lock = threading.Lock()


def get_store() -> ReadingStore:
    """The store for the current settings (tests switch ``TELEMETRY_BACKEND`` at run time)."""
    key = (settings.TELEMETRY_BACKEND, settings.MONGODB_URI)
    store = _stores.get(key)
    if store is None:
        with _lock:
            store = _stores.get(key)
            if store is None:
                store = _stores[key] = _make_store(*key)
    return store


def _make_store(backend: str, uri: str) -> ReadingStore:
    if backend == "postgres":
        from telemetry.backends.postgres import PostgresReadingStore

        return PostgresReadingStore()
    if backend == "mongodb":
        from telemetry.backends.mongodb import MongoReadingStore

        return MongoReadingStore(uri)
    raise ValueError(f"TELEMETRY_BACKEND must be 'postgres' or 'mongodb', not {backend!r}")


def write_batch(batch: Batch) -> int:
    return get_store().write(batch)


def fold_rollups(sensor_ids=None) -> int:
    return get_store().fold_rollups(sensor_ids)


def write_readings(rows: Sequence[tuple[int, datetime, float]]) -> int:
    """Store rows (sensor_id, ts, value); duplicates of (sensor, ts) are kept once, the first
    stored wins. Returns how many rows were new. Must run inside a transaction."""
    return write_batch(Batch.from_rows(rows)) if rows else 0


# --- Range queries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class SeriesRequest:
    sensor_id: int
    start: datetime
    end: datetime
    points: int
    sampling_interval_s: float = 1.0


def pick_resolution(span_s: float, points: int, sampling_interval_s: float) -> str:
    """The finest resolution whose row count for the span stays within a budget of
    ``TELEMETRY_SERIES_ROW_BUDGET`` (never less than ``points``): raw for hours, the minute
    rollup for days to weeks, the hour rollup beyond."""
    budget = max(settings.TELEMETRY_SERIES_ROW_BUDGET, points)
    if span_s / max(sampling_interval_s, 0.001) <= budget:
        return "raw"
    if span_s / 60 <= budget:
        return "1m"
    return "1h"


class TooManyRawRows(ValueError):
    """A raw read would fetch more than ``RAW_SERIES_MAX_POINTS`` rows."""

    def __init__(self, cap: int):
        self.cap = cap
        super().__init__(f"The raw series of this range has more than {cap:,} readings, the most one request "
                         "may read; ask for a coarser resolution (1m or 1h, or none to let it be chosen) "
                         "or a shorter range.")


def series(req: SeriesRequest, resolution: str | None = None) -> Series:
    """Points of one sensor over the range; a forced raw read of more than
    ``RAW_SERIES_MAX_POINTS`` rows raises TooManyRawRows (a chosen one falls back to 1m)."""
    store = get_store()
    start_us, end_us = to_us(req.start), to_us(req.end)
    forced = resolution is not None
    resolution = resolution or pick_resolution((end_us - start_us) / 1e6, req.points, req.sampling_interval_s)
    if resolution == "raw":
        cap = settings.RAW_SERIES_MAX_POINTS
        t, v = store.raw(req.sensor_id, start_us, end_us, limit=cap + 1)  # one more tells "over" from "at"
        if len(t) > cap:
            if forced:
                raise TooManyRawRows(cap)
            return series(req, "1m")  # a sensor logging faster than its sampling interval says
        keep = lttb_indices(t, v, req.points)
        if len(keep) == len(t):
            return Series("raw", t / 1e6, v)
        # As for rollups: each kept point also carries the envelope of the points it stands for.
        return Series("raw", t[keep] / 1e6, v[keep], np.minimum.reduceat(v, keep), np.maximum.reduceat(v, keep))
    bucket, lo, hi, total, count = store.rollup(req.sensor_id, resolution, start_us, end_us)
    mean = total / np.maximum(count, 1)
    t = bucket + BUCKET_US[resolution] // 2  # a bucket is drawn at its middle
    keep = lttb_indices(t, mean, req.points)
    if len(keep) == len(t):
        return Series(resolution, t / 1e6, mean, lo, hi)
    # Each kept point stands for the buckets up to the next kept one: its band is their envelope,
    # so a spike inside a dropped bucket still shows in min/max.
    return Series(resolution, t[keep] / 1e6, mean[keep], np.minimum.reduceat(lo, keep),
                  np.maximum.reduceat(hi, keep))


# --- Retention and partitions --------------------------------------------------------------------


def drop_raw_before(cutoff: datetime) -> dict:
    return get_store().drop_raw_before(cutoff)


def prepare(start: datetime, end: datetime) -> None:
    get_store().prepare(start, end)


# --- Features ------------------------------------------------------------------------------------

# The order of the statistics window_statistics returns per sensor.
WINDOW_STATISTICS = ("last", "mean", "std", "min", "max", "slope", "ewm")


def window_statistics(sensor_ids: Iterable[int], since: datetime, until: datetime,
                      halflife_s: float) -> dict[int, tuple[float, ...]]:
    """Per sensor with readings in [since, until]: last value, mean, population std, min, max,
    least-squares slope per minute, and the mean weighted by exp(-age * ln2 / halflife) with age
    counted from the sensor's last reading. One query for any number of sensors."""
    return get_store().window_statistics(sensor_ids, since, until, halflife_s)
