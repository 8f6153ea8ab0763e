"""Operations: health endpoints, production settings, the embedded servers, JSON logs."""

import json
import os
import signal
import subprocess
import sys
import time

import psutil
import pytest

from conftest import BASE_DIR, free_port


def run(args, env=None, timeout=120):
    return subprocess.run([sys.executable, *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=timeout)


def test_healthz_says_alive_without_touching_services(client):
    r = client.get("/healthz")
    assert r.status_code == 200 and r.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_redis(client):
    r = client.get("/readyz")
    assert r.status_code == 200
    assert r.json() == {"status": "ready", "checks": {"database": "ok", "redis": "ok"}}


@pytest.mark.django_db
def test_readyz_reports_redis_down_with_503(client, settings):
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there
    r = client.get("/readyz")
    assert r.status_code == 503
    assert r.json()["checks"]["database"] == "ok"
    assert r.json()["checks"]["redis"].startswith("error")


def test_production_settings_pass_check_deploy():
    secret = "x" * 20 + "-production-secret-key-" + "y" * 30
    env = dict(os.environ, PROSYNC_ENV="production", TESTING="0", SECRET_KEY=secret,
               ALLOWED_HOSTS="cmms.example.com", DATABASE_URL="postgres://u:p@db.example.com:5432/prosync",
               REDIS_URL="redis://cache.example.com:6379/0")
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "SECRET_KEY"}
    env.update(PROSYNC_ENV="production", TESTING="0", ALLOWED_HOSTS="x.example.com",
               DATABASE_URL="postgres://u@h/db", REDIS_URL="redis://h:6379/0")
    result = run(["manage.py", "check"], env=env)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_logs_are_one_json_object_per_line():
    result = run(["manage.py", "shell", "-c", "import logging; logging.getLogger('prosync.probe').warning('hello')"])
    lines = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    probe = [e for e in lines if e.get("logger") == "prosync.probe"]
    assert probe and probe[0]["message"] == "hello" and probe[0]["level"] == "WARNING" and "time" in probe[0]


@pytest.mark.slow
def test_embedded_servers_start_twice_and_recover_from_a_crash(tmp_path):
    """A second start reuses the running servers; after kill -9 (stale pid files) a start works
    and the data written before the crash is still there."""
    env = dict(os.environ, PROSYNC_VAR_DIR=str(tmp_path / "var"), PROSYNC_PG_PORT=str(free_port()),
               PROSYNC_REDIS_PORT=str(free_port()))
    code = ("import sys, psycopg, redis; from prosync import embedded as e; "
            "pg = e.postgres_url(); r = redis.Redis.from_url(e.redis_url()); "
            "c = psycopg.connect(pg, autocommit=True); "
            "c.execute('CREATE TABLE IF NOT EXISTS kept (v int)'); "
            "sys.argv[1] == 'write' and (c.execute('INSERT INTO kept VALUES (42)'), r.set('kept', 'yes')); "
            "print(c.execute('SELECT count(*) FROM kept').fetchone()[0], r.get('kept'))")
    try:
        first = run(["-c", code, "write"], env=env)
        assert first.returncode == 0, first.stderr
        assert first.stdout.split()[0] == "1"
        second = run(["-c", code, "read"], env=env)
        assert second.returncode == 0 and second.stdout.split()[0] == "1"
        run(["-c", "import redis; from prosync import embedded as e; redis.Redis.from_url(e.redis_url()).save()"],
            env=env)
        # Crash: kill -9 both servers, leaving their pid files behind.
        pg_pid = int((tmp_path / "var" / "postgres" / "data" / "postmaster.pid").read_text().split()[0])
        redis_pid = int((tmp_path / "var" / "redis" / "redis.pid").read_text().split()[0])
        for pid in (pg_pid, redis_pid):
            os.kill(pid, signal.SIGKILL)
        for pid in (pg_pid, redis_pid):
            for _ in range(50):
                if not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                    break
                time.sleep(0.1)
        assert (tmp_path / "var" / "postgres" / "data" / "postmaster.pid").exists()
        after = run(["-c", code, "read"], env=env)
        assert after.returncode == 0, after.stderr
        count, kept = after.stdout.split()
        assert count == "1" and kept == "b'yes'"
    finally:
        run(["-m", "prosync.embedded", "stop"], env=env)


def test_embedded_redis_moves_to_a_free_port_when_its_port_is_taken(tmp_path):
    """A second checkout on the same machine must not fail because the first one's servers
    hold the default ports: it takes a free port and keeps it for its next start."""
    from prosync import embedded

    env = {k: v for k, v in os.environ.items() if k not in ("PROSYNC_REDIS_PORT", "REDIS_URL")}
    env["PROSYNC_VAR_DIR"] = str(tmp_path / "var")
    blocker = None
    if not embedded._port_open(embedded.REDIS_PORT):
        import socket

        blocker = socket.socket()
        blocker.bind(("127.0.0.1", embedded.REDIS_PORT))
        blocker.listen()
    code = "from prosync import embedded as e; print(e.redis_url())"
    try:
        first = run(["-c", code], env=env)
        assert first.returncode == 0, first.stderr
        assert f":{embedded.REDIS_PORT}/" not in first.stdout
        again = run(["-c", code], env=env)
        assert again.stdout == first.stdout
    finally:
        if blocker:
            blocker.close()
        run(["-m", "prosync.embedded", "stop"], env=env)
