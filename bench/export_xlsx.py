"""Benchmark: the work-order list written as XLSX by its export job (as the Celery task does, here
in process), wall and CPU seconds of the process, rows per second.

Runs in a scratch database ``prosync_bench_export`` on the project's server (the embedded one
unless DATABASE_URL is set), with the orders ``bench/workorders.py`` builds, exported by a manager
of both sites. Small by default (20,000 orders); ``--full`` is the issue's size (200,000 orders,
budget < 30 s).

    .venv/bin/python bench/export_xlsx.py [--full | --orders N] [--runs 3]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402

BUDGET_S = 30


def export_once(user) -> tuple[float, float, int]:
    from openpyxl import load_workbook

    from prosync.reports import jobs
    from prosync.reports.models import ExportJob

    job = ExportJob.objects.create(user=user, kind="list", target="/work-orders/", title="Work orders",
                                   params="", format="xlsx")
    wall, cpu = time.perf_counter(), time.process_time()
    done = jobs.run_export_job(job.pk)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if done is None:
        job.refresh_from_db()
        raise SystemExit(f"export failed: {job.error}")
    with done.file.open("rb") as fh:
        rows = load_workbook(fh, read_only=True).worksheets[0].max_row - 1  # less the header
    done.file.delete(save=False)
    return wall, cpu, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the issue's size: 200,000 orders")
    parser.add_argument("--orders", type=int)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    n_orders = args.orders or (200_000 if args.full else 20_000)

    setup_scratch_django("prosync_bench_export")
    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Site

    # The orders the work-order bench builds (two sites, 400 pumps, 20 technicians, four years).
    spec = importlib.util.spec_from_file_location("bench_workorders", Path(__file__).with_name("workorders.py"))
    bench_workorders = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench_workorders)
    t0 = time.perf_counter()
    bench_workorders.load(n_orders - 1)  # and its one detailed order
    setup_s = time.perf_counter() - t0
    manager = create_user(username="exporter", password=secrets.token_urlsafe(12), role=Role.MANAGER,
                          site_ids=list(Site.objects.values_list("pk", flat=True)))

    runs = [export_once(manager) for _ in range(args.runs)]
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    rows = runs[0][2]
    print(f"XLSX of the work-order list, {rows:,} rows, {args.runs} runs, set-up {setup_s:.0f} s")
    print(f"{'run':<6}{'wall s':>9}{'cpu s':>9}{'rows/s':>10}")
    for n, (w, c, r) in enumerate(runs, 1):
        print(f"{n:<6}{w:>9.1f}{c:>9.1f}{r / w:>10,.0f}")
    print(f"{'median':<6}{wall:>9.1f}{cpu:>9.1f}{rows / wall:>10,.0f}")
    print(f"budget < {BUDGET_S} s: {'met' if wall < BUDGET_S else 'NOT met'}")
    print(json.dumps({"bench": "export_xlsx", "rows": rows, "runs": args.runs, "wall_s": round(wall, 1),
                      "cpu_s": round(cpu, 1), "rows_per_s": round(rows / wall), "budget_s": BUDGET_S,
                      "met": wall < BUDGET_S}))


if __name__ == "__main__":
    main()
