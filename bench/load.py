"""Benchmark: a working day under load. Technicians and planners (signed-in sessions, think time
between clicks) read their pages and write comments, time and orders, while gateways send
readings at a steady rate through the bulk endpoint; afterwards every reading the server accepted
must be in the store. Prints p50/p95 per page, errors, and the readings sent, accepted and counted.

Runs against a scratch database ``prosync_load`` on the project's PostgreSQL server (the embedded
one unless DATABASE_URL is set) and uvicorn workers as production runs them (DEBUG off, a
connection pool per worker), with the per-user throttles lifted for the run.

    .venv/bin/python bench/load.py                       # 10 users, 2,000 readings/s, 30 s
    .venv/bin/python bench/load.py --users 50 --readings-per-s 10000 --duration 300   # the full run
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402

PASSWORD = "Load-test-4821"  # noqa: S105 -- the scratch database's people


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(workers: int) -> tuple[subprocess.Popen, int]:
    port = free_port()
    env = dict(os.environ, DEBUG="0", THROTTLE_INGEST="10000000/min", THROTTLE_USER="10000000/min",
               LOG_LEVEL="WARNING", DJANGO_SETTINGS_MODULE="prosync.settings", DB_POOL_MAX_SIZE="8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--workers", str(workers), "--log-level", "warning", "--no-access-log"],
        cwd=BASE_DIR, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            conn.getresponse().read()
            return proc, port
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the web server did not start")


class Session:
    """One person's browser: a keep-alive connection, the session and CSRF cookies."""

    def __init__(self, port: int, username: str):
        self.port, self.cookies = port, {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        page = self.request("GET", "/login/")[1]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        status, _ = self.request("POST", "/login/", {"username": username, "password": PASSWORD,
                                                     "csrfmiddlewaretoken": token})
        if status != 302:
            raise RuntimeError(f"{username} could not sign in ({status})")

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            headers |= {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": self.cookies.get(
                "csrftoken", ""), "Referer": f"http://127.0.0.1:{self.port}{path}"}
            body = urlencode(form)
        try:
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            resp = self.conn.getresponse()
        for header, value in resp.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";")[0]
        return resp.status, resp.read().decode(errors="replace")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10, help="people signed in at once (1 in 5 a planner)")
    parser.add_argument("--duration", type=float, default=30, help="seconds of load")
    parser.add_argument("--readings-per-s", type=int, default=2000)
    parser.add_argument("--assets", type=int, default=500)
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--think", type=float, default=1.0, help="mean seconds between one person's clicks")
    parser.add_argument("--workers", type=int, default=2, help="uvicorn worker processes")
    args = parser.parse_args()

    setup_scratch_django("prosync_load")
    import numpy as np
    from django.db import connection

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, Site
    from telemetry import services as telemetry_services
    from telemetry import storage
    from telemetry.models import Sensor
    from workorders.models import WorkOrder

    rng = random.Random(7)
    sites = [Site.objects.create(code=f"load{i}", name=f"Load plant {i}") for i in range(2)]
    assets = Asset.objects.bulk_create([Asset(site=sites[i % 2], tag=f"L-{i:05d}", name=f"Pump {i}")
                                        for i in range(args.assets)])
    sensors = Sensor.objects.bulk_create([
        Sensor(asset=a, name=m, metric=m, key=f"load.{a.tag}.{m}".lower(), sampling_interval_s=1)
        for a in assets for m in ("vibration", "temperature")])
    orders = WorkOrder.objects.bulk_create([
        WorkOrder(site=a.site, asset=a, title=f"Inspect {a.name} ({i})")
        for i, a in enumerate(rng.choices(assets, k=args.orders))])
    planners = max(1, args.users // 5)
    people = []
    for i in range(args.users):
        role = Role.MANAGER if i < planners else Role.TECHNICIAN
        site = sites[i % 2]
        user = create_user(username=f"load{i}", password=PASSWORD, role=role, site_ids=[site.pk])
        people.append((user.username, role, site.pk, [o.pk for o in orders if o.site_id == site.pk][:400],
                       [a.pk for a in assets if a.site_id == site.pk][:400]))
    keys = [telemetry_services.issue_gateway(site=s, name="load gateway", actor=None)[1] for s in sites]
    sensor_ids = {s.pk: [x.pk for x in sensors if x.asset.site_id == s.pk] for s in sites}
    storage.prepare(datetime.now(UTC) - timedelta(days=2), datetime.now(UTC) + timedelta(days=1))
    connection.close()

    proc, port = start_server(args.workers)
    timings: dict[str, list[float]] = collections.defaultdict(list)
    errors: collections.Counter = collections.Counter()
    samples: dict[str, str] = {}
    lock = threading.Lock()
    stop_at = [0.0]
    sent = [0]
    accepted = [0]

    def note(name: str, seconds: float, status: int, body: str) -> None:
        with lock:
            timings[name].append(seconds)
            if status >= 400:
                errors[f"{name} {status}"] += 1
                samples.setdefault(f"{name} {status}", body[:300])

    def person(username: str, role: str, site_id: int, order_ids: list[int], asset_ids: list[int]) -> None:
        session = Session(port, username)
        r = random.Random(username)
        if role == Role.MANAGER:
            clicks = [("dashboard", "GET", lambda: "/", None),
                      ("order list", "GET", lambda: "/work-orders/?status=open", None),
                      ("asset list", "GET", lambda: f"/assets/?q=Pump+{r.randrange(100)}", None),
                      ("order page", "GET", lambda: f"/work-orders/{r.choice(order_ids)}/", None),
                      ("board", "GET", lambda: "/work-orders/board/", None),
                      ("new order", "POST", lambda: "/work-orders/new/",
                       lambda: {"title": "Check the coupling", "site": site_id, "asset": r.choice(asset_ids),
                                "priority": "medium", "kind": "corrective"})]
        else:
            clicks = [("my work", "GET", lambda: "/work-orders/my/", None),
                      ("order page", "GET", lambda: f"/work-orders/{r.choice(order_ids)}/", None),
                      ("asset page", "GET", lambda: f"/assets/{r.choice(asset_ids)}/", None),
                      ("comment", "POST", lambda: f"/work-orders/{r.choice(order_ids)}/comments/",
                       lambda: {"body": "Checked, bearing noise within limits."})]
        while time.monotonic() < stop_at[0]:
            name, method, path, form = r.choice(clicks)
            t0 = time.perf_counter()
            status, body = session.request(method, path(), form() if form else None)
            note(name, time.perf_counter() - t0, status, body)
            time.sleep(r.expovariate(1 / args.think))

    def gateway(index: int) -> None:
        """Half the rate per site, in batches of 1,000 readings, paced second by second."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        headers = {"Content-Type": "application/json", "Authorization": f"Gateway {keys[index]}"}
        ids = np.array(sensor_ids[sites[index].pk])
        per_s = args.readings_per_s // len(sites)
        second = int(time.time()) - 3600 * (index + 1)
        while time.monotonic() < stop_at[0]:
            tick = time.monotonic()
            # Each sensor's readings of this second spread over it, so none repeats an instant.
            rounds = -(-per_s // len(ids))
            n = np.arange(per_s)
            stamps = [datetime.fromtimestamp(second + k / rounds, UTC).isoformat() for k in range(rounds)]
            items = [{"sensor": int(ids[i % len(ids)]), "ts": stamps[i // len(ids)], "value": float(i % 13)}
                     for i in n.tolist()]
            second += 1
            for k in range(0, len(items), 1000):
                body = json.dumps(items[k:k + 1000])
                t0 = time.perf_counter()
                conn.request("POST", "/api/v1/readings/bulk/", body=body, headers=headers)
                resp = conn.getresponse()
                payload = resp.read().decode()
                note("readings batch", time.perf_counter() - t0, resp.status, payload)
                with lock:
                    sent[0] += len(items[k:k + 1000])
                    if resp.status in (200, 201):
                        accepted[0] += json.loads(payload).get("stored", 0)
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))

    try:
        stop_at[0] = time.monotonic() + args.duration
        threads = [threading.Thread(target=person, args=p) for p in people]
        threads += [threading.Thread(target=gateway, args=(i,)) for i in range(len(sites))]
        started = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - started
    finally:
        proc.terminate()
        proc.wait(20)

    counted = storage.get_store().count_raw([s.pk for s in sensors])
    requests = sum(len(v) for v in timings.values())
    print(f"{args.users} people ({planners} planners) and {args.readings_per_s:,} readings/s offered for "
          f"{args.duration:.0f} s, {args.workers} uvicorn workers; {requests:,} requests in {wall:.0f} s")
    print(f"{'request':<16} {'count':>7} {'p50 ms':>8} {'p95 ms':>8}")
    figures = {}
    for name, values in sorted(timings.items()):
        ms = sorted(v * 1000 for v in values)
        p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
        figures[name] = {"count": len(ms), "p50_ms": round(statistics.median(ms), 1), "p95_ms": round(p95, 1)}
        print(f"{name:<16} {len(ms):>7} {statistics.median(ms):>8.1f} {p95:>8.1f}")
    print(f"errors: {sum(errors.values())} {dict(errors) or ''}")
    for key, body in samples.items():
        print(f"  e.g. {key}: {body!r}")
    print(f"readings: sent {sent[0]:,}, accepted {accepted[0]:,}, in the store {counted:,} "
          f"({sent[0] / wall:,.0f}/s achieved)")
    print(json.dumps({"bench": "load", "users": args.users, "duration_s": args.duration, "requests": requests,
                      "errors": sum(errors.values()), "readings_sent": sent[0], "readings_accepted": accepted[0],
                      "readings_counted": counted, "readings_per_s": round(sent[0] / wall),
                      "pages": figures}))


if __name__ == "__main__":
    main()
