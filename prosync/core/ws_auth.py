"""WebSocket authentication: the browser's session cookie, or a short-lived single-use ticket
(``?ticket=...``) that an API client gets from ``POST /api/v1/ws-ticket/`` with its token.

Browsers cannot set headers on a WebSocket, so whatever authenticates it travels in the URL and
reaches access logs; a ticket there is worthless once used or WS_TICKET_SECONDS old, where a JWT
would have opened the API to whoever reads the log. Tickets live in the cache (Redis); pages
need none (their session cookie is enough), so a cache outage only stops API clients' feeds."""

from __future__ import annotations

import logging
import secrets
from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser
from django.core.cache import cache
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

logger = logging.getLogger(__name__)

_PREFIX = "ws-ticket:"


def issue_ticket(user) -> str:
    """A ticket that opens one WebSocket as ``user`` within WS_TICKET_SECONDS."""
    ticket = secrets.token_urlsafe(32)
    cache.set(f"{_PREFIX}{ticket}", user.pk, timeout=settings.WS_TICKET_SECONDS)
    return ticket


def redeem_ticket(ticket: str):
    """The user id of a valid ticket, which is spent by it (of two at once, one wins); else None."""
    key = f"{_PREFIX}{ticket}"
    try:
        user_id = cache.get(key)
        if user_id is None or not cache.delete(key):
            return None
    except Exception:  # the cache is down: no ticket can be checked, the socket is refused
        logger.warning("WebSocket ticket not checked: the cache is unreachable", exc_info=True)
        return None
    return user_id


@database_sync_to_async
def _user_from_ticket(ticket: str):
    user_id = redeem_ticket(ticket)
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id is not None else None
    return user or AnonymousUser()


class TicketAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        ticket = parse_qs(scope.get("query_string", b"").decode()).get("ticket", [None])[0]
        if ticket:
            scope = dict(scope, user=await _user_from_ticket(ticket))
        return await self.inner(scope, receive, send)


def AuthStack(inner):  # noqa: N802 - reads like Channels' own AuthMiddlewareStack
    """Session first; a ticket in the query string, when present, decides instead."""
    return AuthMiddlewareStack(TicketAuthMiddleware(inner))


class WebSocketTicketView(APIView):
    """``POST /api/v1/ws-ticket/``: a ticket for ``wss://host/ws/...?ticket=<ticket>``."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        request=None,
        responses={201: inline_serializer("WebSocketTicket", {
            "ticket": serializers.CharField(), "expires_in": serializers.IntegerField(help_text="Seconds.")}),
            503: None},
        description="A single-use ticket that opens one live feed (`/ws/assets/<id>/`, `/ws/sites/<id>/`, "
                    "`/ws/notifications/`) as you: append `?ticket=<ticket>` to the WebSocket address within "
                    "`expires_in` seconds. Ask for a new one for every connection and reconnection.")
    def post(self, request):
        try:
            ticket = issue_ticket(request.user)
        except Exception:
            logger.warning("WebSocket ticket not issued: the cache is unreachable", exc_info=True)
            return Response({"detail": "Live feeds are unavailable right now; try again in a minute."},
                            status=status.HTTP_503_SERVICE_UNAVAILABLE)
        return Response({"ticket": ticket, "expires_in": settings.WS_TICKET_SECONDS}, status=status.HTTP_201_CREATED)
