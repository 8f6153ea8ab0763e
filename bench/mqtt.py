"""Benchmark: MQTT ingestion of single-reading messages, end to end. Starts the project's broker
(mosquitto with the configuration ``make run`` gives it) on a free port and N ``mqtt_ingest``
workers sharing the stream through a shared subscription, then publishes M messages of one
reading each with QoS 1 from several publisher connections, as fast as the broker takes them.

Figures per run: messages stored and lost (counted in the database), messages/s (messages
stored over the time from the first publish to the last commit), and the latency from publish to
commit (p50, p99): each reading's timestamp is the instant it was published, and the workers
report the age of readings when their batch commits (``age_ms_histogram`` in their statistics
lines, added up over the workers). Publishing as fast as the broker takes them measures the
most the workers store, and a latency that is mostly the backlog queued in the broker; with
``--rate`` the publishers keep a steady pace, for the latency of a load the workers keep up
with. With ``--kill`` one worker is SIGKILLed once a third of the
messages are published and started again under the same client id: nothing may be lost.

The publishers write MQTT 3.1.1 packets themselves, many per socket write, and count the
broker's PUBACKs (at most --window unacknowledged per connection). paho, which the workers use,
spends more processor time per published message than a worker spends storing it; on a small
machine its publishers would measure themselves rather than the ingestion. In the field every
device is its own machine.

Runs against a scratch database ``prosync_bench_mqtt`` on the project's PostgreSQL server.

    .venv/bin/python bench/mqtt.py [--workers N] [--messages M] [--publishers P] [--rate R] [--repeats R]
                                   [--kill] [--full]
"""

from __future__ import annotations

import argparse
import collections
import json
import multiprocessing
import os
import resource
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402

FULL_MESSAGES = 200_000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port: int, proc: subprocess.Popen, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("the broker exited at start")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"the broker does not listen on {port}")


# --- Publishers -------------------------------------------------------------------------------


def _packet(kind: int, body: bytes) -> bytes:
    """An MQTT packet: fixed header (type and flags, remaining length) and body."""
    n, length = len(body), bytearray()
    while True:
        n, digit = divmod(n, 128)
        length.append(digit | (0x80 if n else 0))
        if not n:
            return bytes([kind]) + bytes(length) + body


