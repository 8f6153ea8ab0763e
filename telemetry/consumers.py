"""Live feeds of an asset and of a site: readings, alerts, health, work-order changes as JSON.

Access is decided by the same ``for_user`` as every page and API endpoint: a user who may not
see the asset or site is refused before the handshake completes."""

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from assets.models import Asset, Site
from prosync.events import asset_group, site_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class LiveConsumer(AsyncJsonWebsocketConsumer):
    model = None
    group_for = None

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        pk = self.scope["url_route"]["kwargs"]["pk"]
        if not await self.may_view(user, pk):
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = type(self).group_for(pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        await self.send_json({"type": "hello", "payload": {"group": self.group}})

    @database_sync_to_async
    def may_view(self, user, pk) -> bool:
        return self.model.objects.for_user(user, "view").filter(pk=pk).exists()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)

    async def receive_json(self, content, **kwargs):
        if content.get("type") == "ping":
            await self.send_json({"type": "pong"})

    async def broadcast(self, message):
        await self.send_json({"type": message["event"], "payload": message["payload"]})


class AssetConsumer(LiveConsumer):
    model = Asset
    group_for = staticmethod(asset_group)


class SiteConsumer(LiveConsumer):
    model = Site
    group_for = staticmethod(site_group)
