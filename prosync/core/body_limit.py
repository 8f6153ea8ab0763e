"""The largest request body the server accepts, enforced in the ASGI application before Django
reads anything: a declared Content-Length over the limit is answered 413 at once, and a body sent
without one (chunked) is counted as it arrives and refused as soon as it passes the limit.
Pages check their own, smaller limits with ``declared_body_too_large`` before parsing a form."""

from __future__ import annotations

import json

from django.conf import settings


class BodySizeLimit:
    """ASGI middleware for HTTP: MAX_REQUEST_BODY_BYTES per request body (read per request, so a
    test or an operator's override applies); the per-endpoint limits are smaller."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = settings.MAX_REQUEST_BODY_BYTES
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                return await self._refuse(send, 400, "The Content-Length header is not a number.")
            if length > limit:
                return await self._too_large(send, limit)
            return await self.app(scope, receive, send)
        # No declared length (chunked): count what arrives; past the limit Django is told the
        # client left (it stops reading and answers nothing) and the refusal is sent here.
        total, exceeded, started = 0, False, False

        async def counted():
            nonlocal total, exceeded
            message = await receive()
            if message["type"] == "http.request":
                total += len(message.get("body", b""))
                if total > limit:
                    exceeded = True
                    return {"type": "http.disconnect"}
            return message

        async def tracked(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        await self.app(scope, counted, tracked)
        if exceeded and not started:
            await self._too_large(send, limit)
        return None

    async def _too_large(self, send, limit: int):
        return await self._refuse(send, 413, f"The request body is over {limit:,} bytes, the most this server "
                                             "accepts (MAX_REQUEST_BODY_BYTES). Send a smaller file or split "
                                             "the data.")

    @staticmethod
    async def _refuse(send, status: int, message: str):
        body = json.dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})


def declared_body_too_large(request, setting: str) -> str | None:
    """The reason to refuse a page's POST whose declared length is over the setting ``setting``,
    checked before the form (and its uploads) is parsed; None when it is within."""
    limit = getattr(settings, setting)
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= limit:
        return None
    return (f"The file sent is {length / 1e6:.1f} MB; at most {limit / 1e6:.1f} MB can be sent at once. "
            "Split it into smaller files.")
