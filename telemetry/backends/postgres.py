"""PostgreSQL reading store: a table partitioned by day on ``ts``, written by binary COPY (or,
when some (sensor, ts) are already stored, through a staging table that inserts each new one
once); retention drops whole day partitions.

Rollups: a write adds the 1-minute aggregates of exactly the rows it inserted to a pending table
(a plain heap: no conflict to resolve, no foreign key to check), and ``fold`` moves pending
aggregates into the 1-minute and 1-hour rollups, many batches at a time. Every rollup read folds
the sensors it reads first, and beat folds everything every few seconds, so readers never miss
a written reading. Upserting each batch's buckets into the rollups in the write cost as much as
the COPY itself, mostly on buckets the next batch upserts again."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
from django.db import OperationalError, connection, transaction
from psycopg.errors import UniqueViolation

from telemetry.backends import BUCKET_US, Batch, ReadingStore, aggregate, first_per_key, latest_per_sensor

READINGS = "telemetry_reading"
ROLLUP_TABLES = {"1m": "telemetry_readingrollupminute", "1h": "telemetry_readingrolluphour"}
PENDING = "telemetry_rollup_pending"
SENSORS = "telemetry_sensor"
PARTITION_NAME = re.compile(r"^telemetry_reading_p(\d{8})$")

# PostgreSQL's binary COPY: a header, then per row a field count and (length, big-endian value)
# per field; timestamptz is microseconds since 2000-01-01 UTC. Built with numpy in one pass.
_COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + b"\x00" * 8
_COPY_TRAILER = b"\xff\xff"
_PG_EPOCH_US = 946_684_800_000_000
_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("sensor", ">i8"), ("l2", ">i4"), ("ts", ">i8"),
                 ("l3", ">i4"), ("value", ">f8")])


def copy_payload(batch: Batch) -> bytes:
    rows = np.empty(len(batch), _ROW)
    rows["n"], rows["l1"], rows["l2"], rows["l3"] = 3, 8, 8, 8
    rows["sensor"] = batch.sensor
    rows["ts"] = batch.ts_us - _PG_EPOCH_US
    rows["value"] = batch.value
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def _rollup_upsert(name: str, table: str, bucket: str) -> str:
    return f"""{name} AS (
        INSERT INTO {table} AS r (sensor_id, bucket, min, max, sum, count)
        SELECT sensor_id, date_trunc('{bucket}', bucket, 'UTC'), min(min), max(max), sum(sum), sum(count)::bigint
        FROM d GROUP BY 1, 2 ORDER BY 1, 2
        ON CONFLICT (sensor_id, bucket) DO UPDATE SET min = least(r.min, excluded.min),
            max = greatest(r.max, excluded.max), sum = r.sum + excluded.sum, count = r.count + excluded.count
        RETURNING 1)"""


# Pending aggregates of sensors deleted since are dropped with them (the join); rollup rows are
# locked in (sensor, bucket) order so that concurrent folds cannot deadlock.
FOLD_SQL = f"""
WITH taken AS (DELETE FROM {PENDING} p {{where}} RETURNING p.sensor_id, p.bucket, p.min, p.max, p.sum, p.count),
d AS (SELECT taken.* FROM taken JOIN {SENSORS} s ON s.id = taken.sensor_id),
{_rollup_upsert("m", ROLLUP_TABLES["1m"], "minute")},
{_rollup_upsert("h", ROLLUP_TABLES["1h"], "hour")}
SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM m), (SELECT count(*) FROM h)
"""

# The staged write, in one round trip: new rows in, their minute aggregates pending, latest
# values moved on. Rows are taken in (sensor, ts) order so that concurrent writers lock in the
# same order.
WRITE_SQL = f"""
WITH ins AS (
    INSERT INTO {READINGS} (sensor_id, ts, value)
    SELECT DISTINCT ON (sensor_id, ts) sensor_id, ts, value FROM reading_stage ORDER BY sensor_id, ts, seq
    ON CONFLICT (sensor_id, ts) DO NOTHING
    RETURNING sensor_id, ts, value),
