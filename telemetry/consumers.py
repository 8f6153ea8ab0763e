"""Live feeds of an asset and of a site: readings, alerts, health, work-order changes as JSON.

Access is decided by the same ``for_user`` as every page and API endpoint: a user who may not
see the asset or site is refused before the handshake completes."""

from channels.db import database_sync_to_async

from assets.models import Asset, Site
from prosync.core.consumers import GroupEventConsumer
from prosync.core.events import asset_group, fleet_group, site_group

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403


class LiveConsumer(GroupEventConsumer):
    model = None
    group_for = None
    group_events = frozenset({"broadcast", "broadcast_fleet"})

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        pk = self.scope["url_route"]["kwargs"]["pk"]
        site_id = await self.site_of(user, pk)
        if site_id is None:
            await self.close(code=CLOSE_FORBIDDEN)
            return
        self.group = type(self).group_for(pk)
        self.groups_joined = [self.group, fleet_group(site_id)]
        for group in self.groups_joined:
            await self.channel_layer.group_add(group, self.channel_name)
        await self.accept()
        self.watch_access()
        await self.send_json({"type": "hello", "payload": {"group": self.group}})

    async def still_allowed(self, user) -> bool:
        return await self.site_of(user, self.scope["url_route"]["kwargs"]["pk"]) is not None

    @database_sync_to_async
    def site_of(self, user, pk) -> int | None:
        """The site of the asset or site, if the user may view it; None otherwise."""
        site_field = f"{self.model.site_field}_id" if self.model.site_field else "pk"
        return self.model.objects.for_user(user, "view").filter(pk=pk).values_list(site_field, flat=True).first()

    async def disconnect(self, code):
        for group in getattr(self, "groups_joined", []):
            await self.channel_layer.group_discard(group, self.channel_name)

    async def broadcast_fleet(self, message):
        """A block of per-asset updates of the site (latest values, assessments): a site feed
        passes each on as its own event; an asset feed only its own (below)."""
        for item in message["items"]:
            await self.send_json({"type": message["event"], "payload": item})


class AssetConsumer(LiveConsumer):
    model = Asset
    group_for = staticmethod(asset_group)

    async def broadcast_fleet(self, message):
        asset_id = int(self.scope["url_route"]["kwargs"]["pk"])
        for item in message["items"]:
            if item.get("asset") == asset_id:
                await self.send_json({"type": message["event"], "payload": item})


class SiteConsumer(LiveConsumer):
    model = Site
    group_for = staticmethod(site_group)
