"""A live feed gets its update while the server's shared sync thread is busy (an ingest request,
a slow query): group events must not queue behind it, once per open feed."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import sync_to_async
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import connections

from prosync.asgi import application
from prosync.core import events
from prosync.core.ws_auth import issue_ticket

pytestmark = pytest.mark.django_db(transaction=True)

FEEDS = 20


def feed(path: str, user) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"{path}?ticket={issue_ticket(user)}",
                                 headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")])


async def test_update_reaches_every_feed_while_the_sync_thread_is_busy(live_plant):
    p = live_plant
    comms = [feed(f"/ws/sites/{p.site_a.pk}/", p.tech_a) for _ in range(FEEDS // 2)]
    comms += [feed(f"/ws/assets/{p.asset_a.pk}/", p.tech_a) for _ in range(FEEDS // 2)]
    release = threading.Event()
    try:
        for comm in comms:
            connected, code = await comm.connect(timeout=5)
            assert connected, f"refused with code {code}"
            assert (await comm.receive_json_from(timeout=5))["type"] == "hello"

        # The thread that every thread-sensitive sync_to_async call of the process runs on, held
        # as a long request would hold it.
        holder = asyncio.ensure_future(sync_to_async(release.wait, thread_sensitive=True)(30))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        payload = {"asset": p.asset_a.pk, "readings": [{"metric": "vibration", "value": 4.2}]}
        message = {"type": "broadcast", "event": "telemetry.readings", "payload": payload}
        layer = get_channel_layer()
        await layer.group_send(events.site_group(p.site_a.pk), message)
        await layer.group_send(events.asset_group(p.asset_a.pk), message)
        received = await asyncio.gather(*(comm.receive_json_from(timeout=5) for comm in comms))
        assert received == [{"type": "telemetry.readings", "payload": payload}] * FEEDS
        # A block of per-asset results to the site's fleet group: each feed of the site and of
        # asset A gets asset A's item.
        item = {"asset": p.asset_a.pk, "health": 0.4}
        await layer.group_send(events.fleet_group(p.site_a.pk), {
            "type": "broadcast_fleet", "event": "predictions.assessment", "items": [item]})
        received = await asyncio.gather(*(comm.receive_json_from(timeout=5) for comm in comms))
        assert received == [{"type": "predictions.assessment", "payload": item}] * FEEDS
        elapsed = time.monotonic() - started
        assert not holder.done()  # every feed was served while the thread was still held
        assert elapsed < 2
    finally:
        release.set()
        for comm in comms:
            await comm.disconnect()
        await database_sync_to_async(connections.close_all)()  # the consumers' thread's connection
