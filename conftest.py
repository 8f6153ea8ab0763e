"""Fixtures shared by every test: a small plant on two sites, users of each role, API clients
with JWTs, a trained health model, and helpers to run the product's processes against the
test database. Everything runs on the real PostgreSQL and Redis (embedded unless given)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken

BASE_DIR = Path(__file__).resolve().parent
# The browser fixtures (one Chromium per module, a window per test) for every test module.
pytest_plugins = ["tests.browser"]
PASSWORD = "Test-pass-9731"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Throttle counters and cached values must not leak from one test into the next. Only this
    run's keys are removed: other test runs may share the Redis database."""
    client = cache._cache.get_client(write=True)
    keys = list(client.scan_iter(match=f"{settings.REDIS_PREFIX}:*", count=1000))
    if keys:
        client.delete(*keys)
    yield


@pytest.fixture
async def close_db_connections():
    """For async tests: close the connection that sync_to_async's worker thread opened, or the
    test database cannot be dropped at the end of the run."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


@dataclass
class Plant:
    site_a: object
    site_b: object
    category: object
    asset_a: object
    child_a: object
    asset_b: object
    sensors_a: dict
    sensors_b: dict
    admin: object
    manager_a: object
    tech_a: object
    tech_b: object
    viewer_a: object
    norole: object


def make_plant() -> Plant:
    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetCategory, Site
    from telemetry.models import Sensor
    from telemetry.simulation import METRICS

    site_a = Site.objects.create(code="alpha", name="Alpha Plant")
    site_b = Site.objects.create(code="bravo", name="Bravo Plant")
    category = AssetCategory.objects.create(name="Centrifugal pump")
    asset_a = Asset.objects.create(site=site_a, category=category, tag="P-100", name="Feed pump A")
    child_a = Asset.objects.create(site=site_a, parent=asset_a, category=category, tag="P-100-M", name="Motor A")
    asset_b = Asset.objects.create(site=site_b, category=category, tag="P-200", name="Feed pump B")

    def sensors(asset):
        out = {}
        for metric, (unit, lo, hi, _b, _n) in METRICS.items():
            out[metric] = Sensor.objects.create(asset=asset, name=metric.title(), metric=metric, unit=unit,
                                                key=f"{asset.site.code}.{asset.tag}.{metric}".lower(),
                                                expected_min=lo, expected_max=hi)
        return out

    def user(name, role, sites):
        return create_user(username=name, password=PASSWORD, role=role, site_ids=[s.pk for s in sites])

    return Plant(
        site_a=site_a, site_b=site_b, category=category, asset_a=asset_a, child_a=child_a, asset_b=asset_b,
        sensors_a=sensors(asset_a), sensors_b=sensors(asset_b),
        admin=user("admin1", Role.ADMIN, []),
        manager_a=user("manager_a", Role.MANAGER, [site_a]),
        tech_a=user("tech_a", Role.TECHNICIAN, [site_a]),
        tech_b=user("tech_b", Role.TECHNICIAN, [site_b]),
        viewer_a=user("viewer_a", Role.VIEWER, [site_a]),
        norole=create_user_without_role("norole", [site_a]),
    )


def create_user_without_role(username, sites):
    from accounts.models import SiteMembership, User

    u = User.objects.create_user(username=username, password=PASSWORD)
    for s in sites:
        SiteMembership.objects.create(user=u, site=s)
    return u


@pytest.fixture
def plant(db) -> Plant:
    return make_plant()


@pytest.fixture
def live_plant(transactional_db) -> Plant:
    """The same plant, committed: for tests where other processes or on_commit hooks must see it."""
    return make_plant()


def session_client(user):
    """A browser-like test client signed in as ``user`` (a session cookie)."""
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


def asset_page(client, asset) -> str:
    """The asset page as a reader sees it once its tabs have come in: the page, then the body
    of every tab it asks for (each fetched as the page's HTMX request does), each checked to be 200."""
    import re

    page = client.get(f"/assets/{getattr(asset, 'pk', asset)}/")
    assert page.status_code == 200, page.status_code
    html = page.content.decode()
    parts = [html]
    for url in re.findall(r'data-panel="[^"]+" hx-get="([^"]+)"', html):
        tab = client.get(url, HTTP_HX_REQUEST="true")
        assert tab.status_code == 200, (url, tab.status_code)
        parts.append(tab.content.decode())
    return "\n".join(parts)


def jwt_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
    return client


@pytest.fixture
def api():
    return jwt_client


# --- Health model ---------------------------------------------------------------------------

_TRAINED = {}


def trained_models():
    """A small model trained once per test session on simulated pump history (a few seconds)."""
    if "pump" not in _TRAINED:
        from predictions import training

        ds = training.simulate_history("Centrifugal pump", runs=60, points_per_run=30)
        _TRAINED["pump"] = (training.train(ds, rounds=80), ds.source)
    return _TRAINED["pump"]


def register_active_model(category):
    from predictions.services import register_model

    trained, source = trained_models()
    return register_model(category=category, trained=trained, source=source, activate=True)


def degrading_readings(sensors: dict, *, wear_from: float, wear_to: float, minutes: float = 10,
                       interval: float = 2.0, end=None, seed: int = 5) -> list[dict]:
    """Readings of one machine whose wear goes from ``wear_from`` to ``wear_to`` over the last
    ``minutes`` (the simulator's physics), as bulk-API items with ISO timestamps."""
    from telemetry.simulation import MachineProfile, signal

    end = end or timezone.now()
    n = int(minutes * 60 / interval)
    wear = np.linspace(wear_from, wear_to, n)
    values = signal(MachineProfile(), wear, np.random.default_rng(seed))
    items = []
    for i in range(n):
        ts = (end - timedelta(seconds=(n - 1 - i) * interval)).isoformat()
        for metric, sensor in sensors.items():
            items.append({"sensor": sensor.pk, "ts": ts, "value": round(float(values[metric][i]), 4)})
    return items


# --- Processes of the product against the test database -------------------------------------


def service_env() -> dict:
    """Environment for a subprocess (web server, Celery worker) that must use the test database."""
    db = connection.settings_dict
    url = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    return dict(os.environ, DATABASE_URL=url, REDIS_URL=settings.REDIS_URL, REDIS_PREFIX=settings.REDIS_PREFIX,
                PROSYNC_ENV=settings.PROSYNC_ENV, TESTING="1", DJANGO_SETTINGS_MODULE="prosync.settings",
                PYTHONUNBUFFERED="1", CACHE_REDIS_DB="15")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"process exited early with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on port {port} after {timeout}s")


@pytest.fixture
def asgi_server(transactional_db):
    """The real ASGI app under uvicorn (HTTP + WebSockets) on a free port, on the test database."""
    port = free_port()
    log = open(BASE_DIR / "test-output" / "uvicorn.log", "w") if _output_dir() else subprocess.DEVNULL  # noqa: SIM115
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "prosync.asgi:application", "--host", "127.0.0.1", "--port", str(port),
         "--ws", "websockets", "--log-level", "warning"],
        cwd=BASE_DIR, env=service_env(), stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _output_dir() -> Path:
    out = BASE_DIR / "test-output"
    out.mkdir(exist_ok=True)
    return out


@pytest.fixture
def output_dir(request) -> Path:
    """Where a test saves what a person should look at (screenshots): test-output/<test name>/."""
    path = _output_dir() / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path
