"""The server's own limit on request bodies, in the ASGI application: a body over
MAX_REQUEST_BODY_BYTES is refused with 413 before Django reads it, whether its length is declared
or it comes in chunks; smaller bodies reach the application as sent."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.conf import settings as django_settings

from prosync.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)

MB = 1024 * 1024


def http_scope(path: str, headers: list[tuple[bytes, bytes]]) -> dict:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
            "headers": [(b"host", b"localhost"), (b"content-type", b"application/json"), *headers],
            "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 8000)}


async def call(scope, chunks: list[bytes]):
    """Run one request; returns (status, body, number of body chunks the application asked for)."""
    asked = 0
    sent = []

    async def receive():
        nonlocal asked
        if asked < len(chunks):
            asked += 1
            return {"type": "http.request", "body": chunks[asked - 1], "more_body": asked < len(chunks)}
        await asyncio.Event().wait()  # the client stays connected until it has its answer

    async def send(message):
        sent.append(message)

    await application(scope, receive, send)
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], body, asked


async def test_a_declared_length_over_the_limit_is_refused_unread():
    declared = str(django_settings.MAX_REQUEST_BODY_BYTES + 1).encode()
    status, body, asked = await call(http_scope("/api/v1/readings/bulk/", [(b"content-length", declared)]),
                                     [b"x" * MB] * 30)
    assert status == 413 and asked == 0
    assert "MAX_REQUEST_BODY_BYTES" in json.loads(body)["detail"]


async def test_a_chunked_body_is_refused_once_it_passes_the_limit(settings):
    settings.MAX_REQUEST_BODY_BYTES = 3 * MB
    chunks = [b"x" * MB] * (settings.MAX_REQUEST_BODY_BYTES // MB + 10)
    status, body, asked = await call(http_scope("/api/v1/readings/bulk/", [(b"transfer-encoding", b"chunked")]),
                                     chunks)
    assert status == 413 and asked == settings.MAX_REQUEST_BODY_BYTES // MB + 1  # stopped reading there
    assert "the most this server accepts" in json.loads(body)["detail"]


async def test_a_small_chunked_body_reaches_the_application_whole():
    # Not signed in: the API itself answers (401), having read the body the client sent.
    status, body, _ = await call(http_scope("/api/v1/readings/bulk/", [(b"transfer-encoding", b"chunked")]),
                                 [b"[", b"]"])
    assert status == 401 and "credentials" in json.loads(body)["detail"]


def test_import_pages_refuse_an_oversized_upload_before_parsing_it(plant, settings):
    from django.test import Client

    client = Client()
    client.force_login(plant.manager_a)
    for path, setting in (("/alerts/imports/", "TELEMETRY_IMPORT_MAX_BODY_BYTES"),
                          ("/assets/import/", "IMPORT_MAX_BODY_BYTES")):
        declared = str(getattr(settings, setting) + 1)
        # The body is not a valid form: parsed, it would be a form error (400), not this refusal.
        page = client.generic("POST", path, b"--not-a-form", content_type="multipart/form-data; boundary=zz",
                              CONTENT_LENGTH=declared)
        assert page.status_code == 413, path
        assert "can be sent at once" in page.content.decode(), path


def test_the_public_form_checks_its_allowance_before_reading_the_body(plant, settings):
    from django.test import Client

    from workorders.models import WorkRequest

    settings.PUBLIC_REPORT_LIMIT = 1
    url = f"/report/{plant.asset_a.qr_token}/"
    client = Client(REMOTE_ADDR="198.51.100.9")
    assert client.post(url, {"name": "Ann", "description": "Leak at the seal"}).status_code == 200
    # Over the allowance: refused even though the body cannot be parsed (it would be a 400).
    page = client.generic("POST", url, b"--broken", content_type="multipart/form-data; boundary=zz")
    assert page.status_code == 429 and "Too many reports" in page.content.decode()
    assert WorkRequest.objects.count() == 1