def publish(port: int, index: int, topic: str, sensors: list[int], count: int, window: int, rate: float,
            published: multiprocessing.Value, go: multiprocessing.Event, out: multiprocessing.Queue) -> None:
    """One publisher connection: ``count`` QoS 1 messages of one reading each, ``ts`` the instant
    of publishing (strictly increasing, so every (sensor, ts) is new); ``rate`` messages/s, or as
    fast as the broker takes them (0)."""
    sock = socket.create_connection(("127.0.0.1", port))
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    client_id = f"bench-pub-{os.getpid()}-{index}".encode()
    # CONNECT: protocol MQTT 3.1.1, clean session, keep-alive 60 s.
    sock.sendall(_packet(0x10, b"\x00\x04MQTT\x04\x02\x00\x3c" + struct.pack("!H", len(client_id)) + client_id))
    connack = sock.recv(4)
    if len(connack) != 4 or connack[3] != 0:
        raise RuntimeError(f"connection refused: {connack!r}")
    head = struct.pack("!H", len(topic)) + topic.encode()
    go.wait()
    first = time.time()
    sent = acked = 0
    last_us = 0
    buffered = b""
    chunk = max(1, min(100, int(rate * 0.005))) if rate else 100  # paced: a chunk every ~5 ms
    while acked < count:
        if rate and sent < count:
            time.sleep(max(0.0, first + sent / rate - time.time()))
        if sent < count and sent - acked < window:
            packets = []
            for _ in range(min(chunk, count - sent, window - (sent - acked))):
                now_us = max(time.time_ns() // 1000, last_us + 1)
                last_us = now_us
                ts = datetime.fromtimestamp(now_us / 1e6, UTC).isoformat()
                payload = b'{"sensor": %d, "ts": "%s", "value": %.3f}' % (
                    sensors[sent % len(sensors)], ts.encode(), (sent % 1000) / 10)
                # PUBLISH, QoS 1: topic, packet id (1..65535), payload.
                packets.append(_packet(0x32, head + struct.pack("!H", sent % 65535 + 1) + payload))
                sent += 1
            sock.sendall(b"".join(packets))
            with published.get_lock():
                published.value += len(packets)
            flags = socket.MSG_DONTWAIT
        else:
            flags = 0  # the window is full: wait for PUBACKs
        try:
            data = sock.recv(65536, flags)
        except BlockingIOError:
            continue
        if not data:
            raise RuntimeError("the broker closed the connection")
        buffered += data
        whole = len(buffered) // 4  # every packet the broker sends us is a 4-byte PUBACK
        acked += whole
        buffered = buffered[whole * 4:]
    sock.sendall(b"\xe0\x00")  # DISCONNECT
    sock.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    out.put((index, first, time.time(), usage.ru_utime + usage.ru_stime))


# --- Workers ----------------------------------------------------------------------------------


class Worker:
    """One ``manage.py mqtt_ingest`` process, and what its statistics lines have said."""

    def __init__(self, index: int, url: str, env: dict):
        self.index, self.url, self.env = index, url, env
        self.client_id = f"prosync-bench-ingest-{index}"
        self.lock = threading.Lock()
        self.messages = 0
        self.duplicates = 0
        self.ages: collections.Counter = collections.Counter()
        self.last_commit_at = 0.0
        self.start()

    def start(self) -> None:
        self.subscribed = threading.Event()
        self.proc = subprocess.Popen(
            [sys.executable, "manage.py", "mqtt_ingest", "--url", self.url, "--client-id", self.client_id,
             # The bench's publishers stand for gateways on one anonymous broker, not per-site ones.
             "--stats-interval", "0.5", "--error-topic", "prosync-bench/errors", "--site-level", "off"],
            cwd=BASE_DIR, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stderr:
            try:
                record = json.loads(line)
            except ValueError:
                print(f"worker {self.index}: {line.rstrip()}", file=sys.stderr)
                continue
            if record.get("message") == "MQTT ingestion subscribed":
                self.subscribed.set()
            elif record.get("message") == "MQTT ingestion stats":
                with self.lock:
                    self.messages += record["messages"]
                    self.duplicates += record["duplicates"]
                    self.ages.update({int(k): v for k, v in record["age_ms_histogram"].items()})
                    self.last_commit_at = max(self.last_commit_at, record["last_commit_at"] or 0)
            elif record.get("level") in ("WARNING", "ERROR"):
                print(f"worker {self.index}: {line.rstrip()}", file=sys.stderr)

    def snapshot(self) -> tuple[int, int, collections.Counter, float]:
        with self.lock:
            return self.messages, self.duplicates, collections.Counter(self.ages), self.last_commit_at

    def kill_and_restart(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.start()

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


# --- A run ------------------------------------------------------------------------------------


def cpu_seconds(proc: subprocess.Popen) -> float:
    import psutil

    try:
        times = psutil.Process(proc.pid).cpu_times()
    except psutil.NoSuchProcess:
        return 0.0
    return times.user + times.system


def one_run(args, port: int, broker: subprocess.Popen, workers: list[Worker], sensors: list[int],
            count_since) -> dict:
    from telemetry.mqtt import percentile

    ctx = multiprocessing.get_context("fork")
    published, go, out = ctx.Value("l", 0), ctx.Event(), ctx.Queue()
    per = [args.messages // args.publishers + (i < args.messages % args.publishers) for i in range(args.publishers)]
    before = [w.snapshot() for w in workers]
    cpu_before = sum(cpu_seconds(w.proc) for w in workers), cpu_seconds(broker)
    since = datetime.now(UTC)
    pubs = [ctx.Process(target=publish, args=(port, i, f"prosync/bench-gw-{i}/readings", sensors[i::args.publishers],
                                                n, args.window, args.rate / args.publishers, published, go, out))
            for i, n in enumerate(per)]
    for p in pubs:
        p.start()
    time.sleep(0.5)  # connected, waiting for the start
    go.set()
    killed = False
    if args.kill:
        while published.value < args.messages // 3 and any(p.is_alive() for p in pubs):
            time.sleep(0.005)
        workers[0].kill_and_restart()
        killed = True
    for p in pubs:
        p.join()
    ends = [out.get(timeout=10) for _ in pubs]
    first = min(e[1] for e in ends)
    published_s = max(e[2] for e in ends) - first

    def seen() -> int:
        return sum(w.snapshot()[0] for w in workers) - sum(b[0] for b in before)

    # Done when the workers have reported every message committed; after a kill the killed
    # worker's last counts are gone with it, so the database has the last word.
    deadline = time.monotonic() + args.timeout
    while time.monotonic() < deadline:
        if seen() >= args.messages or (killed and count_since(since) >= args.messages):
            break
        time.sleep(0.5)
    time.sleep(1.2)  # the statistics line of the last batches
    after = [w.snapshot() for w in workers]
    # Processor time per message (the killed worker's own is lost with it).
    cpu = {"workers": sum(cpu_seconds(w.proc) for w in workers) - cpu_before[0],
           "broker": cpu_seconds(broker) - cpu_before[1], "publishers": sum(e[3] for e in ends)}
    stored = count_since(since)
    ages = collections.Counter()
    for (_, _, a0, _), (_, _, a1, _) in zip(before, after, strict=True):
        ages.update(a1 - a0)
    last_commit = max(a[3] for a in after)
    duplicates = sum(a[1] for a in after) - sum(b[1] for b in before)
    return {"messages": args.messages, "stored": stored, "lost": args.messages - stored,
            "duplicates": duplicates, "published_per_s": args.messages / published_s,
            "messages_per_s": stored / max(1e-6, last_commit - first),
            "p50_ms": percentile(ages, 0.5), "p99_ms": percentile(ages, 0.99), "killed": killed,
            "cpu_us": {k: v / args.messages * 1e6 for k, v in cpu.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--messages", type=int, default=30_000, help=f"per run (--full: {FULL_MESSAGES:,})")
    parser.add_argument("--publishers", type=int, default=4, help="publisher connections (processes)")
    parser.add_argument("--window", type=int, default=2000, help="unacknowledged messages per publisher")
    parser.add_argument("--rate", type=float, default=0,
                        help="messages/s of all publishers together (default: as fast as the broker takes them)")
    parser.add_argument("--sensors", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--kill", action="store_true", help="SIGKILL a worker mid-stream and start it again")
    parser.add_argument("--full", action="store_true", help=f"{FULL_MESSAGES:,} messages per run")
    parser.add_argument("--timeout", type=float, default=180, help="longest wait for the last commit (s)")
    args = parser.parse_args()
    if args.full:
        args.messages = FULL_MESSAGES

    os.environ.setdefault("REDIS_PREFIX", f"prosync-bench-mqtt-{os.getpid()}")
    setup_scratch_django("prosync_bench_mqtt")
    from assets.models import Asset, AssetCategory, Site
    from telemetry import storage
    from telemetry.models import Reading, Sensor
    from telemetry.mqtt import mosquitto_binary, mosquitto_config

    site = Site.objects.create(code="bench", name="Bench")
    category = AssetCategory.objects.create(name="Pump")
    metrics = ("vibration", "temperature", "current", "pressure")
    assets = Asset.objects.bulk_create([Asset(site=site, category=category, tag=f"B-{i}", name=f"Bench {i}")
                                        for i in range(args.sensors // len(metrics))])
    sensors = [s.pk for s in Sensor.objects.bulk_create([
        Sensor(asset=a, name=m, metric=m, key=f"bench.{a.tag}.{m}".lower()) for a in assets for m in metrics])]
    now = datetime.now(UTC)
    storage.prepare(now - timedelta(days=1), now + timedelta(days=1))

    def count_since(since: datetime) -> int:
        return Reading.objects.filter(ts__gte=since).count()

    binary = mosquitto_binary()
    if binary is None:
        raise SystemExit("mosquitto is not installed (apt-get install mosquitto)")
    port = free_port()
    data = Path(tempfile.mkdtemp(prefix="prosync-bench-mqtt-"))
    data.chmod(0o755)  # mosquitto started as root saves as its own user
    (data / "mosquitto.conf").write_text(mosquitto_config(port, data / "store"))
    broker = subprocess.Popen([binary, "-c", str(data / "mosquitto.conf")], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    # As in production: DEBUG off (with it on, Django records every query).
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="prosync.settings", LOG_LEVEL="INFO", PYTHONUNBUFFERED="1", DEBUG="0")
    workers: list[Worker] = []
    try:
        wait_port(port, broker)
        workers = [Worker(i, f"mqtt://127.0.0.1:{port}", env) for i in range(args.workers)]
        for w in workers:
            if not w.subscribed.wait(60):
                raise SystemExit(f"worker {w.index} did not subscribe")
        runs = []
        for _ in range(args.repeats):
            runs.append(one_run(args, port, broker, workers, sensors, count_since))
            if args.kill:  # the restarted worker must have subscribed before the next run
                workers[0].subscribed.wait(60)
    finally:
        for w in workers:
            w.stop()
        broker.terminate()
        broker.wait(10)
        shutil.rmtree(data, ignore_errors=True)

    print(f"{args.messages:,} single-reading messages per run, QoS 1, {args.publishers} publisher connections, "
          f"{args.workers} worker(s), {len(sensors)} sensors"
          + (f", published at {args.rate:,.0f}/s" if args.rate else ", published as fast as the broker takes them")
          + (", a worker SIGKILLed mid-stream" if args.kill else ""))
    print(f"{'run':>3} {'stored':>9} {'lost':>6} {'dupl.':>6} {'published/s':>12} {'stored msg/s':>13} "
          f"{'p50 ms':>7} {'p99 ms':>7}   processor time per message: workers, broker, publishers")

    def ms(v):
        return "-" if v is None else f"{v:.0f}"

    for i, r in enumerate(runs, 1):
        print(f"{i:>3} {r['stored']:>9,} {r['lost']:>6,} {r['duplicates']:>6,} {r['published_per_s']:>12,.0f} "
              f"{r['messages_per_s']:>13,.0f} {ms(r['p50_ms']):>7} {ms(r['p99_ms']):>7}   "
              + ", ".join(f"{v:.0f} µs" for v in r["cpu_us"].values()))

    def median(key):
        values = [r[key] for r in runs if r[key] is not None]
        return round(statistics.median(values), 1) if values else None

    print(f"medians of {len(runs)} runs; stored is the fewest of any run, lost the most")
    print(json.dumps({"bench": "mqtt", "messages": args.messages, "stored": min(r["stored"] for r in runs),
                      "lost": max(r["lost"] for r in runs), "messages_per_s": round(median("messages_per_s")),
                      "workers": args.workers, "p50_ms": median("p50_ms"), "p99_ms": median("p99_ms"),
                      "duplicates": max(r["duplicates"] for r in runs), "kill": args.kill, "runs": len(runs),
                      "publishers": args.publishers, "rate": args.rate or None}))


if __name__ == "__main__":
    main()
