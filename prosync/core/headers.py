"""Security headers on every response: the Content-Security-Policy (django-csp, with the page's
WebSocket origin added) and the Permissions-Policy."""

from __future__ import annotations

from asgiref.sync import iscoroutinefunction
from csp.middleware import CSPMiddleware, PolicyParts
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.decorators import sync_and_async_middleware


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with ``ws://`` and ``wss://`` of the request's own host allowed to
    connect: the live feed is a WebSocket to the same host, and a CSP source list cannot say "this
    origin, as a WebSocket" without naming the host, which is only known per request."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        try:
            host = request.get_host()
        except DisallowedHost:  # the refusal of an unknown host still gets the plain policy
            return parts
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", []), f"ws://{host}", f"wss://{host}"]
        parts.update = update
        return parts


def _permissions_policy() -> str:
    return ", ".join(f"{feature}=({' '.join(allow)})"
                     for feature, allow in getattr(settings, "PERMISSIONS_POLICY", {}).items())


@sync_and_async_middleware
def permissions_policy_middleware(get_response):
    """``Permissions-Policy`` from the ``PERMISSIONS_POLICY`` setting (feature -> allowed origins,
    ``[]`` for none): Django's SecurityMiddleware sets the other headers but not this one. Async
    capable, so an ASGI request does not hop to a thread for it."""
    header = _permissions_policy()

    if iscoroutinefunction(get_response):
        async def middleware(request):
            response = await get_response(request)
            if header:
                response.headers.setdefault("Permissions-Policy", header)
            return response
    else:
        def middleware(request):
            response = get_response(request)
            if header:
                response.headers.setdefault("Permissions-Policy", header)
            return response
    return middleware
