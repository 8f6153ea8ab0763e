"""Reading stores behind one interface, chosen by ``settings.TELEMETRY_BACKEND``.

A batch is three aligned numpy arrays (sensor id, timestamp in microseconds since the Unix
epoch UTC, value), already validated by ``telemetry.services.ingest_readings``. Every store:
keeps (sensor, ts) once (the first value written wins), accepts any order, keeps the 1-minute
and 1-hour rollups current (a store may defer folding a write into them, as long as every
rollup read sees every written reading: see ``fold_rollups``), answers range queries raw or
from a rollup, and drops old raw data while keeping rollups.
The latest value of each sensor lives on its ``Sensor`` row in PostgreSQL for every store."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np

RESOLUTIONS = ("raw", "1m", "1h")
BUCKET_US = {"1m": 60_000_000, "1h": 3_600_000_000}


@dataclass
class Batch:
    sensor: np.ndarray  # int64
    ts_us: np.ndarray  # int64, microseconds since 1970-01-01 UTC
    value: np.ndarray  # float64

    def __len__(self) -> int:
        return len(self.sensor)

    def rows(self) -> list[tuple[int, datetime, float]]:
        """(sensor_id, aware datetime, value) tuples, for code that works item by item."""
        naive = self.ts_us.astype("datetime64[us]").astype(object)
        return list(zip(self.sensor.tolist(), [d.replace(tzinfo=UTC) for d in naive], self.value.tolist(),
                        strict=True))

    @classmethod
    def from_rows(cls, rows) -> Batch:
        """From (sensor_id, aware datetime, value) tuples."""
        rows = list(rows)
        return cls(np.fromiter((r[0] for r in rows), np.int64, len(rows)),
                   np.fromiter((to_us(r[1]) for r in rows), np.int64, len(rows)),
                   np.fromiter((r[2] for r in rows), np.float64, len(rows)))


@dataclass
class Series:
    """Columns of a range query: epoch seconds and values; min/max per point for rollups."""

    resolution: str
    t: np.ndarray
    value: np.ndarray
    min: np.ndarray | None = None
    max: np.ndarray | None = None


EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
ONE_US = timedelta(microseconds=1)


def to_us(dt: datetime) -> int:
    return (dt - EPOCH) // ONE_US


def from_us(us: int) -> datetime:
    return EPOCH + timedelta(microseconds=int(us))


def first_per_key(batch: Batch) -> Batch:
    """Keep the first item of each (sensor, ts) in the batch, sorted by (sensor, ts)."""
    order = np.lexsort((batch.ts_us, batch.sensor))  # stable: the first of equal keys stays first
    s, t = batch.sensor[order], batch.ts_us[order]
    keep = np.ones(len(order), bool)
    keep[1:] = (s[1:] != s[:-1]) | (t[1:] != t[:-1])
    order = order[keep]
    return Batch(batch.sensor[order], batch.ts_us[order], batch.value[order])


def aggregate(batch: Batch, bucket_us: int):
    """Per (sensor, bucket): min, max, sum, count of a batch sorted by (sensor, ts)."""
    if not len(batch):
        empty = np.array([], np.int64)
        return empty, empty, np.array([]), np.array([]), np.array([]), empty
    bucket = batch.ts_us // bucket_us * bucket_us
    order = np.lexsort((bucket, batch.sensor))
    s, b, v = batch.sensor[order], bucket[order], batch.value[order]
    start = np.flatnonzero(np.r_[True, (s[1:] != s[:-1]) | (b[1:] != b[:-1])])
    return (s[start], b[start], np.minimum.reduceat(v, start), np.maximum.reduceat(v, start),
            np.add.reduceat(v, start), np.diff(np.r_[start, len(v)]))


def latest_per_sensor(batch: Batch):
    """(sensor ids, ts_us, values) of each sensor's newest item (first written wins on ties)."""
    order = np.lexsort((-np.arange(len(batch)), batch.ts_us, batch.sensor))
    s = batch.sensor[order]
    last = np.flatnonzero(np.r_[s[1:] != s[:-1], True])
    idx = order[last]
    return batch.sensor[idx], batch.ts_us[idx], batch.value[idx]


class ReadingStore:
    name = "abstract"

    def write(self, batch: Batch) -> int:
        """Store a validated batch; returns how many (sensor, ts) were new. Updates the rollups
        and each sensor's latest value. Runs inside the caller's transaction where it can."""
        raise NotImplementedError

    def raw(self, sensor_id: int, start_us: int, end_us: int,
            limit: int | None = None) -> tuple[np.ndarray, np.ndarray]:
        """(ts_us, value) of one sensor in [start, end], oldest first; the first ``limit`` only
        when given."""
        raise NotImplementedError

    def rollup(self, sensor_id: int, resolution: str, start_us: int, end_us: int, limit: int | None = None):
        """(bucket_us, min, max, sum, count) of one sensor's buckets that hold a moment of
        [start, end], oldest first; the first ``limit`` only when given."""
        raise NotImplementedError

    def fold_rollups(self, sensor_ids=None) -> int:
        """Bring the rollups of these sensors (or all) up to date with every write; returns how
        much deferred work was done. Stores that update rollups in the write do nothing."""
        return 0

    def count_raw(self, sensor_ids=None) -> int:
        raise NotImplementedError

    def drop_raw_before(self, cutoff: datetime) -> dict:
        """Retention: remove raw readings older than ``cutoff`` (whole days where the store
        is partitioned), keeping the rollups. Returns what was removed."""
        raise NotImplementedError

    def prepare(self, start: datetime, end: datetime) -> None:
        """Make room ahead of time (partitions); a no-op where nothing is needed."""

    def window_statistics(self, sensor_ids, since: datetime, until: datetime, halflife_s: float) -> dict:
        raise NotImplementedError
