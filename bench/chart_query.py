"""Benchmark: a sensor's chart query. 30 days of 1 Hz data for one sensor (2.6 M readings) asked
for as at most 2,000 points, through the API (``/api/v1/sensors/<id>/series/``: scoping, the
store's range read, LTTB, JSON), for the range presets of the chart; median and p95.

Runs against a scratch database ``prosync_bench_chart`` on the project's PostgreSQL server. The
readings are generated inside PostgreSQL and the rollups built from them, as the writes would.

    .venv/bin/python bench/chart_query.py [--days 30] [--points 2000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--points", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()

    setup_scratch_django("prosync_bench_chart")
    from django.db import connection
    from rest_framework.test import APIClient

    from accounts.models import User
    from assets.models import Asset, Site
    from telemetry import storage
    from telemetry.models import Sensor

    site = Site.objects.create(code="chart", name="Chart")
    asset = Asset.objects.create(site=site, tag="C-1", name="Chart pump")
    sensor = Sensor.objects.create(asset=asset, name="Vibration", metric="vibration", key="chart.vib",
                                   sampling_interval_s=1)
    end = datetime.now(UTC).replace(microsecond=0)
    start = end - timedelta(days=args.days)
    storage.prepare(start, end)
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        # A daily cycle, slow drift, noise and a few one-second spikes.
        cur.execute("""
            INSERT INTO telemetry_reading (sensor_id, ts, value)
            SELECT %s, g, 2 + 0.5 * sin(extract(epoch FROM g) / 13751.0) + extract(epoch FROM g - %s) / 8e6
                          + (random() - 0.5) * 0.2
                          + CASE WHEN extract(epoch FROM g)::int8 %% 86399 = 0 THEN 20 ELSE 0 END
            FROM generate_series(%s::timestamptz, %s::timestamptz, interval '1 second') g""",
                    [sensor.pk, start, start, end - timedelta(seconds=1)])
        rows = cur.rowcount
        # In time order, as the writes build them bucket after bucket.
        for table, unit in (("telemetry_readingrollupminute", "minute"), ("telemetry_readingrolluphour", "hour")):
            cur.execute(f"""
                INSERT INTO {table} (sensor_id, bucket, min, max, sum, count)
                SELECT sensor_id, date_trunc('{unit}', ts, 'UTC'), min(value), max(value), sum(value), count(*)
                FROM telemetry_reading WHERE sensor_id = %s GROUP BY 1, 2 ORDER BY 2""", [sensor.pk])
        cur.execute("ANALYZE telemetry_reading")
    load_s = time.perf_counter() - t0
    admin = User.objects.create_superuser("bench", password=None)
    client = APIClient()
    client.force_authenticate(admin)

    presets = {"30d": timedelta(days=args.days), "7d": timedelta(days=7), "24h": timedelta(hours=24),
               "1h": timedelta(hours=1)}
    results = {}
    for name, span in presets.items():
        url = (f"/api/v1/sensors/{sensor.pk}/series/?start={(end - span).isoformat()}&end={end.isoformat()}"
               f"&points={args.points}").replace("+", "%2B")
        times, body = [], None
        for _ in range(args.repeats + 2):
            t0 = time.perf_counter()
            response = client.get(url)
            body = response.json()
            times.append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, body
        times = sorted(times[2:])  # the first two warm caches up
        assert body["points"] <= args.points
        results[name] = {"resolution": body["resolution"], "points": body["points"],
                         "median_ms": round(statistics.median(times), 1),
                         "p95_ms": round(times[min(len(times) - 1, int(len(times) * 0.95))], 1)}

    print(f"one sensor, {rows:,} readings over {args.days} days at 1 Hz (loaded in {load_s:.0f} s); "
          f"at most {args.points} points; {args.repeats} requests per range through the API")
    print(f"{'range':<8}{'resolution':>12}{'points':>9}{'median ms':>12}{'p95 ms':>10}")
    for name, r in results.items():
        print(f"{name:<8}{r['resolution']:>12}{r['points']:>9}{r['median_ms']:>12}{r['p95_ms']:>10}")
    print(json.dumps({"bench": "chart_query", "rows": rows, "points": args.points,
                      "median_ms_30d": results["30d"]["median_ms"], "p95_ms_30d": results["30d"]["p95_ms"],
                      "ranges": results}))
    connection.close()


if __name__ == "__main__":
    main()
