"""Reading storage in PostgreSQL: COPY into a staging table, then one INSERT that stores each
(sensor, ts) once, and bulk reads of recent windows for the feature builder."""

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


def recent_windows(sensor_ids: Iterable[int], since: datetime, until: datetime) -> dict[int, tuple[list, list]]:
    """Readings of many sensors in [since, until], in one query: {sensor_id: (epoch_seconds, values)}."""
    ids = list(sensor_ids)
    out: dict[int, tuple[list, list]] = {sid: ([], []) for sid in ids}
    if not ids:
        return out
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT sensor_id, extract(epoch FROM ts)::float8, value FROM {READINGS} "
            "WHERE sensor_id = ANY(%s) AND ts >= %s AND ts <= %s ORDER BY sensor_id, ts",
            [ids, since, until])
        for sensor_id, epoch, value in cursor.fetchall():
            series = out[sensor_id]
            series[0].append(epoch)
            series[1].append(value)
    return out
