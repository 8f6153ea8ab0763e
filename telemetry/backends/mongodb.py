"""MongoDB reading store (pymongo), with the behaviour of the PostgreSQL one.

MongoDB's time-series collections cannot carry a unique index, so they cannot keep each
(sensor, ts) once, which the ingestion rules require. Raw readings therefore go to a regular
collection with a unique (sensor, ts) index (the layout MongoDB suggests when uniqueness is
needed); the 1-minute and 1-hour rollups are collections keyed by (sensor, bucket), updated with
$min/$max/$inc from exactly the newly inserted readings. Retention deletes raw documents older
than the cutoff and keeps the rollups. MongoDB writes are not part of the PostgreSQL
transaction: a batch is stored even if the caller's transaction later rolls back, and a retry is
harmless because (sensor, ts) is stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
from pymongo import ASCENDING, MongoClient, UpdateOne
from pymongo.errors import BulkWriteError

from telemetry.backends import BUCKET_US, Batch, ReadingStore, aggregate, first_per_key

DUPLICATE_KEY = 11000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _dt(us) -> datetime:
    return _EPOCH + timedelta(microseconds=int(us))


def _since(us) -> dict:
    """The condition "at or after ``us``" on a BSON date, which holds milliseconds: a bound
    inside a millisecond moves up to the next one (else "just after this reading" would find
    that reading again), written as "after the millisecond before", which also holds on servers
    that compare dates more coarsely."""
    return {"$gt": _dt(-(-int(us) // 1000) * 1000 - 1000)}


def _us(dt: datetime) -> int:
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return (dt - _EPOCH) // timedelta(microseconds=1)


class MongoReadingStore(ReadingStore):
    name = "mongodb"

    def __init__(self, uri: str):
        if not uri:
            raise ValueError("TELEMETRY_BACKEND is 'mongodb' but MONGODB_URI is empty")
        self.client = MongoClient(uri, tz_aware=True, tzinfo=UTC, serverSelectionTimeoutMS=5000)
        self.db = self.client.get_default_database(default="prosync")
        self.readings = self.db["telemetry_readings"]
        self.rollups = {"1m": self.db["telemetry_rollup_1m"], "1h": self.db["telemetry_rollup_1h"]}
        self._indexes_made = False

    def _ensure_indexes(self) -> None:
        if self._indexes_made:
            return
        self.readings.create_index([("sensor", ASCENDING), ("ts", ASCENDING)], unique=True, name="sensor_ts")
        self.readings.create_index([("ts", ASCENDING)], name="ts")
        for coll in self.rollups.values():
            coll.create_index([("sensor", ASCENDING), ("bucket", ASCENDING)], unique=True, name="sensor_bucket")
        self._indexes_made = True

    def server_description(self) -> str:
        info = self.client.server_info()
        return f"{info.get('version') or 'unknown version'} at {self.client.address}"

    def write(self, batch: Batch) -> int:
        if not len(batch):
            return 0
        self._ensure_indexes()
        batch = first_per_key(batch)
        docs = [{"sensor": int(s), "ts": _dt(t), "value": float(v)}
                for s, t, v in zip(batch.sensor.tolist(), batch.ts_us.tolist(), batch.value.tolist(), strict=True)]
        failed = np.zeros(len(docs), bool)
        try:
            self.readings.insert_many(docs, ordered=False)
        except BulkWriteError as exc:
            for err in exc.details.get("writeErrors", []):
                if err.get("code") != DUPLICATE_KEY:
                    raise
                failed[err["index"]] = True
        new = ~failed
        inserted = Batch(batch.sensor[new], batch.ts_us[new], batch.value[new])
        for resolution, coll in self.rollups.items():
            s, b, lo, hi, total, count = aggregate(inserted, BUCKET_US[resolution])
            ops = [UpdateOne({"sensor": int(s[i]), "bucket": _dt(b[i])},
                             {"$min": {"min": float(lo[i])}, "$max": {"max": float(hi[i])},
                              "$inc": {"sum": float(total[i]), "count": int(count[i])}}, upsert=True)
                   for i in range(len(s))]
            if ops:
                coll.bulk_write(ops, ordered=True)
        from telemetry.backends.postgres import update_latest

        update_latest(inserted)
        return int(new.sum())

    def raw(self, sensor_id, start_us, end_us, limit=None):
        cur = self.readings.find({"sensor": int(sensor_id), "ts": {**_since(start_us), "$lte": _dt(end_us)}},
                                 {"_id": 0, "ts": 1, "value": 1}).sort("ts", ASCENDING).limit(int(limit or 0))
        docs = list(cur)
        return (np.array([_us(d["ts"]) for d in docs], np.int64),
                np.array([d["value"] for d in docs], np.float64))

    def rollup(self, sensor_id, resolution, start_us, end_us, limit=None):
        cur = self.rollups[resolution].find(
            {"sensor": int(sensor_id),
             "bucket": {**_since(start_us - BUCKET_US[resolution] + 1), "$lte": _dt(end_us)}},
            {"_id": 0}).sort("bucket", ASCENDING).limit(int(limit or 0))
        docs = list(cur)
        return (np.array([_us(d["bucket"]) for d in docs], np.int64),
                np.array([d["min"] for d in docs], np.float64), np.array([d["max"] for d in docs], np.float64),
                np.array([d["sum"] for d in docs], np.float64), np.array([d["count"] for d in docs], np.int64))

    def count_raw(self, sensor_ids=None) -> int:
        query = {} if sensor_ids is None else {"sensor": {"$in": [int(s) for s in sensor_ids]}}
        return self.readings.count_documents(query)

    def drop_raw_before(self, cutoff: datetime) -> dict:
        result = self.readings.delete_many({"ts": {"$lt": cutoff}})
        return {"documents_deleted": result.deleted_count}

    def window_statistics(self, sensor_ids, since, until, halflife_s):
        ids = [int(s) for s in sensor_ids]
        if not ids:
            return {}
        docs = list(self.readings.find({"sensor": {"$in": ids}, "ts": {"$gte": since, "$lte": until}},
                                       {"_id": 0, "sensor": 1, "ts": 1, "value": 1}))
        by_sensor: dict[int, list] = {}
        for d in docs:
            by_sensor.setdefault(d["sensor"], []).append((_us(d["ts"]) / 1e6, d["value"]))
        out = {}
        for sensor, pairs in by_sensor.items():
            pairs.sort()
            t = np.array([p[0] for p in pairs])
            v = np.array([p[1] for p in pairs])
            if len(t) > 1 and np.ptp(t) > 0:
                slope = float(np.polyfit(t - t.mean(), v, 1)[0]) * 60
            else:
                slope = 0.0
            w = np.exp(-(t[-1] - t) * np.log(2) / float(halflife_s))
            out[sensor] = (float(v[-1]), float(v.mean()), float(v.std()), float(v.min()), float(v.max()), slope,
                           float((w * v).sum() / w.sum()))
        return out

    def drop_everything(self) -> None:
        """For tests: an empty store."""
        self.readings.drop()
        for coll in self.rollups.values():
            coll.drop()
        self._indexes_made = False
