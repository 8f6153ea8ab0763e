"""Benchmark: the preventive-maintenance beat job over N active schedules: the run that
creates every due order, a second run that must create nothing (its cost is what beat pays
every five minutes), and two processes running it at once (each order still created once).

Runs in a scratch database ``prosync_bench_pm`` on the project's server (the embedded one
unless DATABASE_URL is set). Small by default; ``--schedules 10000`` for a large plant.

    .venv/bin/python bench/pm_generation.py [--schedules N] [--repeats R]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402

WORKER = """
import sys, time, django
django.setup()
from workorders.services_planning import generate_due_orders
sys.stdout.write("ready\\n"); sys.stdout.flush()
sys.stdin.readline()
t = time.perf_counter()
created = len(generate_due_orders().created)
print(created, time.perf_counter() - t)
"""


def make_schedules(n: int, *, label: str):
    from django.utils import timezone

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, Site
    from workorders.models import PreventiveSchedule

    site, _ = Site.objects.get_or_create(code=f"bench-{label}", defaults={"name": f"Bench {label}"})
    tech = create_user(username=f"bench-tech-{label}", password="Bench-pass-1",  # noqa: S106 - scratch data
                       role=Role.TECHNICIAN, site_ids=[site.pk])
    assets = Asset.objects.bulk_create([Asset(site=site, tag=f"{label}-{i:05d}", name=f"Pump {i}")
                                        for i in range(max(1, n // 4))])
    start = timezone.now() - timedelta(days=3)
    PreventiveSchedule.objects.bulk_create([
        PreventiveSchedule(asset=assets[i % len(assets)], title=f"Round {i}", interval=1 + i % 4,
                           interval_unit=("days", "weeks", "months")[i % 3], starts_at=start + timedelta(hours=i % 48),
                           lead_time_days=i % 3, anchor=("fixed", "floating")[i % 2], assignee=tech)
        for i in range(n)])
    return site


def timed(fn):
    t = time.perf_counter()
    result = fn()
    return result, time.perf_counter() - t


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schedules", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    setup_scratch_django("prosync_bench_pm")
    from django.db import connection

    from workorders.models import PMOccurrence, PreventiveSchedule, WorkOrder
    from workorders.services_planning import generate_due_orders

    n = args.schedules
    make_schedules(n, label="seq")
    first, first_s = timed(generate_due_orders)
    created = len(first.created)
    idle = []
    counted = []

    def count(execute, sql, params, many, context):
        counted.append(sql)
        return execute(sql, params, many, context)

    for _ in range(args.repeats):
        counted.clear()
        with connection.execute_wrapper(count):
            again, seconds = timed(generate_due_orders)
        assert again.created == [], "a second run created orders"
        idle.append(seconds)
    idle_queries = len(counted)

    # Two processes at once on a second batch of schedules.
    PreventiveSchedule.objects.update(active=False)
    make_schedules(n, label="par")
    env = dict(os.environ, PYTHONPATH=str(BASE_DIR))
    procs = [subprocess.Popen([sys.executable, "-c", WORKER], cwd=BASE_DIR, env=env, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    for p in procs:
        assert p.stdout.readline().strip() == "ready"
    for p in procs:
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [p.communicate(timeout=3600)[0].split() for p in procs]
    par_created = [int(o[0]) for o in outs]
    par_seconds = max(float(o[1]) for o in outs)
    active = PreventiveSchedule.objects.filter(active=True)
    orders = WorkOrder.objects.filter(pm_occurrence__schedule__in=active)
    # Two orders for one (schedule, occurrence) would share their source_ref "pm:<schedule>:<seq>".
    duplicates = orders.count() - orders.values("source_ref").distinct().count()
    per_schedule = PMOccurrence.objects.filter(schedule__in=active, work_order__isnull=False).count()

    idle_median = statistics.median(idle)
    print(f"schedules                         {n}")
    per_order = first_s / max(created, 1) * 1000
    print(f"first run: orders created          {created}  in {first_s:.2f} s  ({per_order:.1f} ms/order)")
    print(f"idle re-run (nothing due), median  {idle_median * 1000:.0f} ms  over {args.repeats} runs, "
          f"{idle_queries} queries ({idle_queries / n:.1f} per schedule)")
    print(f"two processes at once              created {par_created} = {sum(par_created)} orders "
          f"in {par_seconds:.2f} s; due occurrences {per_schedule}, duplicates {duplicates}")
    print(json.dumps({"bench": "pm_generation", "schedules": n, "first_run_s": round(first_s, 3),
                      "orders_created": created, "idle_run_median_ms": round(idle_median * 1000, 1),
                      "idle_run_queries": idle_queries, "parallel_created_total": sum(par_created),
                      "parallel_due_occurrences": per_schedule, "parallel_duplicates": duplicates,
                      "parallel_s": round(par_seconds, 3)}))


if __name__ == "__main__":
    main()