pending AS (
    INSERT INTO {PENDING} (sensor_id, bucket, min, max, sum, count)
    SELECT sensor_id, date_trunc('minute', ts, 'UTC'), min(value), max(value), sum(value), count(*)
    FROM ins GROUP BY 1, 2
    RETURNING 1),
latest AS (
    UPDATE {SENSORS} s SET last_value = l.value, last_ts = l.ts FROM (
        SELECT DISTINCT ON (sensor_id) sensor_id, ts, value FROM ins ORDER BY sensor_id, ts DESC) l
    WHERE s.id = l.sensor_id AND (s.last_ts IS NULL OR l.ts > s.last_ts)
    RETURNING 1)
SELECT (SELECT count(*) FROM ins), (SELECT count(*) FROM pending), (SELECT count(*) FROM latest)
"""

_PENDING_ROW = np.dtype([("n", ">i2"), ("l1", ">i4"), ("sensor", ">i8"), ("l2", ">i4"), ("bucket", ">i8"),
                         ("l3", ">i4"), ("min", ">f8"), ("l4", ">i4"), ("max", ">f8"), ("l5", ">i4"), ("sum", ">f8"),
                         ("l6", ">i4"), ("count", ">i8")])


def pending_payload(batch: Batch) -> bytes:
    """The batch's minute aggregates as a binary COPY into the pending table."""
    s, bucket, lo, hi, total, count = aggregate(batch, BUCKET_US["1m"])
    rows = np.empty(len(s), _PENDING_ROW)
    rows["n"] = 6
    rows["l1"] = rows["l2"] = rows["l3"] = rows["l4"] = rows["l5"] = rows["l6"] = 8
    rows["sensor"], rows["bucket"] = s, bucket - _PG_EPOCH_US
    rows["min"], rows["max"], rows["sum"], rows["count"] = lo, hi, total, count
    return _COPY_HEADER + rows.tobytes() + _COPY_TRAILER


def pg_array(values: np.ndarray) -> str:
    """A numeric array as a PostgreSQL array literal: one string parameter instead of thousands
    of adapted numbers (repr of a float is exact)."""
    return "{" + ",".join(map(repr, values.tolist())) + "}"


def fold(sensor_ids=None) -> int:
    """Move pending aggregates (of these sensors, or all) into the rollups; returns how many
    pending rows were folded. Each pending row is taken by exactly one fold (DELETE ...
    RETURNING), so concurrent folds and writes neither lose nor double-count a reading."""
    where, params = "", []
    if sensor_ids is not None:
        where, params = "WHERE p.sensor_id = ANY(%s)", [[int(s) for s in sensor_ids]]
    sql = FOLD_SQL.replace("{where}", where)
    for attempt in range(3):
        try:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.execute(sql, params)
                return cursor.fetchone()[0]
        except OperationalError as exc:  # two folds meeting on the same rollup rows
            if getattr(exc.__cause__, "sqlstate", None) != "40P01" or attempt == 2:
                raise
    raise AssertionError("unreachable")


