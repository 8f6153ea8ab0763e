"""Who may open the live feeds /ws/assets/<id>/ and /ws/sites/<id>/, through the full ASGI stack
(origin check, session and single-use ticket authentication, the consumers' ``for_user`` check),
that an event sent to an asset's group reaches its subscriber, and that a feed closes once its
user loses access."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken

from conftest import PASSWORD, jwt_client
from prosync.asgi import application
from prosync.core import events
from prosync.core.ws_auth import issue_ticket
from telemetry.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_ORIGIN = b"http://localhost"


def communicator(path: str, *, user=None, ticket: str | None = None, origin: bytes = GOOD_ORIGIN,
                 cookie: str | None = None):
    """A feed opened with a fresh ticket of ``user``, a given ``ticket``, or neither."""
    if user is not None:
        ticket = issue_ticket(user)  # the cache only: no database from the test's event loop
    if ticket is not None:
        path = f"{path}?ticket={ticket}"
    headers = [(b"origin", origin), (b"host", b"localhost")]
    if cookie:
        headers.append((b"cookie", cookie.encode()))
    return WebsocketCommunicator(application, path, headers=headers)


async def refused(comm) -> int | None:
    """Connect, expect a refusal, and return the close code (None when refused before the app)."""
    try:
        connected, code = await comm.connect(timeout=5)
        assert not connected, "the connection was accepted"
        return code
    finally:
        await comm.disconnect()


async def accepted(comm) -> dict:
    """Connect, expect acceptance, and return the first message (the greeting)."""
    connected, code = await comm.connect(timeout=5)
    assert connected, f"refused with code {code}"
    return await comm.receive_json_from(timeout=5)


# --- Refused ---------------------------------------------------------------------------------


async def test_anonymous_is_refused(live_plant):
    p = live_plant
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/")) == CLOSE_UNAUTHENTICATED
    assert await refused(communicator(f"/ws/sites/{p.site_a.pk}/")) == CLOSE_UNAUTHENTICATED


async def test_token_of_user_of_the_site_is_accepted(live_plant):
    p = live_plant
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.tech_a)
    try:
        hello = await accepted(comm)
        assert hello == {"type": "hello", "payload": {"group": events.asset_group(p.asset_a.pk)}}
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
    finally:
        await comm.disconnect()

    comm = communicator(f"/ws/sites/{p.site_a.pk}/", user=p.viewer_a)
    try:
        hello = await accepted(comm)
        assert hello == {"type": "hello", "payload": {"group": events.site_group(p.site_a.pk)}}
    finally:
        await comm.disconnect()


async def test_admin_is_accepted_on_any_site(live_plant):
    p = live_plant
    for path in (f"/ws/assets/{p.asset_b.pk}/", f"/ws/sites/{p.site_b.pk}/", f"/ws/assets/{p.asset_a.pk}/"):
        comm = communicator(path, user=p.admin)
        try:
            assert (await accepted(comm))["type"] == "hello"
        finally:
            await comm.disconnect()


async def test_technician_of_other_site_is_refused(live_plant):
    p = live_plant
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.tech_b)) == CLOSE_FORBIDDEN
    assert await refused(communicator(f"/ws/assets/{p.child_a.pk}/", user=p.tech_b)) == CLOSE_FORBIDDEN
    assert await refused(communicator(f"/ws/sites/{p.site_a.pk}/", user=p.tech_b)) == CLOSE_FORBIDDEN
    # The same user opens their own site's feeds, so the refusal is about scope.
    comm = communicator(f"/ws/assets/{p.asset_b.pk}/", user=p.tech_b)
    try:
        assert (await accepted(comm))["type"] == "hello"
    finally:
        await comm.disconnect()


async def test_user_without_role_and_unknown_asset_are_refused(live_plant):
    p = live_plant
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.norole)) \
        == CLOSE_FORBIDDEN
    assert await refused(communicator("/ws/assets/987654/", user=p.admin)) == CLOSE_FORBIDDEN


async def test_ticket_from_the_api_opens_one_feed_once(live_plant):
    p = live_plant
    answer = await sync_to_async(lambda: jwt_client(p.tech_a).post("/api/v1/ws-ticket/"))()
    assert answer.status_code == 201 and answer.json()["expires_in"] == settings.WS_TICKET_SECONDS
    ticket = answer.json()["ticket"]
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", ticket=ticket)
    try:
        assert (await accepted(comm))["type"] == "hello"
    finally:
        await comm.disconnect()
    # Spent: whoever copies it from a log cannot open anything with it.
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", ticket=ticket)) == CLOSE_UNAUTHENTICATED
    anonymous = await sync_to_async(lambda: Client().post("/api/v1/ws-ticket/"))()
    assert anonymous.status_code in (401, 403)


async def test_invalid_expired_or_jwt_in_the_url_is_refused(live_plant, settings):
    p = live_plant
    path = f"/ws/assets/{p.asset_a.pk}/"
    settings.WS_TICKET_SECONDS = 1
    expired = issue_ticket(p.tech_a)
    await asyncio.sleep(1.5)
    for ticket in ("garbage", expired, issue_ticket(p.tech_a)[:-4] + "AAAA"):
        assert await refused(communicator(path, ticket=ticket)) == CLOSE_UNAUTHENTICATED, ticket
    # A JWT in the URL (the old way, which put API credentials in access logs) opens nothing.
    jwt = str(AccessToken.for_user(p.tech_a))
    comm = WebsocketCommunicator(application, f"{path}?token={jwt}", headers=[(b"origin", GOOD_ORIGIN),
                                                                               (b"host", b"localhost")])
    assert await refused(comm) == CLOSE_UNAUTHENTICATED


async def test_disallowed_origin_is_refused(live_plant):
    p = live_plant
    # Refused by the origin validator, before authentication (no application close code).
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.tech_a, origin=b"http://evil.example")
    connected, _ = await comm.connect(timeout=5)
    assert not connected
    await comm.disconnect()
    # No Origin header at all is refused too.
    comm = WebsocketCommunicator(application, f"/ws/assets/{p.asset_a.pk}/?ticket={issue_ticket(p.tech_a)}",
                                 headers=[(b"host", b"localhost")])
    connected, _ = await comm.connect(timeout=5)
    assert not connected
    await comm.disconnect()


async def _session_cookie(username: str) -> str:
    def login():
        client = Client()
        assert client.login(username=username, password=PASSWORD)
        return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"

    return await sync_to_async(login)()


async def test_session_cookie_login_works(live_plant):
    p = live_plant
    cookie = await _session_cookie("tech_a")
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=cookie)
    try:
        assert (await accepted(comm))["type"] == "hello"
    finally:
        await comm.disconnect()
    # The session decides scope exactly like a ticket: site B is refused.
    assert await refused(communicator(f"/ws/sites/{p.site_b.pk}/", cookie=cookie)) == CLOSE_FORBIDDEN
    # A made-up session id is anonymous.
    bogus = f"{settings.SESSION_COOKIE_NAME}=not-a-session-key-at-all-0123456789"
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=bogus)) == CLOSE_UNAUTHENTICATED


async def test_ticket_decides_over_session(live_plant):
    """Session first, but a ticket in the query string decides instead: a bad ticket with a
    valid session is refused, so a spent ticket is never silently upgraded by a cookie."""
    p = live_plant
    cookie = await _session_cookie("tech_a")
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=cookie, ticket="garbage")
    assert await refused(comm) == CLOSE_UNAUTHENTICATED
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=cookie, user=p.tech_b)
    assert await refused(comm) == CLOSE_FORBIDDEN


# --- Delivery --------------------------------------------------------------------------------


async def test_event_sent_to_asset_group_reaches_subscriber(live_plant):
    p = live_plant
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.tech_a)
    try:
        assert (await accepted(comm))["type"] == "hello"
        payload = {"asset": p.asset_a.pk, "readings": [{"metric": "vibration", "value": 3.25}]}
        await sync_to_async(events.send_now)([events.asset_group(p.asset_a.pk)], "telemetry.readings", payload)
        message = await comm.receive_json_from(timeout=5)
        assert message == {"type": "telemetry.readings", "payload": payload}
        # An event of another asset's group does not arrive here.
        await sync_to_async(events.send_now)([events.asset_group(p.asset_b.pk)], "telemetry.readings",
                                             {"asset": p.asset_b.pk})
        assert await comm.receive_nothing(timeout=0.5)
    finally:
        await comm.disconnect()


# --- Losing access -----------------------------------------------------------------------------


async def closed_within(comm, seconds: float) -> int:
    """Wait for the server to close the feed; its close code."""
    message = await comm.receive_output(timeout=seconds)
    while message["type"] != "websocket.close":
        message = await comm.receive_output(timeout=seconds)
    return message.get("code")


async def test_a_feed_closes_once_its_user_loses_the_site(live_plant, settings):
    from accounts.models import SiteMembership

    p = live_plant
    settings.WS_ACCESS_RECHECK_SECONDS = 0.3
    asset_feed = communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.tech_a)
    other = communicator(f"/ws/assets/{p.asset_a.pk}/", user=p.manager_a)
    try:
        assert (await accepted(asset_feed))["type"] == "hello"
        assert (await accepted(other))["type"] == "hello"
        await asyncio.sleep(0.8)
        assert await asset_feed.receive_nothing(timeout=0.2)  # still allowed: stays open
        await sync_to_async(SiteMembership.objects.filter(user=p.tech_a, site=p.site_a).delete)()
        assert await closed_within(asset_feed, 5) == CLOSE_FORBIDDEN
        assert await other.receive_nothing(timeout=0.5)  # the manager's feed is untouched
    finally:
        await asset_feed.disconnect()
        await other.disconnect()


async def test_a_deactivated_users_feeds_close(live_plant, settings):
    from accounts.models import User

    p = live_plant
    settings.WS_ACCESS_RECHECK_SECONDS = 0.3
    feeds = [communicator(f"/ws/sites/{p.site_a.pk}/", user=p.viewer_a),
             communicator("/ws/notifications/", user=p.viewer_a)]
    try:
        for feed in feeds:
            assert (await accepted(feed))["type"] == "hello"
        await sync_to_async(User.objects.filter(pk=p.viewer_a.pk).update)(is_active=False)
        for feed in feeds:
            assert await closed_within(feed, 5) == CLOSE_FORBIDDEN
    finally:
        for feed in feeds:
            await feed.disconnect()
