"""Fuzz of the API: Schemathesis generates requests from the published schema (/api/schema/) for
every operation, as each role (Admin, Manager, Technician, Viewer), against a real uvicorn server
on a scratch database; it reports server errors (5xx) and answers that contradict the schema, per
operation, then a JSON line with the figures.

Runs against a scratch database ``prosync_bench_fuzz`` on the project's PostgreSQL server (the
embedded one unless DATABASE_URL is set) and the project's Redis.

    .venv/bin/python bench/fuzz.py                 # small: a few cases per operation
    .venv/bin/python bench/fuzz.py --full          # at least 2,000 generated cases per role
    .venv/bin/python bench/fuzz.py --roles manager --examples 30 --seed 1
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import BASE_DIR, setup_scratch_django  # noqa: E402

ROLES = ("admin", "manager", "technician", "viewer")
CHECKS = "not_a_server_error,response_schema_conformance"
SERVER_ERROR = "not_a_server_error"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_plant() -> dict[str, str]:
    """A small plant with one user per role; returns an access token per role."""
    from datetime import timedelta

    from django.utils import timezone
    from rest_framework_simplejwt.tokens import AccessToken

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetCategory, Part, Site, Storeroom
    from telemetry.models import Sensor
    from workorders import services as wo_services

    north = Site.objects.create(code="north", name="North plant")
    south = Site.objects.create(code="south", name="South plant")
    pumps = AssetCategory.objects.create(name="Pump")
    users = {
        "admin": create_user(username="fuzz_admin", password=os.urandom(12).hex(), role=Role.ADMIN, site_ids=[]),
        "manager": create_user(username="fuzz_manager", password=os.urandom(12).hex(), role=Role.MANAGER,
                               site_ids=[north.pk]),
        "technician": create_user(username="fuzz_tech", password=os.urandom(12).hex(), role=Role.TECHNICIAN,
                                  site_ids=[north.pk]),
        "viewer": create_user(username="fuzz_viewer", password=os.urandom(12).hex(), role=Role.VIEWER,
                              site_ids=[north.pk]),
    }
    for site in (north, south):
        for i in range(3):
            asset = Asset.objects.create(site=site, category=pumps, tag=f"{site.code.upper()}-P{i}", name=f"Pump {i}")
            Sensor.objects.create(asset=asset, name="Vibration", metric="vibration", unit="mm/s",
                                  key=f"{site.code}.p{i}.vibration")
            wo_services.create_work_order(actor=users["admin"], asset=asset, title=f"Inspect pump {i}",
                                          due_at=timezone.now() + timedelta(days=i))
        Storeroom.objects.create(site=site, code=f"{site.code}-main", name="Main store")
    Part.objects.create(part_number="BRG-6205", name="Bearing 6205", unit="pcs")
    return {role: str(AccessToken.for_user(user)) for role, user in users.items()}


def start_server(port: int, log) -> subprocess.Popen:
    from django.conf import settings

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="prosync.settings", LOG_LEVEL="WARNING",
               REDIS_URL=settings.REDIS_URL, REDIS_PREFIX=f"{settings.REDIS_PREFIX}-fuzz",
               THROTTLE_USER="1000000/min", THROTTLE_ANON="1000000/min", THROTTLE_INGEST="1000000/min",
               JWT_ACCESS_MINUTES="600", DEBUG="0")
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--log-level", "warning"],
        cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    deadline = time.monotonic() + 60
    while True:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return server
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.2)


def fuzz_role(role: str, token: str, port: int, args, report_dir: Path) -> dict:
    report = report_dir / f"{role}.json"
    junit = report_dir / f"{role}.xml"
    command = [
        str(Path(sys.executable).parent / "schemathesis"), "run", f"http://127.0.0.1:{port}/api/schema/",
        "--url", f"http://127.0.0.1:{port}", "-H", f"Authorization: Bearer {token}",
        "--checks", CHECKS, "--max-examples", str(args.examples), "--phases", args.phases,
        "--seed", str(args.seed), "--workers", str(args.workers), "--request-timeout", "60",
        "--continue-on-failure", "--no-shrink", "--suppress-health-check", "all",
        "--report", "json,junit", "--report-json-path", str(report), "--report-junit-path", str(junit),
        "--output-sanitize", "true", "--warnings", "off",
    ] + (["--include-path-regex", args.paths] if args.paths else [])
    started = time.monotonic()
    # In the report folder: Schemathesis keeps its example database in the working directory.
    run = subprocess.run(command, cwd=report_dir, capture_output=True, text=True, env=dict(os.environ, NO_COLOR="1"))
    elapsed = time.monotonic() - started
    (report_dir / f"{role}.log").write_text(run.stdout + run.stderr)
    return summarise(role, report, junit, run, elapsed)


def summarise(role: str, report: Path, junit: Path, run, elapsed: float) -> dict:
    """Cases generated and failures per operation, from Schemathesis's own reports."""
    import xml.etree.ElementTree as ET

    server_errors: dict[str, Counter] = defaultdict(Counter)
    violations: dict[str, Counter] = defaultdict(Counter)
    cases = None
    if report.exists():
        data = json.loads(report.read_text())
        cases = _find_count(data)
    if junit.exists():
        for testcase in ET.parse(junit).getroot().iter("testcase"):  # noqa: S314 - our own run's report
            operation = testcase.get("name", "?")
            for failure in list(testcase.iter("failure")) + list(testcase.iter("error")):
                text = (failure.get("message") or "") + "\n" + (failure.text or "")
                # One line per distinct failure: "- ST101 Server error", "- ST108 Response violates schema"
                for line in text.splitlines():
                    title = line.strip().lstrip("- ").strip()
                    if not title.startswith("ST"):
                        continue
                    if "Server error" in title:
                        server_errors[operation][title] += 1
                    elif "schema" in title.lower():
                        violations[operation][title] += 1
    if cases is None:  # the console summary says it too
        for line in run.stdout.splitlines():
            if "generated" in line and any(ch.isdigit() for ch in line):
                digits = "".join(ch if ch.isdigit() else " " for ch in line).split()
                if digits:
                    cases = int(digits[0])
    return {"role": role, "cases": cases, "seconds": round(elapsed, 1), "exit": run.returncode,
            "server_errors": {op: dict(c) for op, c in server_errors.items()},
            "schema_violations": {op: dict(c) for op, c in violations.items()}}


