"""Notifications: the inbox row, the live push to the recipient's own WebSocket group, the
e-mail (Django's locmem backend stands in for an SMTP relay), preferences and idempotent keys."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail
from rest_framework_simplejwt.tokens import AccessToken

from accounts.consumers import CLOSE_UNAUTHENTICATED
from accounts.models import Notification, NotificationKind
from accounts.services import mark_notifications_read, notify, set_notification_preferences
from prosync.asgi import application


def ws(path: str, token: str | None = None) -> WebsocketCommunicator:
    if token:
        path = f"{path}?token={token}"
    return WebsocketCommunicator(application, path, headers=[(b"origin", b"http://localhost"), (b"host", b"localhost")])


def test_notify_stores_emails_and_respects_preferences(plant, django_capture_on_commit_callbacks):
    tech = plant.tech_a
    tech.email = "tech@example.com"
    tech.save()
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(tech, kind=NotificationKind.ASSIGNMENT, title="WO-1 assigned to you", url="/work-orders/1/")
    assert note is not None and not note.is_read
    assert [m.to for m in mail.outbox] == [["tech@example.com"]]
    assert "WO-1 assigned to you" in mail.outbox[0].subject and "/work-orders/1/" in mail.outbox[0].body

    set_notification_preferences(tech, {NotificationKind.ASSIGNMENT: (True, False)})
    with django_capture_on_commit_callbacks(execute=True):
        notify(tech, kind=NotificationKind.ASSIGNMENT, title="WO-2 assigned to you")
    assert len(mail.outbox) == 1, "e-mail was switched off for assignments"
    assert Notification.objects.for_user(tech).count() == 2

    set_notification_preferences(tech, {NotificationKind.STATUS_CHANGE: (False, False)})
    assert notify(tech, kind=NotificationKind.STATUS_CHANGE, title="WO-2 is now closed") is None
    assert Notification.objects.for_user(tech).count() == 2
    with pytest.raises(ValueError, match="unknown notification kind"):
        notify(tech, kind="gossip", title="x")


def test_keyed_notification_is_sent_once(plant):
    first = notify(plant.tech_a, kind=NotificationKind.OVERDUE, title="WO-7 is overdue", key="overdue:7")
    second = notify(plant.tech_a, kind=NotificationKind.OVERDUE, title="WO-7 is overdue", key="overdue:7")
    assert first is not None and second is None
    assert Notification.objects.filter(recipient=plant.tech_a, kind="overdue").count() == 1


def test_inbox_is_private_and_mark_read(plant):
    notify(plant.tech_a, kind=NotificationKind.MENTION, title="a")
    notify(plant.tech_a, kind=NotificationKind.MENTION, title="b")
    assert Notification.objects.for_user(plant.manager_a).count() == 0
    assert Notification.objects.for_user(plant.admin).count() == 0, "not even an admin reads another's inbox"
    one = Notification.objects.for_user(plant.tech_a).first()
    assert mark_notifications_read(plant.manager_a, [one.pk]) == 0
    assert mark_notifications_read(plant.tech_a, [one.pk]) == 1
    assert Notification.objects.for_user(plant.tech_a).unread().count() == 1
    assert mark_notifications_read(plant.tech_a) == 1
    assert Notification.objects.for_user(plant.tech_a).unread().count() == 0


@pytest.mark.django_db(transaction=True)
async def test_notification_arrives_live_only_to_its_recipient(live_plant, close_db_connections):
    p = live_plant
    anon = ws("/ws/notifications/")
    connected, code = await anon.connect(timeout=5)
    assert not connected and code == CLOSE_UNAUTHENTICATED

    mine, other = ws("/ws/notifications/", str(AccessToken.for_user(p.tech_a))), \
        ws("/ws/notifications/", str(AccessToken.for_user(p.manager_a)))
    try:
        assert (await mine.connect(timeout=5))[0] and (await other.connect(timeout=5))[0]
        assert (await mine.receive_json_from(timeout=5))["payload"]["group"] == f"user.{p.tech_a.pk}"
        await other.receive_json_from(timeout=5)
        await sync_to_async(notify)(p.tech_a, kind="assignment", title="WO-9 assigned to you", url="/work-orders/9/")
        msg = await mine.receive_json_from(timeout=5)
        assert msg["type"] == "notification.new"
        assert msg["payload"]["title"] == "WO-9 assigned to you" and msg["payload"]["unread"] == 1
        assert await other.receive_nothing(timeout=0.5)
    finally:
        await mine.disconnect()
        await other.disconnect()