def days_of(ts_us: np.ndarray) -> list[str]:
    days = np.unique(ts_us // 86_400_000_000)
    return [str(np.datetime64(int(d), "D")) for d in days]


class PostgresReadingStore(ReadingStore):
    name = "postgres"

    def write(self, batch: Batch) -> int:
        """Fast path: COPY the batch (deduplicated in numpy) straight into the readings table,
        COPY its minute aggregates (from numpy) into the pending rollups, and move the latest
        values on. If any (sensor, ts) is already stored, the COPY fails on the unique key, is
        rolled back to its savepoint, and the batch goes through the staging table, which
        inserts only the new rows."""
        if not len(batch):
            return 0
        batch = first_per_key(batch)
        with connection.cursor() as cursor:
            # Day partitions the batch needs and that are not there yet (late or historical data).
            cursor.execute("SELECT telemetry_reading_partition(d) FROM unnest(%s::date[]) d",
                           [days_of(batch.ts_us)])
            payload = copy_payload(batch)
            copy_sql = f"COPY {READINGS} (sensor_id, ts, value) FROM STDIN (FORMAT binary)"
            try:
                with transaction.atomic(), cursor.cursor.copy(copy_sql) as cp:
                    cp.write(payload)
            except UniqueViolation:
                return self._write_staged(cursor, payload)
            with cursor.cursor.copy(f"COPY {PENDING} (sensor_id, bucket, min, max, sum, count) "
                                    "FROM STDIN (FORMAT binary)") as cp:
                cp.write(pending_payload(batch))
        update_latest(batch)
        return len(batch)

    def _write_staged(self, cursor, payload: bytes) -> int:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS reading_stage (sensor_id bigint, ts timestamptz, "
            "value double precision, seq bigserial) ON COMMIT DELETE ROWS")
        with cursor.cursor.copy("COPY reading_stage (sensor_id, ts, value) FROM STDIN (FORMAT binary)") as copy:
            copy.write(payload)
        cursor.execute(WRITE_SQL)
        inserted = cursor.fetchone()[0]
        cursor.execute("TRUNCATE reading_stage")
        return inserted

    def fold_rollups(self, sensor_ids=None) -> int:
        return fold(sensor_ids)

    def raw(self, sensor_id, start_us, end_us, limit=None):
        rows = _copy_out(
            f"SELECT ts, value FROM {READINGS} WHERE sensor_id = {{}} AND ts >= {{}} AND ts <= {{}} ORDER BY ts"
            + (" LIMIT {}" if limit else ""),
            [int(sensor_id), _dt(start_us), _dt(end_us), *([int(limit)] if limit else [])], _RAW_OUT)
        return rows["ts"].astype(np.int64) + _PG_EPOCH_US, rows["value"].astype(np.float64)

    def rollup(self, sensor_id, resolution, start_us, end_us, limit=None):
        fold([sensor_id])
        rows = _copy_out(
            f"SELECT bucket, min, max, sum, count::int8 FROM {ROLLUP_TABLES[resolution]} "
            "WHERE sensor_id = {} AND bucket >= {} AND bucket <= {} ORDER BY bucket" + (" LIMIT {}" if limit else ""),
            [int(sensor_id), _dt(start_us - BUCKET_US[resolution] + 1), _dt(end_us), *([int(limit)] if limit else [])],
            _ROLLUP_OUT)
        return (rows["ts"].astype(np.int64) + _PG_EPOCH_US, rows["min"].astype(np.float64),
                rows["max"].astype(np.float64), rows["sum"].astype(np.float64), rows["count"].astype(np.int64))

    def count_raw(self, sensor_ids=None) -> int:
        with connection.cursor() as cursor:
            if sensor_ids is None:
                cursor.execute(f"SELECT count(*) FROM {READINGS}")
            else:
                cursor.execute(f"SELECT count(*) FROM {READINGS} WHERE sensor_id = ANY(%s)", [list(sensor_ids)])
            return cursor.fetchone()[0]

    def partitions(self) -> list[tuple[str, datetime]]:
        """(name, day) of every day partition, oldest first."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
                           "WHERE i.inhparent = %s::regclass", [READINGS])
            out = []
            for (name,) in cursor.fetchall():
                m = PARTITION_NAME.match(name)
                if m:
                    out.append((name, datetime.strptime(m.group(1), "%Y%m%d").replace(tzinfo=UTC)))
            return sorted(out, key=lambda p: p[1])

    def drop_raw_before(self, cutoff: datetime) -> dict:
        dropped = []
        with connection.cursor() as cursor:
            # Deferred foreign-key checks of rows written earlier in this transaction must run
            # before a partition holding them can be dropped.
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            for name, day in self.partitions():
                if day + timedelta(days=1) <= cutoff:  # every row of the day is older than the cutoff
                    cursor.execute(f'DROP TABLE "{name}"')
                    dropped.append(name)
        return {"partitions_dropped": dropped}

    def prepare(self, start: datetime, end: datetime) -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT telemetry_reading_partition(d::date) FROM generate_series("
                           "date_trunc('day', %s::timestamptz AT TIME ZONE 'UTC'), "
                           "%s::timestamptz AT TIME ZONE 'UTC', interval '1 day') d", [start, end])

    def window_statistics(self, sensor_ids, since, until, halflife_s):
        ids = list(sensor_ids)
        if not ids:
            return {}
        sql = f"""
            WITH w AS (
                SELECT sensor_id, value, extract(epoch FROM ts)::float8 AS t,
                       max(extract(epoch FROM ts)::float8) OVER (PARTITION BY sensor_id) AS t_last
                FROM {READINGS} WHERE sensor_id = ANY(%(ids)s) AND ts >= %(since)s AND ts <= %(until)s
            )
            SELECT sensor_id,
                   (array_agg(value ORDER BY t DESC))[1],
                   avg(value), stddev_pop(value), min(value), max(value),
                   coalesce(regr_slope(value, t), 0) * 60,
                   sum(value * exp(-(t_last - t) * ln(2) / %(hl)s)) / sum(exp(-(t_last - t) * ln(2) / %(hl)s))
            FROM w GROUP BY sensor_id"""
        with connection.cursor() as cursor:
            cursor.execute(sql, {"ids": ids, "since": since, "until": until, "hl": float(halflife_s)})
            return {row[0]: tuple(row[1:]) for row in cursor.fetchall()}


def update_latest(batch: Batch) -> None:
    """Move each sensor's latest value forward (never back) from a batch, in one statement, rows
    taken in sensor order so that concurrent writers lock in one order. The arrays travel as
    literals: one string each instead of hundreds of adapted numbers."""
    if not len(batch):
        return
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {SENSORS} s SET last_value = l.value, last_ts = l.ts FROM ("
            "  SELECT unnest(%s::bigint[]) AS sensor_id, "
            "         timestamptz 'epoch' + unnest(%s::bigint[]) * interval '1 microsecond' AS ts, "
            "         unnest(%s::float8[]) AS value ORDER BY 1) l "
            "WHERE s.id = l.sensor_id AND (s.last_ts IS NULL OR l.ts > s.last_ts)",
            [pg_array(col) for col in latest_per_sensor(batch)])


def _dt(us: int) -> datetime:
    return datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=int(us))


# Range reads come back as binary COPY too: fixed-width rows that numpy reads in one pass
# instead of building a Python tuple per row.
_RAW_OUT = np.dtype([("n", ">i2"), ("l1", ">i4"), ("ts", ">i8"), ("l2", ">i4"), ("value", ">f8")])
_ROLLUP_OUT = np.dtype([("n", ">i2"), ("l1", ">i4"), ("ts", ">i8"), ("l2", ">i4"), ("min", ">f8"),
                        ("l3", ">i4"), ("max", ">f8"), ("l4", ">i4"), ("sum", ">f8"), ("l5", ">i4"),
                        ("count", ">i8")])


def _copy_out(query: str, params: list, dtype: np.dtype) -> np.ndarray:
    from psycopg import sql

    statement = sql.SQL("COPY ({}) TO STDOUT (FORMAT binary)").format(
        sql.SQL(query).format(*[sql.Literal(p) for p in params]))
    buf = bytearray()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for chunk in copy:
            buf += chunk
    body = memoryview(buf)[len(_COPY_HEADER):len(buf) - len(_COPY_TRAILER)]
    return np.frombuffer(body, dtype)
