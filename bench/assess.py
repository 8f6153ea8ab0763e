"""Benchmark: one fleet health assessment end to end (window statistics in PostgreSQL, LightGBM
predictions, bulk writes, alerts), for a fleet of N assets with 8 sensors each and H hours of
1-minute readings; the number of database queries is measured at N/10 and N to show it does
not grow with the fleet.

Runs in a scratch database ``prosync_bench_assess`` on the project's server (the embedded one
unless DATABASE_URL is set). Small by default; the full size is ``--assets 10000 --hours 24``
(126 million readings with the N/10 fleet, generated inside PostgreSQL: about half an hour
of set-up on two cores, then the timed runs).

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


# The simulator's physics (telemetry.simulation.signal) written in SQL, so that PostgreSQL
# generates the readings itself: 115 million rows in minutes instead of hours through Python.
# $w is the wear of the asset at the reading's minute; noise is normal via Box-Muller.
SQL_SIGNAL = {
    "vibration": "2.2 * (1 + 2.6 * power($w, 2.5)) + $n * 0.132",
    "temperature": "55 + 24 * power($w, 2) + $n * 0.55",
    "current": "38 * (1 + 0.18 * power($w, 1.5)) + $n * 0.57",
    "pressure": "7.2 * (1 - 0.22 * power($w, 2)) + $n * 0.072",
}


def load_readings(connection, now: datetime, minutes: int, asset_ids: list[int], metrics: list[str]) -> int:
    """One reading per sensor per minute over the last ``minutes``, every asset at its own wear
    (rising by 0.1 over the span), generated inside PostgreSQL a block of assets at a time.
    The scratch table's keys are dropped for the load and rebuilt afterwards (the foreign key
    to sensors is left off), as one would for a bulk historical load."""
    from telemetry import storage

    storage.prepare(now - timedelta(minutes=minutes), now)
    rng = np.random.default_rng(5)
    wear = {asset_id: float(w) for asset_id, w in zip(asset_ids, rng.uniform(0.0, 0.9, len(asset_ids)), strict=True)}
    noise = "sqrt(-2 * ln(1 - random())) * cos(2 * pi() * random())"
    cases = " ".join(f"WHEN '{m}' THEN {expr.replace('$n', noise)}" for m, expr in SQL_SIGNAL.items())
    value = f"CASE s.metric {cases} ELSE 50 + {noise} * 5 END"
    w_expr = "least(1.2, greatest(0.0, aw.wear - 0.1 + 0.1 * g.i / %(span)s))"
    value = value.replace("$w", w_expr)
    with connection.cursor() as cur:
        cur.execute("ALTER TABLE telemetry_reading DROP CONSTRAINT IF EXISTS telemetry_reading_sensor_id_fk")
        cur.execute("ALTER TABLE telemetry_reading DROP CONSTRAINT IF EXISTS unique_reading_per_instant")
        cur.execute("ALTER TABLE telemetry_reading DROP CONSTRAINT IF EXISTS telemetry_reading_pkey")
        cur.execute("CREATE TEMP TABLE asset_wear (asset_id bigint PRIMARY KEY, wear float8)")
        cur.executemany("INSERT INTO asset_wear VALUES (%s, %s)", list(wear.items()))
        block, total, started = 500, 0, time.perf_counter()
        for k in range(0, len(asset_ids), block):
            ids = asset_ids[k:k + block]
            cur.execute(f"""
                INSERT INTO telemetry_reading (sensor_id, ts, value)
                SELECT s.id, %(now)s - (%(span)s - g.i) * interval '1 minute', {value}
                FROM telemetry_sensor s JOIN asset_wear aw ON aw.asset_id = s.asset_id
                CROSS JOIN generate_series(0, %(span)s) AS g(i)
                WHERE s.asset_id = ANY(%(ids)s)""", {"now": now, "span": minutes - 1, "ids": ids})
            total += cur.rowcount
            done = min(k + block, len(asset_ids))
            print(f"\r  loading readings: {done:,}/{len(asset_ids):,} assets, {total:,} rows, "
                  f"{time.perf_counter() - started:.0f} s", end="", file=sys.stderr, flush=True)
        print(file=sys.stderr)
        print("  indexing...", file=sys.stderr, flush=True)
        cur.execute("ALTER TABLE telemetry_reading ADD CONSTRAINT unique_reading_per_instant UNIQUE (sensor_id, ts)")
        cur.execute("ALTER TABLE telemetry_reading ADD CONSTRAINT telemetry_reading_pkey PRIMARY KEY (id, ts)")
        cur.execute("ANALYZE telemetry_reading")
    return total


def feature_statistics_seconds(asset_ids: list[int], at: datetime) -> float:
    """The database part of an assessment alone: every window's statistics for the fleet."""
    from predictions.features import FeatureLayout
    from predictions.models import ModelVersion
    from telemetry.models import Sensor

    mv = ModelVersion.objects.filter(status="active").first()
    layout = FeatureLayout.from_params(mv.params)
    row_of = {asset_id: i for i, asset_id in enumerate(asset_ids)}
    sensors = [(sid, row_of[aid], metric) for sid, aid, metric in Sensor.objects.filter(
        asset_id__in=asset_ids, metric__in=layout.metrics).values_list("id", "asset_id", "metric")]
    start = time.perf_counter()
    layout.fleet_matrix(sensors, len(asset_ids), at)
    return time.perf_counter() - start


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
    from telemetry.simulation import METRICS

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
    Sensor.objects.bulk_create([Sensor(asset=a, name=m, metric=m, key=f"{a.tag}.{m}")
                                          for a in assets for m in metrics])
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    minutes = int(args.hours * 60)
    rows = load_readings(connection, now, minutes, [a.pk for a in assets], metrics)
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
    stats_s = feature_statistics_seconds(big_ids, now + timedelta(seconds=30))
    print(f"of which the window statistics in PostgreSQL (all windows, N assets): {stats_s:.2f} s")
    print(json.dumps({"bench": "assess", "assets": args.assets, "sensors_per_asset": len(metrics),
                      "hours": args.hours, "readings": rows, "median_s": round(med_big, 3),
                      "median_s_tenth": round(med_small, 3), "queries": q_big, "queries_tenth": q_small}))
    connection.close()


if __name__ == "__main__":
    main()
