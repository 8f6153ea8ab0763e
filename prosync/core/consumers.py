"""The WebSocket consumers' shared base: group events (``broadcast`` and the like) sent by
``prosync.core.events`` are handed straight to their handlers and relayed as JSON."""

from channels.consumer import get_handler_name
from channels.generic.websocket import AsyncJsonWebsocketConsumer


class GroupEventConsumer(AsyncJsonWebsocketConsumer):
    # Group events whose handlers never touch the database (see dispatch).
    group_events = frozenset({"broadcast"})

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
