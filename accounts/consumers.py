"""A person's live inbox: new notifications and the unread count, pushed to every page they
have open (the bell in the header)."""

from channels.db import database_sync_to_async

from accounts.services import user_group
from prosync.core.consumers import GroupEventConsumer

CLOSE_UNAUTHENTICATED = 4401


class NotificationConsumer(GroupEventConsumer):
    """Bound to the group of the connected user only: there is no way to ask for another's."""

    async def connect(self):
        user = self.scope.get("user")
        if user is None or not user.is_authenticated or not user.is_active:
            await self.close(code=CLOSE_UNAUTHENTICATED)
            return
        self.group = user_group(user.pk)
        await self.channel_layer.group_add(self.group, self.channel_name)
        await self.accept()
        self.watch_access()  # a deactivated account's inbox closes
        await self.send_json({"type": "hello", "payload": {"group": self.group,
                                                           "unread": await self.unread(user)}})

    @database_sync_to_async
    def unread(self, user) -> int:
        from accounts.models import Notification

        return Notification.objects.for_user(user).unread().count()

    async def disconnect(self, code):
        if getattr(self, "group", None):
            await self.channel_layer.group_discard(self.group, self.channel_name)
