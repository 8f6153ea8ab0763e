"""Notifications: the inbox row, the live push to the recipient's own WebSocket group, the
e-mail (Django's locmem backend stands in for an SMTP relay), preferences and idempotent keys."""

from __future__ import annotations

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.core import mail

from accounts.consumers import CLOSE_UNAUTHENTICATED
from accounts.models import Notification, NotificationKind
from accounts.services import mark_notifications_read, notify, set_notification_preferences
from prosync.asgi import application
from prosync.core.ws_auth import issue_ticket


def ws(path: str, ticket: str | None = None) -> WebsocketCommunicator:
    if ticket:
        path = f"{path}?ticket={ticket}"
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

    mine, other = ws("/ws/notifications/", issue_ticket(p.tech_a)), ws("/ws/notifications/", issue_ticket(p.manager_a))
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


# --- Inbox page, preferences page and API ------------------------------------------------------


def test_inbox_page_lists_filters_and_marks_read(plant, client):
    from django.urls import reverse

    notify(plant.tech_a, kind=NotificationKind.ASSIGNMENT, title="WO-00001 assigned to you", url="/work-orders/1/")
    notify(plant.tech_a, kind=NotificationKind.OVERDUE, title="WO-00002 is overdue")
    notify(plant.manager_a, kind=NotificationKind.MENTION, title="Someone else's")
    client.force_login(plant.tech_a)
    html = client.get(reverse("accounts:inbox")).content.decode()
    assert "WO-00001 assigned to you" in html and "WO-00002 is overdue" in html and "Someone else" not in html
    assert "2 unread" in html
    partial = client.get(reverse("accounts:inbox"), {"kind": "overdue"}, HTTP_HX_REQUEST="true").content.decode()
    assert "WO-00002 is overdue" in partial and "WO-00001" not in partial and "<html" not in partial
    first = Notification.objects.get(title="WO-00001 assigned to you")
    r = client.post(reverse("accounts:mark-read", args=[first.pk]), {"open": "1"})
    assert r.status_code == 302 and r["Location"] == "/work-orders/1/"
    assert Notification.objects.get(pk=first.pk).is_read
    client.post(reverse("accounts:mark-all-read"))
    assert Notification.objects.for_user(plant.tech_a).unread().count() == 0
    other = Notification.objects.get(recipient=plant.manager_a)
    client.post(reverse("accounts:mark-read", args=[other.pk]))
    assert not Notification.objects.get(pk=other.pk).is_read, "nobody marks another's notification"


def test_preferences_page_saves_choices(plant, client):
    from django.urls import reverse

    client.force_login(plant.viewer_a)
    page = client.get(reverse("accounts:notification-preferences")).content.decode()
    assert "no e-mail address" in page
    r = client.post(reverse("accounts:notification-preferences"), {"assignment_in_app": "on", "overdue_email": "on"})
    assert r.status_code == 302
    from accounts.services import channels_for

    assert channels_for(plant.viewer_a, "assignment") == (True, False)
    assert channels_for(plant.viewer_a, "overdue") == (False, True)
    assert channels_for(plant.viewer_a, "mention") == (False, False)


def test_notifications_api(plant):
    from conftest import jwt_client

    notify(plant.tech_a, kind=NotificationKind.ASSIGNMENT, title="A")
    notify(plant.tech_a, kind=NotificationKind.MENTION, title="B")
    notify(plant.manager_a, kind=NotificationKind.MENTION, title="C")
    api = jwt_client(plant.tech_a)
    assert jwt_client(None).get("/api/v1/notifications/").status_code == 401
    rows = api.get("/api/v1/notifications/").json()["results"]
    assert [r["title"] for r in rows] == ["B", "A"]
    other = Notification.objects.get(title="C")
    assert api.get(f"/api/v1/notifications/{other.pk}/").status_code == 404
    assert api.post("/api/v1/notifications/mark-read/", {"ids": []}, format="json").status_code == 400
    r = api.post("/api/v1/notifications/mark-read/", {"ids": [rows[0]["id"], other.pk]}, format="json")
    assert r.json() == {"marked": 1, "unread": 1}
    assert [r["title"] for r in api.get("/api/v1/notifications/", {"unread": "true"}).json()["results"]] == ["A"]
    prefs = api.get("/api/v1/notifications/preferences/").json()
    assert prefs["assignment"] == {"in_app": True, "email": True}
    r = api.put("/api/v1/notifications/preferences/", {"due_soon": {"in_app": False, "email": True}}, format="json")
    assert r.status_code == 200 and r.json()["due_soon"] == {"in_app": False, "email": True}
    r = api.put("/api/v1/notifications/preferences/", {"gossip": {"in_app": True, "email": True}}, format="json")
    assert r.status_code == 400 and "gossip" in r.json()
    r = api.put("/api/v1/notifications/preferences/", {"mention": {"in_app": "maybe"}}, format="json")
    assert r.status_code == 400 and "mention" in r.json()
