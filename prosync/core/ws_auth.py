"""WebSocket authentication: the browser's session cookie, or a JWT access token for
integrators (``?token=...`` in the URL, since browsers cannot set headers on WebSockets)."""

from urllib.parse import parse_qs

from channels.auth import AuthMiddlewareStack
from channels.db import database_sync_to_async
from django.contrib.auth.models import AnonymousUser


@database_sync_to_async
def _user_from_token(raw: str):
    from rest_framework_simplejwt.authentication import JWTAuthentication
    from rest_framework_simplejwt.exceptions import AuthenticationFailed, InvalidToken, TokenError

    auth = JWTAuthentication()
    try:
        user = auth.get_user(auth.get_validated_token(raw.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()
    return user


class JWTAuthMiddleware:
    def __init__(self, inner):
        self.inner = inner

    async def __call__(self, scope, receive, send):
        token = parse_qs(scope.get("query_string", b"").decode()).get("token", [None])[0]
        if token:
            scope = dict(scope, user=await _user_from_token(token))
        return await self.inner(scope, receive, send)


def AuthStack(inner):  # noqa: N802 - reads like Channels' own AuthMiddlewareStack
    """Session first; a token in the query string, when present, decides instead."""
    return AuthMiddlewareStack(JWTAuthMiddleware(inner))
