"""``Idempotency-Key`` for API writes: a client that retries a POST (a lost answer, a phone back
online) with the same key gets the first answer again instead of a second write.

The stored answers live in a model that ``accounts`` plugs in (``register``), so the kernel
imports no app. A view opts in with ``IdempotentCreateMixin`` (a viewset's ``create``) or by
decorating a handler with ``@idempotent``; ``IDEMPOTENCY_PARAMETER`` documents the header."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from functools import wraps

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    HEADER, OpenApiTypes.STR, OpenApiParameter.HEADER, required=False,
    description="A unique value of the client's choosing (a UUID), at most 255 characters. A retry of the same "
                "request with the same key within IDEMPOTENCY_KEY_HOURS (default 24) returns the first answer "
                "again (with `Idempotent-Replayed: true`) and writes nothing more; the same key with a different "
                "body or address is refused with 422.")

_store = {}


def register(model) -> None:
    """Plug in the model holding stored answers: fields ``owner``, ``key``, ``method``, ``path``,
    ``fingerprint``, ``status_code``, ``content_type``, ``body``, ``created_at``; (owner, key) unique."""
    _store["model"] = model


def _model():
    return _store["model"]


def _owner(request) -> str:
    """Keys are per caller: two users (or gateways) may pick the same key."""
    gateway = getattr(request.user, "gateway", None)
    return f"gateway:{gateway.pk}" if gateway is not None else f"user:{request.user.pk}"


def _canonical(value):
    if isinstance(value, UploadedFile):
        digest = hashlib.sha256()
        for chunk in value.chunks():
            digest.update(chunk)
        value.seek(0)
        return {"file": value.name, "size": value.size, "sha256": digest.hexdigest()}
    if hasattr(value, "lists"):  # QueryDict / MultiValueDict: every value of every field
        return {k: [_canonical(v) for v in vs] for k, vs in sorted(value.lists())}
    if isinstance(value, dict):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    return value


def fingerprint(request) -> str:
    """The request as parsed (JSON, form fields and uploaded files' content), not its bytes: the
    same order sent as JSON with its keys in another order, or in a new multipart envelope, is
    the same request."""
    payload = {"query": _canonical(request.query_params), "data": _canonical(request.data)}
    text = json.dumps(payload, sort_keys=True, cls=JSONEncoder, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def _refusal(message: str, code=status.HTTP_422_UNPROCESSABLE_ENTITY) -> Response:
    return Response({HEADER: [message]}, status=code)


def _replay(record) -> HttpResponse:
    response = HttpResponse(record.body, status=record.status_code, content_type=record.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


def _stored_body(response) -> tuple[str, str]:
    if isinstance(response, Response):
        return "application/json", json.dumps(response.data, cls=JSONEncoder)
    return response.get("Content-Type", "application/json"), response.content.decode("utf-8", errors="replace")


def expiry() -> timedelta:
    return timedelta(hours=settings.IDEMPOTENCY_KEY_HOURS)


def run_idempotent(request, handler):
    """Run ``handler()`` once per (caller, key): the stored record is inserted first, in the
    transaction of the write, so a concurrent retry waits on the unique key until the first
    commits and then replays its answer (or, if the first failed and rolled back, writes)."""
    key = request.headers.get(HEADER)
    if key is None:
        return handler()
    if not key.strip() or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        return _refusal(f"Must be 1 to {MAX_KEY_LENGTH} printable characters.")
    model = _model()
    owner, path, method = _owner(request), request.path, request.method
    try:
        print_ = fingerprint(request)
    except exceptions.ParseError:  # a body that cannot be read writes nothing: the view says why
        return handler()
    fresh_after = timezone.now() - expiry()
    with transaction.atomic():
        # A stale record (past the expiry, not yet swept by the cleanup task) frees its key.
        model.objects.filter(owner=owner, key=key, created_at__lt=fresh_after).delete()
        try:
            with transaction.atomic():
                record = model.objects.create(owner=owner, key=key, method=method, path=path, fingerprint=print_,
                                              status_code=0, content_type="", body="")
        except IntegrityError:
            record = None
        if record is None:
            earlier = model.objects.filter(owner=owner, key=key).first()
            if earlier is None:  # deleted meanwhile by an expiry sweep: let the client retry
                return _refusal("A request with this key is being processed; retry in a moment.",
                                status.HTTP_409_CONFLICT)
            if (earlier.method, earlier.path, earlier.fingerprint) != (method, path, print_):
                return _refusal(f"This key was used for a different request ({earlier.method} {earlier.path}) "
                                "with another body: use a new key for a new request.")
            return _replay(earlier)
        response = handler()
        if response.status_code >= 500:  # a failure is not an answer to repeat: a retry runs again
            transaction.set_rollback(True)
            return response
        record.status_code = response.status_code
        record.content_type, record.body = _stored_body(response)
        record.save(update_fields=["status_code", "content_type", "body"])
    return response


def idempotent(handler):
    """Decorate an API view's ``post`` (or ``create``) handler."""

    @wraps(handler)
    def wrapper(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: handler(self, request, *args, **kwargs))

    return wrapper


class IdempotentCreateMixin:
    """A viewset whose ``create`` honours ``Idempotency-Key`` (and documents it)."""

    @extend_schema(parameters=[IDEMPOTENCY_PARAMETER])
    @idempotent
    def create(self, request, *args, **kwargs):
        return super().create(request, *args, **kwargs)


def purge_expired() -> int:
    """Delete stored answers past the expiry; returns how many (the beat task's figure)."""
    deleted, _ = _model().objects.filter(created_at__lt=timezone.now() - expiry()).delete()
    return deleted
