"""The largest request body the server accepts, enforced in the ASGI application before Django
reads anything: a declared Content-Length over the limit is answered 413 at once, and a body sent
without one (chunked) is counted as it arrives and refused as soon as it passes the limit."""

from __future__ import annotations

import json


class BodySizeLimit:
    """ASGI middleware for HTTP: ``max_bytes`` per request body; the per-endpoint limits
    (``BodyLimitMixin``) are smaller and say which setting applies."""

    def __init__(self, app, max_bytes: int):
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                length = int(declared)
            except ValueError:
                return await self._refuse(send, 400, "The Content-Length header is not a number.")
            if length > self.max_bytes:
                return await self._too_large(send)
            return await self.app(scope, receive, send)
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and b"transfer-encoding" not in headers:
            return await self.app(scope, receive, send)
        # No declared length: read (and count) the body before Django does, then hand it over.
        messages, total = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return None
            total += len(message.get("body", b""))
            if total > self.max_bytes:
                return await self._too_large(send)
            messages.append(message)
            if not message.get("more_body", False):
                break

        async def replay():
            return messages.pop(0) if messages else await receive()

        return await self.app(scope, replay, send)

    async def _too_large(self, send):
        return await self._refuse(send, 413, f"The request body is over {self.max_bytes:,} bytes, the most this "
                                             "server accepts (MAX_REQUEST_BODY_BYTES). Send a smaller file or "
                                             "split the data.")

    @staticmethod
    async def _refuse(send, status: int, message: str):
        body = json.dumps({"detail": message}).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                                (b"connection", b"close")]})
        await send({"type": "http.response.body", "body": body})
