"""``make run``: prepare the database and run every process of the product in the foreground.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set,
migrates, loads the demo plant into an empty database, trains the health models that are
missing, then runs the ASGI server, a Celery worker, Celery beat and the telemetry simulator.
One Ctrl-C stops them all (and the embedded servers this run started).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PY = sys.executable
# Plain data, importable before Django is set up.
from prosync.demo_accounts import DEMO_PASSWORD, DEMO_USERS  # noqa: E402


def _log(msg: str) -> None:
    print(f"\033[1;34m[prosync]\033[0m {msg}", flush=True)


def _child_setup() -> None:
    """Runs in each child before exec: its own session (the terminal's Ctrl-C reaches only us,
    and we stop the children in order), and on Linux a SIGTERM if we die without cleaning up."""
    os.setsid()
    if sys.platform.startswith("linux"):
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _manage(*args: str, env: dict) -> None:
    subprocess.run([PY, "manage.py", *args], cwd=BASE_DIR, env=env, check=True)


def main() -> int:
    env = dict(os.environ, PYTHONUNBUFFERED="1", DJANGO_SETTINGS_MODULE="prosync.settings")
    started_embedded = False
    if not env.get("DATABASE_URL") or not env.get("REDIS_URL"):
        from prosync import embedded

        was_running = embedded._pg_running_port() is not None
        if not env.get("DATABASE_URL"):
            env["DATABASE_URL"] = embedded.postgres_url()
        if not env.get("REDIS_URL"):
            env["REDIS_URL"] = embedded.redis_url()
        started_embedded = not was_running
        _log(f"embedded PostgreSQL and Redis ready (data in {embedded.VAR_DIR})")

    host = env.get("HOST", "127.0.0.1")
    port = env.get("PORT", "8000")
    _manage("migrate", "--noinput", env=env)
    _manage("load_demo", "--if-empty", env=env)

    commands = {
        "web": [PY, "-m", "uvicorn", "prosync.asgi:application", "--host", host, "--port", port,
                "--log-level", "warning", "--ws", "websockets"],
        "worker": [PY, "-m", "celery", "-A", "prosync", "worker", "--loglevel", "INFO", "--concurrency", "2",
                   "--hostname", f"worker-{os.getpid()}@%h"],
        "beat": [PY, "-m", "celery", "-A", "prosync", "beat", "--loglevel", "INFO",
                 "--scheduler", "django_celery_beat.schedulers:DatabaseScheduler",
                 "--pidfile", str(BASE_DIR / "var" / "celerybeat.pid")],
        "simulator": [PY, "manage.py", "simulate_telemetry"],
    }
    commands.update(_mqtt_commands(env))
    # One-shot: trains the health models missing (first start only) while the rest already runs;
    # until it is done the assessment skips the categories without a model.
    one_shot = {"trainer": [PY, "manage.py", "train_health_models", "--if-missing"]}
    (BASE_DIR / "var").mkdir(exist_ok=True)
    (BASE_DIR / "var" / "celerybeat.pid").unlink(missing_ok=True)  # a crashed beat leaves it behind
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, stop)
    procs: dict[str, subprocess.Popen] = {}
    exit_code = 0
    try:
        for name, cmd in {**commands, **one_shot}.items():
            procs[name] = subprocess.Popen(cmd, cwd=BASE_DIR, env=env, preexec_fn=_child_setup)
        _log(f"ProSyncHub is running: http://{host}:{port}/   (API docs: http://{host}:{port}/api/docs/)")
        _log(f"demo logins, password '{DEMO_PASSWORD}': " + ", ".join(f"{u} ({r})" for u, r, *_ in DEMO_USERS))
        _log("Ctrl-C stops everything")
        while not stopping:
            for name in list(one_shot):
                if procs[name].poll() is not None:
                    code = procs.pop(name).returncode
                    one_shot.pop(name)
                    _log("health models ready" if code == 0 else f"{name} failed with code {code}")
            for name, proc in procs.items():
                if proc.poll() is not None:
                    _log(f"{name} exited with code {proc.returncode}; stopping the rest")
                    exit_code = proc.returncode or 1
                    stopping = True
                    break
            time.sleep(0.5)
    finally:
        _stop_all(procs, started_embedded)
    return exit_code


def _mqtt_commands(env: dict) -> dict[str, list[str]]:
    """The MQTT ingestion worker: on MQTT_URL when set; else on a local mosquitto started here
    when the binary is installed and port 1883 is free; else none (the rest runs without it)."""
    import shutil
    import socket

    if env.get("MQTT_URL"):
        return {"mqtt": [PY, "manage.py", "mqtt_ingest"]}
    binary = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/local/sbin/mosquitto") if Path(p).exists()), None)
    if binary is None:
        _log("no MQTT broker (set MQTT_URL or install mosquitto): MQTT ingestion not started")
        return {}
    port = int(env.get("MQTT_PORT", "1883"))
    with socket.socket() as s:
        if s.connect_ex(("127.0.0.1", port)) == 0:
            _log(f"port {port} is taken: MQTT broker and ingestion not started (set MQTT_URL to use it)")
            return {}
    conf = BASE_DIR / "var" / "mosquitto.conf"
    conf.parent.mkdir(exist_ok=True)
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    env["MQTT_URL"] = f"mqtt://127.0.0.1:{port}"
    _log(f"MQTT broker on {env['MQTT_URL']}: publish readings to prosync/<gateway>/readings")
    return {"mosquitto": [binary, "-c", str(conf)], "mqtt": [PY, "manage.py", "mqtt_ingest"]}


def _stop_all(procs: dict[str, subprocess.Popen], started_embedded: bool) -> None:
    _log("stopping...")
    for proc in procs.values():
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + 15
    for proc in procs.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
    if started_embedded:
        from prosync import embedded

        embedded.stop_redis()
        embedded.stop_postgres()
        _log("embedded PostgreSQL and Redis stopped (data kept in var/)")
    _log("stopped")


if __name__ == "__main__":
    raise SystemExit(main())
