"""Benchmark: readings per second through ``ingest_readings`` (validation, dedup, COPY, latest
values), next to a raw COPY of the same rows into a bare table, measured in the same run.

Runs against a scratch database ``prosync_bench`` on the same server as the project's (the
embedded one unless DATABASE_URL is set). Small by default; ``--readings 1000000`` for a full run.

    .venv/bin/python bench/ingest.py [--readings N] [--batch N] [--repeats N]
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
    parser.add_argument("--readings", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sensors", type=int, default=200)
    args = parser.parse_args()

    setup_scratch_django("prosync_bench")
    from django.db import connection

    from assets.models import Asset, Site
    from telemetry.models import Reading, Sensor
    from telemetry.services import ingest_readings

    site = Site.objects.create(code="bench", name="Bench")
    assets = [Asset.objects.create(site=site, tag=f"B-{i}", name=f"Bench {i}") for i in range(args.sensors // 4)]
    sensors = Sensor.objects.bulk_create([
        Sensor(asset=a, name=m, metric=m, key=f"bench.{a.tag}.{m}")
        for a in assets for m in ("vibration", "temperature", "current", "pressure")])
    ids = [s.pk for s in sensors]
    with connection.cursor() as cur:
        cur.execute("CREATE UNLOGGED TABLE IF NOT EXISTS copy_baseline (sensor_id bigint, ts timestamptz, "
                    "value double precision)")

    def batches(offset_s: float):
        start = datetime.now(UTC) - timedelta(days=2) + timedelta(seconds=offset_s)
        n = 0
        while n < args.readings:
            items = []
            for _ in range(min(args.batch, args.readings - n)):
                items.append({"sensor": ids[n % len(ids)], "ts": (start + timedelta(seconds=n // len(ids))).isoformat(),
                              "value": (n % 97) / 7.0})
                n += 1
            yield items

    service_rates, copy_rates = [], []
    for rep in range(args.repeats):
        prepared = list(batches(rep * 86400 / args.repeats))
        t0 = time.perf_counter()
        stored = 0
        for items in prepared:
            stored += ingest_readings(items).stored
        service_rates.append(args.readings / (time.perf_counter() - t0))
        assert stored == args.readings, f"stored {stored} of {args.readings}"

        rows = [(i["sensor"], datetime.fromisoformat(i["ts"]), i["value"]) for items in prepared for i in items]
        with connection.cursor() as cur:
            cur.execute("TRUNCATE copy_baseline")
            t0 = time.perf_counter()
            for k in range(0, len(rows), args.batch):
                with cur.cursor.copy("COPY copy_baseline (sensor_id, ts, value) FROM STDIN") as copy:
                    for row in rows[k:k + args.batch]:
                        copy.write_row(row)
            copy_rates.append(args.readings / (time.perf_counter() - t0))

    total = Reading.objects.count()
    med_service, med_copy = statistics.median(service_rates), statistics.median(copy_rates)
    print(f"readings per run: {args.readings:,} in batches of {args.batch:,} over {len(ids)} sensors, "
          f"{args.repeats} runs (rows stored in the end: {total:,})")
    print(f"{'path':<34}{'median /s':>14}{'min /s':>14}{'max /s':>14}")
    print(f"{'ingest_readings (full service)':<34}{med_service:>14,.0f}{min(service_rates):>14,.0f}"
          f"{max(service_rates):>14,.0f}")
    print(f"{'raw COPY into a bare table':<34}{med_copy:>14,.0f}{min(copy_rates):>14,.0f}{max(copy_rates):>14,.0f}")
    print(f"ratio of the service to raw COPY (medians): {med_service / med_copy:.2f}")
    print(json.dumps({"bench": "ingest", "readings": args.readings, "batch": args.batch, "repeats": args.repeats,
                      "readings_per_s": round(med_service), "copy_readings_per_s": round(med_copy),
                      "ratio_to_copy": round(med_service / med_copy, 3)}))
    connection.close()


if __name__ == "__main__":
    main()
