"""The telemetry store under test: every test that takes ``store`` runs once on PostgreSQL and
once on MongoDB. MongoDB is the server at MONGODB_URI when that is set, else a MongoDB-protocol
server (nx-27017, on SQLite) started here on a free port; the run's summary says which."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from conftest import free_port, wait_for_port

_MONGO: dict = {}


def _nx_binary() -> str:
    here = Path(sys.executable).parent / "nx-27017"
    return str(here) if here.exists() else (shutil.which("nx-27017") or "nx-27017")


@pytest.fixture(scope="session")
def mongo_uri():
    given = os.environ.get("MONGODB_URI")
    db = f"prosync_test_{os.getpid()}"
    if given:
        parts = urlsplit(given)
        _MONGO["used"] = f"MONGODB_URI ({parts.hostname}:{parts.port or 27017})"
        yield urlunsplit(parts._replace(path=f"/{db}"))
        return
    port = free_port()
    data = tempfile.mkdtemp(prefix="nx27017-")
    proc = subprocess.Popen(
        [_nx_binary(), "--host", "127.0.0.1", "--port", str(port), "--data-dir", data,
         "--log-file", os.path.join(data, "nx.log"), "--pid-file", os.path.join(data, "nx.pid")],
        stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc, timeout=30)
        _MONGO["used"] = f"nx-27017 started by the tests on port {port} (MONGODB_URI not set)"
        yield f"mongodb://127.0.0.1:{port}/{db}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        shutil.rmtree(data, ignore_errors=True)


@pytest.fixture(params=["postgres", "mongodb"])
def store(request, settings):
    """The backend name; settings point the telemetry store at it for the test."""
    from telemetry import storage

    settings.TELEMETRY_BACKEND = request.param
    if request.param == "mongodb":
        settings.MONGODB_URI = request.getfixturevalue("mongo_uri")
        storage.get_store().drop_everything()
        yield request.param
        storage.get_store().drop_everything()
    else:
        yield request.param


def pytest_terminal_summary(terminalreporter):
    if _MONGO:
        terminalreporter.write_line(
            f"telemetry MongoDB store tested against: {_MONGO['used']}; raw readings in a regular collection with a "
            "unique (sensor, ts) index, since time-series collections cannot hold a unique index")
