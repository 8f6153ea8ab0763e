"""Errors as a visitor meets them: styled 403, 404 and 500 pages, and no debug page unless asked for."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.test import Client, override_settings
from django.urls import include, path

pytestmark = pytest.mark.django_db


def broken_view(request):
    raise RuntimeError("a bug in a view")


urlpatterns = [path("broken/", broken_view), path("", include("prosync.urls"))]


def test_debug_is_off_unless_asked_for():
    """`make run` (development, no DEBUG in the environment) must not show tracebacks to a visitor."""
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "TESTING")}
    env.update(PROSYNC_ENV="development", TESTING="0", DATABASE_URL="postgres://u@127.0.0.1:1/x",
               REDIS_URL="redis://127.0.0.1:1/0", DJANGO_SETTINGS_MODULE="prosync.settings")
    code = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "False"
    env["DEBUG"] = "1"
    run = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    assert run.stdout.strip() == "True"


def test_not_found_and_not_allowed_pages_say_what_happened(client, plant):
    client.force_login(plant.viewer_a)
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and b"Page not found" in page.content and b"Back to the dashboard" in page.content
    page = client.get("/assets/new/")
    assert page.status_code == 403 and b"You may not do this" in page.content and b"Your role may not" in page.content


@override_settings(ROOT_URLCONF=__name__)
def test_a_server_error_shows_a_calm_page_without_the_traceback(plant):
    client = Client(raise_request_exception=False)
    client.force_login(plant.viewer_a)
    page = client.get("/broken/")
    assert page.status_code == 500
    body = page.content.decode()
    assert "Something went wrong" in body and "RuntimeError" not in body and "Traceback" not in body


def test_digits_that_are_not_numbers_are_bad_input_not_a_server_error(client, plant):
    """"²" and "٣" pass str.isdigit(); only the second is a number int() reads."""
    client.force_login(plant.manager_a)
    assert client.get("/assets/labels/", {"ids": "²"}).status_code == 200
    assert client.get("/work-orders/time/?days=²").status_code == 200
