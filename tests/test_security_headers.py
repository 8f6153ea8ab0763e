"""Security headers a browser obeys on every page: the Content-Security-Policy (scripts only from
this origin, no inline code), Referrer-Policy, Permissions-Policy; a form without its CSRF token
refused with the styled page; production refusing a secret key published in the source tree."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core import checks
from django.test import Client, override_settings

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
EXAMPLE_KEY = re.search(r"^SECRET_KEY=(.+)$", (Path(settings.BASE_DIR) / ".env.example").read_text(), re.M)[1]


def directives(header: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in (p.strip() for p in header.split(";")) if d}


@pytest.mark.parametrize("path", ["/", "/assets/", "/work-orders/", "/alerts/", "/api/docs/", "/login/"])
def test_every_page_carries_the_policy_and_its_scripts_the_nonce(client, plant, path):
    if path != "/login/":
        client.force_login(plant.manager_a)
    page = client.get(path)
    assert page.status_code == 200
    csp = directives(page["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"] and csp["base-uri"] == ["'self'"]
    assert csp["connect-src"] == ["'self'", "ws://testserver", "wss://testserver"]
    assert page["Referrer-Policy"] == "same-origin"
    assert page["X-Content-Type-Options"] == "nosniff"
    permissions = page["Permissions-Policy"]
    assert "camera=(self)" in permissions and "geolocation=()" in permissions and "microphone=()" in permissions
    html = page.content.decode()
    nonces = [n for n in csp["script-src"] if n.startswith("'nonce-")]
    for tag in re.findall(r"<script\b[^>]*>", html):
        if 'type="application/json"' in tag:
            continue  # data, never run
        assert "src=" in tag, f"inline script on {path}: {tag}"
    if path != "/api/docs/":  # drf-spectacular's own template; elsewhere the base page's scripts carry it
        assert nonces and re.search(rf'<script src="/static/vendor/htmx.min.js" nonce="{re.escape(nonces[0][7:-1])}"',
                                    html)


def test_the_nonce_differs_per_response(client, plant):
    client.force_login(plant.viewer_a)
    first, second = (directives(client.get("/")["Content-Security-Policy"])["script-src"] for _ in range(2))
    assert first != second


def test_api_answers_carry_the_headers_too(client, plant):
    client.force_login(plant.viewer_a)
    answer = client.get("/api/v1/assets/")
    assert answer.status_code == 200
    assert "frame-ancestors 'none'" in answer["Content-Security-Policy"]
    assert answer["Referrer-Policy"] == "same-origin" and "camera=(self)" in answer["Permissions-Policy"]


def test_swagger_ui_starts_from_a_script_file_not_inline_code(client, plant):
    client.force_login(plant.viewer_a)
    html = client.get("/api/docs/").content.decode()
    start = re.search(r'<script src="([^"]*\?[^"]*script=[^"]*)"', html)
    assert start, "Swagger UI's start-up code must be a script file the CSP allows"
    script = client.get(start[1].replace("&amp;", "&"))
    assert script.status_code == 200 and script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


def test_templates_hold_no_inline_script_or_event_handler():
    """The policy runs no inline code: such a script or handler would silently do nothing."""
    offenders = []
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{template.relative_to(TEMPLATES)}: {tag}")
        for handler in re.findall(r"<[a-z][^>]*\son[a-z]+\s*=", text):
            offenders.append(f"{template.relative_to(TEMPLATES)}: {handler[:60]}")
    assert offenders == []


def test_a_form_sent_without_its_csrf_token_is_refused_with_the_styled_page(plant):
    client = Client(enforce_csrf_checks=True)
    client.force_login(plant.manager_a)
    refused = client.post("/logout/")
    assert refused.status_code == 403
    body = refused.content.decode()
    assert "This form was not accepted" in body and "nothing was saved" in body and "CSRF cookie" not in body
    assert "Content-Security-Policy" in refused
    assert client.get("/").status_code == 200  # still signed in: the forged sign-out did nothing


def security_errors():
    return [m for m in checks.run_checks(tags=[checks.Tags.security]) if m.id == "prosync.E001"]


def security_deploy_errors():
    return [m for m in checks.run_checks(tags=[checks.Tags.security], include_deployment_checks=True)
            if m.id == "prosync.E001"]


def keys(key, jwt_key=None):
    """The secret key, and the API tokens' signing key (by default the same, as in the settings)."""
    return {"SECRET_KEY": key, "SIMPLE_JWT": {**settings.SIMPLE_JWT, "SIGNING_KEY": jwt_key or key}}


def test_production_refuses_the_example_key_and_any_key_written_in_the_repository():
    development_default = settings.SECRET_KEY  # the settings' own default, written in settings.py
    own_key = "a-key-of-this-deployment-" + os.urandom(16).hex()
    with override_settings(PRODUCTION=True, **keys(EXAMPLE_KEY)):
        errors = security_errors()
        assert len(errors) == 1 and errors[0].level == checks.ERROR and ".env.example" in errors[0].msg
    with override_settings(PRODUCTION=True, **keys(development_default)):
        assert "settings.py" in security_errors()[0].msg
    with override_settings(PRODUCTION=True, **keys(own_key, jwt_key=EXAMPLE_KEY)):
        assert [e.msg.split()[0] for e in security_errors()] == ["JWT_SIGNING_KEY"]
    with override_settings(PRODUCTION=True, **keys(own_key)):
        assert security_errors() == []
    # Not production, but `check --deploy` with DEBUG off: the same refusal.
    with override_settings(PRODUCTION=False, DEBUG=False, **keys(EXAMPLE_KEY)):
        assert security_errors() == [] and len(security_deploy_errors()) == 1


def test_the_server_does_not_start_in_production_with_the_example_key():
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "TESTING")}
    env.update(PROSYNC_ENV="production", TESTING="0", SECRET_KEY=EXAMPLE_KEY, ALLOWED_HOSTS="cmms.example.com",
               DATABASE_URL="postgres://u@127.0.0.1:1/x", REDIS_URL="redis://127.0.0.1:1/0",
               DJANGO_SETTINGS_MODULE="prosync.settings")
    run = subprocess.run([sys.executable, "-c", "import prosync.asgi"], env=env, capture_output=True, text=True,
                         cwd=settings.BASE_DIR, timeout=120)
    assert run.returncode != 0
    assert "SECRET_KEY is the one written in .env.example" in run.stderr
    env["SECRET_KEY"] = "a-key-of-this-deployment-" + os.urandom(16).hex()
    run = subprocess.run([sys.executable, "-c", "import prosync.asgi"], env=env, capture_output=True, text=True,
                         cwd=settings.BASE_DIR, timeout=120)
    assert run.returncode == 0, run.stderr[-2000:]
