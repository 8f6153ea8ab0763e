"""Benchmark: time from an ingest request to the receipt of the new value by WebSocket clients,
with many clients connected (half on the site group, half on asset groups), through a real
uvicorn server (one worker process per core, as production runs it and as the ingest bench
does; the clients spread over the workers as the kernel hands out connections), Redis channel
layer and PostgreSQL.

Runs against a scratch database ``prosync_bench_live`` on the project's PostgreSQL server (the
embedded one unless DATABASE_URL is set) and the project's Redis under a key prefix of its own.

    .venv/bin/python bench/live_push.py [--clients 500] [--rounds 40] [--assets 10] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def ws_ticket(port: int, token: str) -> str:
    """A single-use WebSocket ticket, asked for with the API token as an integrator does."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("POST", "/api/v1/ws-ticket/", headers={"Authorization": f"Bearer {token}"})
        resp = conn.getresponse()
        body = resp.read()
        if resp.status != 201:
            raise OSError(f"ws-ticket answered {resp.status}")
        return json.loads(body)["ticket"]
    finally:
        conn.close()


async def run_clients(port: int, token: str, site_id: int, asset_ids: list[int], sensor_of: dict[int, int],
                      clients: int, rounds: int, interval: float, post) -> tuple[list[float], int, int]:
    import websockets

    sent_at: dict[float, float] = {}
    request_ms: list[float] = []
    push_ms: list[float] = []
    latencies: list[float] = []
    paths = [f"/ws/sites/{site_id}/" if i % 2 == 0 else f"/ws/assets/{asset_ids[(i // 2) % len(asset_ids)]}/"
             for i in range(clients)]
    ready = asyncio.Event()
    connected = 0
    expected_per_round = 0

    handshakes = asyncio.Semaphore(10)  # 500 handshakes at once would only measure the handshake

    async def open_socket(path: str):
        for attempt in range(5):
            try:
                async with handshakes:
                    ticket = await asyncio.to_thread(ws_ticket, port, token)
                    ws = await websockets.connect(f"ws://127.0.0.1:{port}{path}?ticket={ticket}", max_queue=None,
                                                  open_timeout=60, origin=f"http://127.0.0.1:{port}")
                    await ws.recv()  # hello: the consumer has joined its group
                    return ws
            except (OSError, websockets.exceptions.WebSocketException):
                if attempt == 4:
                    raise
                await asyncio.sleep(0.5 * (attempt + 1))
        raise AssertionError("unreachable")

    async def client(path: str):
        nonlocal connected
        async with await open_socket(path) as ws:
            connected += 1
            if connected == clients:
                ready.set()
            while True:
                raw = await ws.recv()
                now = time.perf_counter()
                wall = time.time()
                msg = json.loads(raw)
                if msg["type"] != "telemetry.readings":
                    continue
                for r in msg["payload"]["readings"]:
                    t0 = sent_at.get(r["value"])
                    if t0 is not None:
                        latencies.append(now - t0)
                        push_ms.append((wall - msg["payload"]["sent_at"]) * 1000)

    tasks = [asyncio.create_task(client(path)) for path in paths]
    waiting = asyncio.create_task(ready.wait())
    await asyncio.wait([waiting, *tasks], timeout=120, return_when=asyncio.FIRST_COMPLETED)
    failed = [t for t in tasks if t.done() and t.exception()]
    if failed or not ready.is_set():
        raise RuntimeError(f"{connected} of {clients} clients connected; first error: "
                           f"{failed[0].exception() if failed else 'timeout'}")
    # 500 clients in one process stand for 500 browsers: a full garbage collection of this
    # process (Django plus every client's state, 150-300 ms here) would stall every client at
    # once and be counted as push latency. Everything alive now stays alive to the end, so it
    # is moved out of the collector's way; the collector keeps running for what the rounds allocate.
    gc.collect()
    gc.freeze()
    await asyncio.sleep(1.0)
    loop = asyncio.get_running_loop()
    for rnd in range(rounds):
        asset = asset_ids[rnd % len(asset_ids)]
        value = float(1000 + rnd)
        # Each asset's clients, plus every site client, must receive it.
        expected_per_round += sum(1 for p in paths if p.endswith(f"/sites/{site_id}/") or p.endswith(f"/{asset}/"))
        sent_at[value] = time.perf_counter()
        status = await loop.run_in_executor(None, post, sensor_of[asset], value, rnd)
        request_ms.append((time.perf_counter() - sent_at[value]) * 1000)
        if status != 201:
            raise RuntimeError(f"ingest answered {status}")
        await asyncio.sleep(interval)
    await asyncio.sleep(2.0)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return latencies, expected_per_round, connected, request_ms, push_ms


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=500)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--assets", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2,
                        help="uvicorn worker processes, as production runs them (one per core; the ingest bench too)")
    parser.add_argument("--interval", type=float, default=0.3,
                        help="seconds between ingest requests (above the coalescing window, so each is pushed)")
    args = parser.parse_args()

    os.environ.setdefault("REDIS_PREFIX", f"prosync-bench-live-{os.getpid()}")
    os.environ.setdefault("THROTTLE_INGEST", "100000/min")
    os.environ.setdefault("THROTTLE_USER", "100000/min")
    setup_scratch_django("prosync_bench_live")
    from django.conf import settings
    from django.db import connection
    from rest_framework_simplejwt.tokens import RefreshToken

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, Site
    from telemetry.models import Sensor

    site = Site.objects.create(code="live", name="Live bench")
    assets = [Asset.objects.create(site=site, tag=f"L-{i}", name=f"Live {i}") for i in range(args.assets)]
    sensors = {a.pk: Sensor.objects.create(asset=a, name="Vibration", metric="vibration", key=f"live.{a.tag}")
               for a in assets}
    user = create_user(username="bench", password=os.urandom(12).hex(), role=Role.ADMIN, site_ids=[])
    token = str(RefreshToken.for_user(user).access_token)
    connection.close()

    port = free_port()
    log_path = BASE_DIR / "var" / "bench_live_push_server.log"
    log_path.parent.mkdir(exist_ok=True)
    log = open(log_path, "w")  # noqa: SIM115
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="prosync.settings", LOG_LEVEL="WARNING",
               REDIS_URL=settings.REDIS_URL)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--ws", "websockets", "--log-level", "warning", "--ws-max-queue", "1000",
         "--workers", str(args.workers)],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.2)
        start = datetime.now(UTC) - timedelta(minutes=30)

        def post(sensor, value, rnd):
            body = json.dumps([{"sensor": sensor.pk, "ts": (start + timedelta(seconds=rnd)).isoformat(),
                                "value": value}])
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)  # keep-alive would time out
            try:
                conn.request("POST", "/api/v1/readings/bulk/", body=body,
                             headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"})
                resp = conn.getresponse()
                resp.read()
                return resp.status
            finally:
                conn.close()

        for k in range(4 * args.workers):  # warm each worker's first requests (connections, caches)
            post(sensors[assets[k % len(assets)].pk], -1.0 - k, -1 - k)
        latencies, expected, connected, request_ms, push_ms = asyncio.run(run_clients(
            port, token, site.pk, [a.pk for a in assets], sensors, args.clients, args.rounds, args.interval, post))
    finally:
        # The whole process group: a worker still closing hundreds of sockets when its parent
        # gives up would otherwise live on and weigh on the next run.
        os.killpg(server.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            server.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.pid, signal.SIGKILL)
        log.close()

    ms = [x * 1000 for x in latencies]
    p50, p90, p99 = (percentile(ms, q) for q in (50, 90, 99)) if ms else (float("nan"),) * 3
    print(f"clients connected: {connected} (half on the site group, half on {args.assets} asset groups), "
          f"{args.workers} uvicorn worker(s)")
    print(f"ingest requests: {args.rounds}, one every {args.interval:.2f} s; deliveries {len(ms)} of {expected}")
    print(f"{'latency ingest request -> client':36} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8} {'max ms':>8}")
    print(f"{'':36} {p50:8.1f} {p90:8.1f} {p99:8.1f} {max(ms) if ms else float('nan'):8.1f}")
    print(f"{'  of which the ingest request itself':36} {percentile(request_ms, 50):8.1f} "
          f"{percentile(request_ms, 90):8.1f} {percentile(request_ms, 99):8.1f} {max(request_ms):8.1f}")
    print(f"{'  push alone: after commit -> client':36} {percentile(push_ms, 50):8.1f} "
          f"{percentile(push_ms, 90):8.1f} {percentile(push_ms, 99):8.1f} {max(push_ms):8.1f}")
    print(f"target p99 < 100 ms: {'met' if ms and p99 < 100 else 'NOT met'}")
    print(json.dumps({"bench": "live_push", "clients": connected, "workers": args.workers, "rounds": args.rounds,
                      "deliveries": len(ms),
                      "expected": expected, "p50_ms": round(p50, 1), "p90_ms": round(p90, 1),
                      "p99_ms": round(p99, 1), "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
                      "request_p50_ms": round(percentile(request_ms, 50), 1),
                      "push_p50_ms": round(percentile(push_ms, 50), 1),
                      "push_p99_ms": round(percentile(push_ms, 99), 1)}))


if __name__ == "__main__":
    main()
