"""Benchmark: what alarm evaluation, derived meters and the live push add to ingestion. Batches
of readings go through ``ingest_readings`` in four set-ups measured in the same run: the store
alone (nothing after the write); no rules (live push only); one category rule on every sensor
(band with deadband, crossed now and then); and the same plus a running-hours meter on every
fourth sensor. Also the alarm and meter step alone per batch.

Runs against a scratch database ``prosync_bench_alarms`` on the project's PostgreSQL server.

    .venv/bin/python bench/alarms.py [--readings N] [--batch N] [--sensors N] [--repeats N]
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

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=50_000, help="readings per run")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--sensors", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    os.environ.setdefault("REDIS_PREFIX", f"prosync-bench-alarms-{os.getpid()}")
    setup_scratch_django("prosync_bench_alarms")
    import numpy as np

    from assets.models import Asset, AssetCategory, Meter, Site
    from telemetry import alarms, meters, storage
    from telemetry.backends import Batch
    from telemetry.models import AlarmRule, DerivedMeter, Sensor
    from telemetry.services import ingest_readings

    site = Site.objects.create(code="bench", name="Bench")
    category = AssetCategory.objects.create(name="Pump")
    assets = [Asset.objects.create(site=site, category=category, tag=f"B-{i}", name=f"Bench {i}")
              for i in range(args.sensors // 4)]
    sensors = Sensor.objects.bulk_create([
        Sensor(asset=a, name=m, metric=m, key=f"bench.{a.tag}.{m}".lower(), sampling_interval_s=1)
        for a in assets for m in ("vibration", "temperature", "current", "pressure")])
    ids = [s.pk for s in sensors]
    start = datetime.now(UTC) - timedelta(days=6)
    storage.prepare(start - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))

    def batches(run: int):
        """One reading per sensor per second; a slow sine with noise that crosses 8.0 at times."""
        t0 = start + timedelta(days=run % 5, hours=run)
        rng = np.random.default_rng(run)
        n = 0
        while n < args.readings:
            size = min(args.batch, args.readings - n)
            idx = np.arange(n, n + size)
            values = 5 + 3.2 * np.sin(idx / len(ids) / 300) + rng.normal(0, 0.3, size)
            yield [{"sensor": ids[i % len(ids)], "ts": (t0 + timedelta(seconds=int(i) // len(ids))).isoformat(),
                    "value": float(v)} for i, v in zip(idx.tolist(), values.tolist(), strict=True)]
            n += size

    def run_once(run: int) -> float:
        items = list(batches(run))
        t = time.perf_counter()
        for b in items:
            result = ingest_readings(b)
            assert not result.errors, result.errors[:3]
        return args.readings / (time.perf_counter() - t)

    setups = {}
    run = 0

    def measure(name: str):
        nonlocal run
        rates = []
        for _ in range(args.repeats):
            rates.append(run_once(run))
            run += 1
        setups[name] = statistics.median(rates)

    from unittest import mock

    from telemetry import services

    # The store alone: what follows a write (alarms, meters, live push) switched off, as a baseline.
    with mock.patch.object(services, "after_readings_stored", lambda batch, touched: None):
        measure("store only (nothing after the write)")
    measure("no rules")
    for metric in ("vibration", "temperature", "current", "pressure"):
        alarms.create_alarm_rule(actor=None, site=site, name=f"{metric} band", category=category,
                                 metric=metric, condition="outside", low=1.5, high=8.0, deadband=0.5)
    measure("a band rule on every sensor")
    for a in assets:
        sensor = next(s for s in sensors if s.asset_id == a.pk and s.metric == "current")
        meter = Meter.objects.create(asset=a, name="Run hours", kind="running_hours", unit="h")
        meters.create_derived_meter(actor=None, sensor=sensor, meter=meter, threshold=5.0)
    measure("rules + running-hours meters")

    # The evaluation step alone, on one batch of rows already stored.
    sample = list(batches(run))[0]
    batch = Batch.from_rows([(i["sensor"], datetime.fromisoformat(i["ts"]), i["value"]) for i in sample])
    from django.db import transaction

    eval_ms = []
    for _ in range(5):
        with transaction.atomic():
            t = time.perf_counter()
            alarms.evaluate_batch(batch)
            meters.update_from_batch(batch)
            eval_ms.append((time.perf_counter() - t) * 1000)
            transaction.set_rollback(True)

    base = setups["store only (nothing after the write)"]
    print(f"readings per run: {args.readings:,} in batches of {args.batch:,} over {len(ids)} sensors, "
          f"{args.repeats} runs per set-up (median)")
    print(f"{'set-up':34} {'readings/s':>12} {'vs store only':>14}")
    for name, rate in setups.items():
        print(f"{name:34} {rate:12,.0f} {rate / base:14.2f}")
    print(f"alarm + meter step alone, one batch of {args.batch:,} with {AlarmRule.objects.count()} rules and "
          f"{DerivedMeter.objects.count()} meters: {statistics.median(eval_ms):.1f} ms (median of 5)")
    print(json.dumps({"bench": "alarms", "readings": args.readings, "batch": args.batch, "sensors": len(ids),
                      "store_only_per_s": round(base), "no_rules_per_s": round(setups["no rules"]),
                      "rules_per_s": round(setups["a band rule on every sensor"]),
                      "rules_meters_per_s": round(setups["rules + running-hours meters"]),
                      "ratio_no_rules": round(setups["no rules"] / base, 3),
                      "ratio_rules": round(setups["a band rule on every sensor"] / base, 3),
                      "eval_ms_per_batch": round(statistics.median(eval_ms), 1)}))


if __name__ == "__main__":
    main()
