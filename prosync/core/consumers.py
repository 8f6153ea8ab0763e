"""The WebSocket consumers' shared base: group events (``broadcast`` and the like) sent by
``prosync.core.events`` are handed straight to their handlers and relayed as JSON."""

import asyncio

from channels.consumer import get_handler_name
from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.contrib.auth import get_user_model

CLOSE_ACCESS_LOST = 4403


class GroupEventConsumer(AsyncJsonWebsocketConsumer):
    """Also watches access: once accepted (``watch_access``), the connected user is read again
    every WS_ACCESS_RECHECK_SECONDS and the socket closed (4403) when they were deactivated or
    ``still_allowed`` says no (a membership removed, a role changed), so a feed does not outlive
    the right to read it."""

    # Group events whose handlers never touch the database (see dispatch).
    group_events = frozenset({"broadcast"})
    _access_watch = None

    async def still_allowed(self, user) -> bool:
        """Whether ``user`` (read afresh) may still read this feed; a consumer with a scope says."""
        return True

    def watch_access(self) -> None:
        user = self.scope.get("user")
        if user is not None and user.is_authenticated:
            self._access_watch = asyncio.create_task(self._recheck_access(user.pk))

    @database_sync_to_async
    def _fresh_user(self, pk):
        return get_user_model().objects.filter(pk=pk, is_active=True).first()

    async def _recheck_access(self, user_pk) -> None:
        while True:
            await asyncio.sleep(settings.WS_ACCESS_RECHECK_SECONDS)
            user = await self._fresh_user(user_pk)
            if user is None or not await self.still_allowed(user):
                await self.close(code=CLOSE_ACCESS_LOST)
                return

    async def websocket_disconnect(self, message):
        if self._access_watch is not None and self._access_watch is not asyncio.current_task():
            self._access_watch.cancel()
        await super().websocket_disconnect(message)

    async def dispatch(self, message):
        """Group events go straight to their handler. Channels' dispatch first closes stale
        database connections with a hop to the one thread shared by every consumer of the
        process and by Django's sync code outside requests: one hop per delivered message, so
        an update to 500 open feeds queued 500 hops behind one another (and behind an ingest
        request holding that thread), which made most of the push latency. Handlers that need
        the database go through ``database_sync_to_async``, which closes stale connections
        itself. WebSocket connect/receive/disconnect keep the full path."""
        name = get_handler_name(message)
        if name in self.group_events:
            await getattr(self, name)(message)
        else:
            await super().dispatch(message)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":  # a page's keep-alive
            await self.send_json({"type": "pong"})

    async def broadcast(self, message):
        await self.send_json({"type": message["event"], "payload": message["payload"]})