def _find_count(data) -> int | None:
    """The total of generated test cases in Schemathesis's JSON run report."""
    if isinstance(data, dict):
        for key in ("total_cases", "cases_total", "test_cases"):
            value = data.get(key)
            if isinstance(value, int):
                return value
            if isinstance(value, dict) and isinstance(value.get("total"), int):
                return value["total"]
        for value in data.values():
            found = _find_count(value)
            if found is not None:
                return found
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--full", action="store_true", help="enough examples for at least 2,000 cases per role")
    parser.add_argument("--examples", type=int, default=None, help="Hypothesis examples per operation")
    parser.add_argument("--roles", default=",".join(ROLES))
    # The coverage phase (every boundary of every parameter) multiplies the cases tenfold; ask
    # for it with --phases examples,coverage,fuzzing when there is time.
    parser.add_argument("--phases", default="examples,fuzzing")
    parser.add_argument("--seed", type=int, default=20261202)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--paths", default="", help="only the operations whose path matches this regex")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)
    if args.examples is None:  # 227 operations: 10 each is over 2,000 cases per role
        args.examples = 10 if args.full else 2
    roles = [r for r in args.roles.split(",") if r]

    setup_scratch_django("prosync_bench_fuzz")
    from django.db import connection

    tokens = make_plant()
    connection.close()
    port = free_port()
    log_path = BASE_DIR / "var" / "bench_fuzz_server.log"
    log_path.parent.mkdir(exist_ok=True)
    results = []
    with open(log_path, "w") as log, tempfile.TemporaryDirectory(prefix="prosync-fuzz-") as tmp:
        server = start_server(port, log)
        try:
            for role in roles:
                results.append(fuzz_role(role, tokens[role], port, args, Path(tmp)))
                r = results[-1]
                print(f"== {role}: {r['cases']} cases in {r['seconds']} s, "
                      f"{sum(sum(c.values()) for c in r['server_errors'].values())} server errors, "
                      f"{sum(sum(c.values()) for c in r['schema_violations'].values())} schema violations")
                for kind in ("server_errors", "schema_violations"):
                    for op, messages in sorted(r[kind].items()):
                        for message, n in messages.items():
                            print(f"   {kind.replace('_', ' ')[:-1]}: {op}: {message} (x{n})")
                if r["cases"] is None or r["exit"] not in (0, 1):
                    print(f"   schemathesis exited {r['exit']}; see its log", file=sys.stderr)
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                server.wait(10)
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.pid, signal.SIGKILL)
    server_log = log_path.read_text()
    tracebacks = server_log.count("Traceback")
    print(f"server log: {tracebacks} tracebacks ({log_path})")
    print(json.dumps({
        "bench": "fuzz", "examples_per_operation": args.examples, "seed": args.seed,
        "roles": {r["role"]: {"cases": r["cases"],
                              "server_errors": sum(sum(c.values()) for c in r["server_errors"].values()),
                              "schema_violations": sum(sum(c.values()) for c in r["schema_violations"].values()),
                              "operations_with_server_errors": len(r["server_errors"]),
                              "operations_with_schema_violations": len(r["schema_violations"]),
                              "seconds": r["seconds"]} for r in results},
        "server_tracebacks": tracebacks}))


if __name__ == "__main__":
    main()
