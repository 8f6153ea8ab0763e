"""Benchmark: one fleet health assessment end to end (window statistics in PostgreSQL, LightGBM
predictions, bulk writes, alerts), for a fleet of N assets with 8 sensors each and H hours of
1-minute readings; the number of database queries is measured at N/10 and N to show it does
not grow with the fleet.

Runs in a scratch database ``prosync_bench_assess`` on the project's server (the embedded one
unless DATABASE_URL is set). Small by default; the issue's full size is
``--assets 10000 --hours 24`` (115 million readings: loading them takes a long while).

    .venv/bin/python bench/assess.py [--assets N] [--hours H] [--repeats R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402

EXTRA_METRICS = ("speed", "flow", "oil_temperature", "noise")  # sensors the health model does not use


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=1000)
    parser.add_argument("--hours", type=float, default=2.0)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    os.environ["HEALTH_ALERT_BELOW"] = "-1"  # measure the assessment itself, not thousands of alerts
    setup_scratch_django("prosync_bench_assess")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from assets.models import Asset, AssetCategory, Site
    from predictions import services, training
    from predictions.models import HealthAssessment
    from telemetry.models import Sensor
    from telemetry.simulation import METRICS, MachineProfile, signal

    t0 = time.perf_counter()
    category = AssetCategory.objects.create(name="Centrifugal pump")
    trained = training.train(training.simulate_history(category.name, runs=60), rounds=100)
    services.register_model(category=category, trained=trained, source="bench", activate=True)
    small_site = Site.objects.create(code="small", name="Small fleet")
    big_site = Site.objects.create(code="big", name="Big fleet")
    small_n = max(1, args.assets // 10)
    assets = Asset.objects.bulk_create(
        [Asset(site=small_site, category=category, tag=f"S-{i:05d}", name=f"Pump {i}") for i in range(small_n)]
        + [Asset(site=big_site, category=category, tag=f"B-{i:05d}", name=f"Pump {i}") for i in range(args.assets)])
    metrics = list(METRICS) + list(EXTRA_METRICS)
    sensors = Sensor.objects.bulk_create([Sensor(asset=a, name=m, metric=m, key=f"{a.tag}.{m}")
                                          for a in assets for m in metrics])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = int(args.hours * 60)
    rng = np.random.default_rng(5)
    wear = rng.uniform(0.0, 0.9, size=len(assets))
    rows = 0
    with connection.cursor() as cur, cur.cursor.copy(
            "COPY telemetry_reading (sensor_id, ts, value) FROM STDIN") as copy:
        by_asset = {}
        for s in sensors:
            by_asset.setdefault(s.asset_id, []).append(s)
        for k, asset in enumerate(assets):
            w = np.clip(wear[k] + np.linspace(-0.1, 0.0, minutes), 0, 1)
            values = signal(MachineProfile(), w, rng)
            for s in by_asset[asset.pk]:
                series = values.get(s.metric, rng.normal(50, 5, size=minutes))
                for i in range(minutes):
                    copy.write_row((s.pk, now - timedelta(minutes=minutes - 1 - i), float(series[i])))
                rows += minutes
    with connection.cursor() as cur:
        cur.execute("ANALYZE telemetry_reading")
    setup_s = time.perf_counter() - t0

    def assess(site_assets: list[int], at: datetime) -> tuple[float, int, int]:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            report = services.assess_fleet(now=at, asset_ids=site_assets)
            elapsed = time.perf_counter() - start
        return elapsed, len(queries), report.assessed

    small_ids = [a.pk for a in assets[:small_n]]
    big_ids = [a.pk for a in assets[small_n:]]
    small_runs, big_runs = [], []
    for rep in range(args.repeats):
        at = now + timedelta(seconds=rep * 120 + 30)  # a new interval each time, so every run writes
        small_runs.append(assess(small_ids, at))
        big_runs.append(assess(big_ids, at))
    assert all(r[2] == small_n for r in small_runs) and all(r[2] == args.assets for r in big_runs)
    assert HealthAssessment.objects.count() == (small_n + args.assets) * args.repeats

    med_small = statistics.median(r[0] for r in small_runs)
    med_big = statistics.median(r[0] for r in big_runs)
    q_small, q_big = small_runs[-1][1], big_runs[-1][1]
    print(f"fleet: {args.assets:,} assets x {len(metrics)} sensors, {args.hours:g} h of 1-minute readings "
          f"({rows:,} readings; set-up {setup_s:.0f} s), {args.repeats} runs each")
    print(f"{'fleet size':<14}{'median s':>10}{'min s':>10}{'max s':>10}{'queries':>10}{'assets/s':>12}")
    for name, n, runs, q in (("N/10", small_n, small_runs, q_small), ("N", args.assets, big_runs, q_big)):
        times = [r[0] for r in runs]
        print(f"{name + f' ({n:,})':<14}{statistics.median(times):>10.2f}{min(times):>10.2f}{max(times):>10.2f}"
              f"{q:>10}{n / statistics.median(times):>12,.0f}")
    print(f"queries at N/10 and at N: {q_small} and {q_big} ({'the same' if q_small == q_big else 'they differ'})")
    print(json.dumps({"bench": "assess", "assets": args.assets, "sensors_per_asset": len(metrics),
                      "hours": args.hours, "readings": rows, "median_s": round(med_big, 3),
                      "median_s_tenth": round(med_small, 3), "queries": q_big, "queries_tenth": q_small}))
    connection.close()


if __name__ == "__main__":
    main()
