"""Who may open the live feeds /ws/assets/<id>/ and /ws/sites/<id>/, through the full ASGI stack
(origin check, session and JWT authentication, the consumers' ``for_user`` check), and that an
event sent to an asset's group reaches its subscriber."""

from __future__ import annotations

from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from channels.testing import WebsocketCommunicator
from django.conf import settings
from django.test import Client
from rest_framework_simplejwt.tokens import AccessToken, RefreshToken

from conftest import PASSWORD
from prosync.asgi import application
from prosync.core import events
from telemetry.consumers import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED

pytestmark = pytest.mark.django_db(transaction=True)

GOOD_ORIGIN = b"http://localhost"


def access_token(user) -> str:
    # AccessToken.for_user touches no database (a RefreshToken records itself for the blacklist).
    return str(AccessToken.for_user(user))


def communicator(path: str, *, token: str | None = None, origin: bytes = GOOD_ORIGIN, cookie: str | None = None):
    if token is not None:
        path = f"{path}?token={token}"
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
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", token=access_token(p.tech_a))
    try:
        hello = await accepted(comm)
        assert hello == {"type": "hello", "payload": {"group": events.asset_group(p.asset_a.pk)}}
        await comm.send_json_to({"type": "ping"})
        assert await comm.receive_json_from(timeout=5) == {"type": "pong"}
    finally:
        await comm.disconnect()

    comm = communicator(f"/ws/sites/{p.site_a.pk}/", token=access_token(p.viewer_a))
    try:
        hello = await accepted(comm)
        assert hello == {"type": "hello", "payload": {"group": events.site_group(p.site_a.pk)}}
    finally:
        await comm.disconnect()


async def test_admin_is_accepted_on_any_site(live_plant):
    p = live_plant
    for path in (f"/ws/assets/{p.asset_b.pk}/", f"/ws/sites/{p.site_b.pk}/", f"/ws/assets/{p.asset_a.pk}/"):
        comm = communicator(path, token=access_token(p.admin))
        try:
            assert (await accepted(comm))["type"] == "hello"
        finally:
            await comm.disconnect()


async def test_technician_of_other_site_is_refused(live_plant):
    p = live_plant
    token = access_token(p.tech_b)
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", token=token)) == CLOSE_FORBIDDEN
    assert await refused(communicator(f"/ws/assets/{p.child_a.pk}/", token=token)) == CLOSE_FORBIDDEN
    assert await refused(communicator(f"/ws/sites/{p.site_a.pk}/", token=token)) == CLOSE_FORBIDDEN
    # The same token opens their own site's feeds, so the refusal is about scope.
    comm = communicator(f"/ws/assets/{p.asset_b.pk}/", token=token)
    try:
        assert (await accepted(comm))["type"] == "hello"
    finally:
        await comm.disconnect()


async def test_user_without_role_and_unknown_asset_are_refused(live_plant):
    p = live_plant
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", token=access_token(p.norole))) \
        == CLOSE_FORBIDDEN
    assert await refused(communicator("/ws/assets/987654/", token=access_token(p.admin))) == CLOSE_FORBIDDEN


async def test_invalid_or_expired_token_is_refused(live_plant):
    p = live_plant
    path = f"/ws/assets/{p.asset_a.pk}/"
    expired = AccessToken.for_user(p.tech_a)
    expired.set_exp(lifetime=-timedelta(seconds=1))
    forged = access_token(p.tech_a)[:-4] + "AAAA"
    refresh = str(await sync_to_async(RefreshToken.for_user)(p.tech_a))  # not an access token
    for token in ("garbage", str(expired), forged, refresh):
        assert await refused(communicator(path, token=token)) == CLOSE_UNAUTHENTICATED, token


async def test_disallowed_origin_is_refused(live_plant):
    p = live_plant
    token = access_token(p.tech_a)
    # Refused by the origin validator, before authentication (no application close code).
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", token=token, origin=b"http://evil.example")
    connected, _ = await comm.connect(timeout=5)
    assert not connected
    await comm.disconnect()
    # No Origin header at all is refused too.
    comm = WebsocketCommunicator(application, f"/ws/assets/{p.asset_a.pk}/?token={token}",
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
    # The session decides scope exactly like a token: site B is refused.
    assert await refused(communicator(f"/ws/sites/{p.site_b.pk}/", cookie=cookie)) == CLOSE_FORBIDDEN
    # A made-up session id is anonymous.
    bogus = f"{settings.SESSION_COOKIE_NAME}=not-a-session-key-at-all-0123456789"
    assert await refused(communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=bogus)) == CLOSE_UNAUTHENTICATED


async def test_token_decides_over_session(live_plant):
    """Session first, but a token in the query string decides instead: a bad token with a
    valid session is refused, so a stale token is never silently upgraded by a cookie."""
    p = live_plant
    cookie = await _session_cookie("tech_a")
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=cookie, token="garbage")
    assert await refused(comm) == CLOSE_UNAUTHENTICATED
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", cookie=cookie, token=access_token(p.tech_b))
    assert await refused(comm) == CLOSE_FORBIDDEN


# --- Delivery --------------------------------------------------------------------------------


async def test_event_sent_to_asset_group_reaches_subscriber(live_plant):
    p = live_plant
    comm = communicator(f"/ws/assets/{p.asset_a.pk}/", token=access_token(p.tech_a))
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
