"""Benchmark: readings per second through the HTTP bulk endpoint end to end (uvicorn workers,
gateway-key auth, JSON parsing, validation, dedup, COPY, rollups, latest values), beside a raw
binary COPY of the same rows into the same readings table, measured in the same run. Writes
leave their rollup aggregates pending for a fold (beat's job in production): each run's time
includes folding all of them, so the rollups are complete when the clock stops.

Runs against a scratch database ``prosync_bench`` on the project's PostgreSQL server (the
embedded one unless DATABASE_URL is set). The web server runs as production would: several
uvicorn workers, persistent database connections, DEBUG off; the ingest throttle is lifted for
the run. Batches of 5,000 readings are sent over keep-alive connections by a few client threads.

    .venv/bin/python bench/ingest.py [--readings N] [--batch N] [--repeats N] [--workers N]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DEBUG="0", DB_CONN_MAX_AGE="600", THROTTLE_INGEST="10000000/min", LOG_LEVEL="WARNING",
               DJANGO_SETTINGS_MODULE="prosync.settings")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log", "--loop", "uvloop",
         "--http", "httptools"], cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the web server did not start")


def post_all(port: int, key: str, bodies: list[bytes], clients: int) -> tuple[float, list[float]]:
    """Send every body; returns (wall seconds, per-request latencies)."""
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    queue = list(enumerate(bodies))

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        headers = {"Content-Type": "application/json", "Authorization": f"Gateway {key}"}
        while True:
            with lock:
                if not queue:
                    break
                _i, body = queue.pop()
            t0 = time.perf_counter()
            conn.request("POST", "/api/v1/readings/bulk/", body=body, headers=headers)
            resp = conn.getresponse()
            payload = resp.read()
            latencies.append(time.perf_counter() - t0)
            if resp.status != 201:
                errors.append(f"{resp.status}: {payload[:300]!r}")
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    if errors:
        raise RuntimeError(f"{len(errors)} requests failed, e.g. {errors[0]}")
    return wall, latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000, help="readings per run")
    parser.add_argument("--batch", type=int, default=5_000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sensors", type=int, default=400)
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    args = parser.parse_args()

    setup_scratch_django("prosync_bench")
    import numpy as np
    import orjson
    from django.db import connection, transaction

    from assets.models import Asset, Site
    from telemetry import services, storage
    from telemetry.backends import Batch
    from telemetry.backends.postgres import copy_payload
    from telemetry.models import Sensor

    site = Site.objects.create(code="bench", name="Bench")
    assets = [Asset.objects.create(site=site, tag=f"B-{i}", name=f"Bench {i}") for i in range(args.sensors // 4)]
    sensors = Sensor.objects.bulk_create([
        Sensor(asset=a, name=m, metric=m, key=f"bench.{a.tag}.{m}".lower(), sampling_interval_s=1)
        for a in assets for m in ("vibration", "temperature", "current", "pressure")])
    ids = np.array([s.pk for s in sensors], np.int64)
    _gateway, key = services.issue_gateway(site=site, name="bench gateway", actor=None)
    # Partitions for the days the runs write (the beat task keeps a week ahead in production).
    base = datetime.now(UTC) - timedelta(days=4 * args.repeats + 6)
    services.storage.prepare(base - timedelta(days=1), datetime.now(UTC) + timedelta(days=1))
    connection.close()

    def rows_for(run: int, copy: bool):
        """One reading per sensor per second; each run (and its COPY twin) on a day of its own."""
        start = base + timedelta(days=2 * run + (1 if copy else 0))
        n = np.arange(args.readings)
        sensor = ids[n % len(ids)]
        ts_us = (int(start.timestamp()) + n // len(ids)) * 1_000_000
        value = (n % 97) / 7.0
        return sensor, ts_us, value

    def items_for(run: int, copy: bool = False) -> list[dict]:
        sensor, ts_us, value = rows_for(run, copy=copy)
        stamps = [datetime.fromtimestamp(t / 1e6, UTC).isoformat() for t in ts_us.tolist()]
        return [{"sensor": s, "ts": t, "value": v} for s, t, v in zip(sensor.tolist(), stamps, value.tolist(),
                                                                         strict=True)]

    def bodies(run: int) -> list[bytes]:
        sensor, ts_us, value = rows_for(run, copy=False)
        stamps = [datetime.fromtimestamp(t / 1e6, UTC).isoformat() for t in ts_us.tolist()]
        items = [{"sensor": s, "ts": t, "value": v} for s, t, v in zip(sensor.tolist(), stamps, value.tolist(),
                                                                          strict=True)]
        return [orjson.dumps(items[k:k + args.batch]) for k in range(0, len(items), args.batch)]

    proc, port = start_server(args.workers)
    http_rates, copy_rates, service_rates, latencies, fold_times = [], [], [], [], []
    try:
        post_all(port, key, bodies(args.repeats)[:args.clients * 2], args.clients)  # warm the workers up
        for run in range(args.repeats):
            prepared = bodies(run)
            wall, lat = post_all(port, key, prepared, args.clients)
            t0 = time.perf_counter()
            storage.fold_rollups()
            fold_s = time.perf_counter() - t0
            fold_times.append(fold_s)
            http_rates.append(args.readings / (wall + fold_s))
            latencies += lat

            sensor, ts_us, value = rows_for(run, copy=True)
            t0 = time.perf_counter()
            copy_sql = "COPY telemetry_reading (sensor_id, ts, value) FROM STDIN (FORMAT binary)"
            for k in range(0, args.readings, args.batch):
                part = slice(k, k + args.batch)
                payload = copy_payload(Batch(sensor[part], ts_us[part], value[part]))
                with transaction.atomic(), connection.cursor() as cur, cur.cursor.copy(copy_sql) as cp:
                    cp.write(payload)
            copy_rates.append(args.readings / (time.perf_counter() - t0))

            # The service alone, in this process (no HTTP, no JSON): where the endpoint's time goes.
            items = items_for(run + args.repeats + 1)
            t0 = time.perf_counter()
            for k in range(0, len(items), args.batch):
                services.ingest_readings(items[k:k + args.batch])
            storage.fold_rollups()
            service_rates.append(args.readings / (time.perf_counter() - t0))
    finally:
        proc.terminate()
        proc.wait(20)

    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM telemetry_reading")
        total = cur.fetchone()[0]
        storage.fold_rollups()  # the warm-up's
        cur.execute("SELECT (SELECT coalesce(sum(count), 0) FROM telemetry_readingrollupminute), "
                    "(SELECT coalesce(sum(count), 0) FROM telemetry_readingrolluphour)")
        in_minutes, in_hours = cur.fetchone()
    # Every reading written through the endpoint or the service (not the raw COPY, which has no
    # rollups) is counted once in each rollup.
    counted = args.readings * args.repeats * 2 + args.clients * 2 * args.batch
    expected = args.readings * args.repeats * 3 + args.clients * 2 * args.batch
    med_http, med_copy = statistics.median(http_rates), statistics.median(copy_rates)
    lat_ms = sorted(x * 1000 for x in latencies)
    p50, p95 = lat_ms[len(lat_ms) // 2], lat_ms[int(len(lat_ms) * 0.95)]
    print(f"readings per run: {args.readings:,} in batches of {args.batch:,} over {len(ids)} sensors, "
          f"{args.repeats} runs; {args.workers} uvicorn workers, {args.clients} client connections; "
          f"rows in the table at the end: {total:,} (expected {expected:,}); readings counted in the "
          f"1-minute / 1-hour rollups: {in_minutes:,} / {in_hours:,} (expected {counted:,})")
    print(f"{'path':<46}{'median /s':>12}{'min /s':>12}{'max /s':>12}")
    print(f"{'HTTP bulk endpoint, end to end':<46}{med_http:>12,.0f}{min(http_rates):>12,.0f}{max(http_rates):>12,.0f}")
    print(f"{'raw binary COPY into the same table (1 conn)':<46}{med_copy:>12,.0f}{min(copy_rates):>12,.0f}"
          f"{max(copy_rates):>12,.0f}")
    med_service = statistics.median(service_rates)
    print(f"{'ingest_readings in process (no HTTP)':<46}{med_service:>12,.0f}{min(service_rates):>12,.0f}"
          f"{max(service_rates):>12,.0f}")
    print(f"ratio of the endpoint to raw COPY (medians): {med_http / med_copy:.2f}")
    print(f"request latency for a batch: p50 {p50:.0f} ms, p95 {p95:.0f} ms; folding a run's pending rollups "
          f"afterwards: median {statistics.median(fold_times) * 1000:.0f} ms (included in the endpoint's rate)")
    print(json.dumps({"bench": "ingest", "readings": args.readings, "batch": args.batch, "repeats": args.repeats,
                      "workers": args.workers, "readings_per_s": round(med_http),
                      "copy_readings_per_s": round(med_copy), "service_readings_per_s": round(med_service),
                      "ratio_to_copy": round(med_http / med_copy, 3), "batch_p50_ms": round(p50, 1),
                      "batch_p95_ms": round(p95, 1), "rows_ok": total == expected,
                      "rollups_ok": in_minutes == in_hours == counted}))
    connection.close()


if __name__ == "__main__":
    main()
