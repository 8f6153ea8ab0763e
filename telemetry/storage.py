"""Reading storage in PostgreSQL: COPY into a staging table, then one INSERT that stores each
(sensor, ts) once; and window statistics of many sensors in one query for the feature builder."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.db import connection

from telemetry.models import Reading, Sensor

READINGS = Reading._meta.db_table
SENSORS = Sensor._meta.db_table


def write_readings(rows: Sequence[tuple[int, datetime, float]]) -> int:
    """Store rows (sensor_id, ts, value); duplicates of (sensor, ts) are kept once, the first
    stored wins. Returns how many rows were new. Must run inside a transaction."""
    if not rows:
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE IF NOT EXISTS reading_stage (sensor_id bigint, ts timestamptz, value double precision)"
            " ON COMMIT DELETE ROWS")
        raw = cursor.cursor  # psycopg 3 cursor: COPY streams the rows without building SQL
        with raw.copy("COPY reading_stage (sensor_id, ts, value) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {READINGS} (sensor_id, ts, value) "
            "SELECT DISTINCT ON (sensor_id, ts) sensor_id, ts, value FROM reading_stage "
            "ON CONFLICT (sensor_id, ts) DO NOTHING")
        inserted = cursor.rowcount
        # Keep each sensor's latest value on the sensor row, for pages and the live view.
        cursor.execute(
            f"UPDATE {SENSORS} s SET last_value = l.value, last_ts = l.ts FROM ("
            "  SELECT DISTINCT ON (sensor_id) sensor_id, ts, value FROM reading_stage ORDER BY sensor_id, ts DESC"
            ") l WHERE s.id = l.sensor_id AND (s.last_ts IS NULL OR l.ts >= s.last_ts)")
        cursor.execute("TRUNCATE reading_stage")
    return inserted


# The order of the statistics window_statistics returns per sensor.
WINDOW_STATISTICS = ("last", "mean", "std", "min", "max", "slope", "ewm")


def window_statistics(sensor_ids: Iterable[int], since: datetime, until: datetime,
                      halflife_s: float) -> dict[int, tuple[float, ...]]:
    """Per sensor with readings in [since, until]: last value, mean, population std, min, max,
    least-squares slope per minute, and the mean weighted by exp(-age * ln2 / halflife) with age
    counted from the sensor's last reading. One query for any number of sensors."""
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
