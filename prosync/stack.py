"""``make run``: prepare the database and run every process of the product in the foreground.

Starts (or reuses) the embedded PostgreSQL and Redis unless DATABASE_URL / REDIS_URL are set,
migrates, loads the demo plant into an empty database, trains the health models that are
missing, then runs the ASGI server, a Celery worker, Celery beat and the telemetry simulator.
One Ctrl-C stops them all (and the embedded servers this run started).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
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
        if "mosquitto" in procs:  # so that issuing or revoking a gateway reloads the broker's access files
            Path(env["MQTT_BROKER_PID_FILE"]).write_text(str(procs["mosquitto"].pid))
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
    """The MQTT ingestion workers (MQTT_WORKERS, default 1, sharing the stream): on MQTT_URL when
    set; else on a mosquitto started here, configured for the load, on port 1883 or (when that is
    taken and MQTT_PORT does not fix it) a free port remembered under var/; else none."""
    from prosync.embedded import VAR_DIR
    from telemetry.broker import BrokerAccess
    from telemetry.mqtt import mosquitto_binary, mosquitto_config

    workers = {f"mqtt-{i}": [PY, "manage.py", "mqtt_ingest", "--client-id", f"prosync-ingest-{i}"]
               for i in range(1, int(env.get("MQTT_WORKERS", "1")) + 1)}
    if env.get("MQTT_URL"):
        return workers
    binary = mosquitto_binary()
    if binary is None:
        _log("no MQTT broker (set MQTT_URL or install mosquitto): MQTT ingestion not started")
        return {}
    port = _mqtt_port(env)
    if port is None:
        return {}
    # Only known clients may connect: the ingestion workers with a password kept under var/, and
    # each gateway with its API key, confined to its own site's topic.
    secret_file = VAR_DIR / "mqtt-worker.secret"
    if not secret_file.exists():
        secret_file.write_text(secrets.token_urlsafe(24))
        secret_file.chmod(0o600)
    access = BrokerAccess(VAR_DIR / "mosquitto.passwd", VAR_DIR / "mosquitto.acl", VAR_DIR / "mosquitto.pid")
    env.update(MQTT_URL=f"mqtt://prosync-ingest:{secret_file.read_text().strip()}@127.0.0.1:{port}",
               MQTT_PASSWORD_FILE=str(access.password_file), MQTT_ACL_FILE=str(access.acl_file),
               MQTT_BROKER_PID_FILE=str(access.pid_file))
    _manage("mqtt_access", env=env)
    conf = VAR_DIR / "mosquitto.conf"
    conf.write_text(mosquitto_config(port, VAR_DIR / "mosquitto", access=access))
    _log(f"MQTT broker on mqtt://127.0.0.1:{port}: a gateway publishes readings to prosync/<site code>/readings "
         f"(QoS 1) as user gateway-<key prefix> with its API key as password; {len(workers)} ingestion worker(s)")
    return {"mosquitto": [binary, "-c", str(conf)], **workers}


def _mqtt_port(env: dict) -> int | None:
    """1883, or the port a previous run took, or a free one (as the embedded servers do)."""
    from prosync.embedded import VAR_DIR, _port_open

    memo = VAR_DIR / "mqtt.port"
    if env.get("MQTT_PORT"):
        port = int(env["MQTT_PORT"])
        if _port_open(port):
            _log(f"port {port} (MQTT_PORT) is taken: MQTT broker and ingestion not started")
            return None
        return port
    try:
        port = int(memo.read_text())
    except (FileNotFoundError, ValueError):
        port = 1883
    if _port_open(port):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
    memo.parent.mkdir(parents=True, exist_ok=True)
    memo.write_text(str(port))
    return port


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
