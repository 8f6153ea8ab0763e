"""Guessing passwords: failed sign-ins are counted per account and per client address on the
sign-in page, the admin's and the API token endpoint, and further attempts are refused for the
rest of the window with a message (429 and Retry-After on the API); the client's address is the
peer's unless proxies are trusted, so a made-up X-Forwarded-For buys no new attempts."""

import pytest
import redis
from django.test import Client
from redis.backoff import NoBackoff
from redis.retry import Retry
from rest_framework.test import APIClient

from accounts import sign_in
from conftest import PASSWORD

pytestmark = pytest.mark.django_db

TOKEN = "/api/v1/auth/token/"


@pytest.fixture
def admin(django_user_model):
    return django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)


@pytest.fixture
def three_failures(settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 5
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 900


def page_sign_in(address, username, password, url="/login/"):
    client = Client(REMOTE_ADDR=address)
    return client, client.post(url, {"username": username, "password": password})


def signed_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_forty_guesses_with_made_up_forwarded_for_get_429_with_retry_after(admin):
    api = APIClient()
    responses = [api.post(TOKEN, {"username": "admin", "password": f"guess-{i}"},
                          HTTP_X_FORWARDED_FOR=f"203.0.113.{i}") for i in range(40)]
    codes = [r.status_code for r in responses]
    assert codes[:10] == [401] * 10 and codes[10:] == [429] * 30, codes
    locked = responses[10]
    assert "Too many failed sign-ins for this account; try again in 15 minutes." in locked.json()["detail"]
    assert 0 < int(locked["Retry-After"]) <= 900
    assert 0 < int(responses[-1]["Retry-After"]) <= 900  # by now the per-client login throttle answers too
    right = api.post(TOKEN, {"username": "admin", "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert right.status_code == 429, "a right password during the lockout is refused too"


def test_the_api_login_throttle_counts_the_peer_not_its_forwarded_for(admin, settings):
    settings.LOGIN_FAILURE_LIMIT = settings.LOGIN_FAILURE_LIMIT_PER_CLIENT = 1000
    api = APIClient()
    codes = [api.post(TOKEN, {"username": f"nobody{i}", "password": "x"},
                      HTTP_X_FORWARDED_FOR=f"203.0.113.{i}").status_code for i in range(22)]
    assert codes[:20] == [401] * 20 and codes[20:] == [429] * 2  # THROTTLE_LOGIN: 20/min per client


def test_the_page_locks_the_account_whatever_the_address(admin, three_failures):
    for i in range(3):
        client, page = page_sign_in(f"198.51.100.{i}", "admin", "wrong")
        assert page.status_code == 200 and not signed_in(client)
    client, page = page_sign_in("192.0.2.77", "admin", PASSWORD)
    assert not signed_in(client), "a right password during the lockout is refused"
    assert "Too many failed sign-ins for this account; try again in 15 minutes." in page.content.decode()


def test_the_page_locks_out_one_address_guessing_many_accounts(admin, three_failures):
    for i in range(5):
        page_sign_in("198.51.100.9", f"someone{i}", "wrong")
    client, page = page_sign_in("198.51.100.9", "admin", PASSWORD)
    assert not signed_in(client)
    assert "Too many failed sign-ins from this address; try again in 15 minutes." in page.content.decode()
    client, _ = page_sign_in("198.51.100.10", "admin", PASSWORD)
    assert signed_in(client), "another address and an account with no failures sign in as before"


def test_the_admin_sign_in_is_limited_too(admin, three_failures):
    for _ in range(3):
        page_sign_in("198.51.100.20", "admin", "wrong", url="/admin/login/")
    client, page = page_sign_in("198.51.100.21", "admin", PASSWORD, url="/admin/login/")
    assert not signed_in(client)
    assert "Too many failed sign-ins for this account" in page.content.decode()


def test_successful_sign_ins_are_not_counted(admin, three_failures):
    for _ in range(5):
        client, page = page_sign_in("198.51.100.30", "admin", PASSWORD)
        assert page.status_code == 302 and signed_in(client)


def test_with_redis_down_sign_in_still_works(admin, three_failures, monkeypatch, caplog):
    down = redis.Redis(port=1, retry=Retry(NoBackoff(), 0))  # nothing listens on port 1
    monkeypatch.setattr(sign_in, "cache_redis", lambda: down)
    for _ in range(4):
        page_sign_in("198.51.100.40", "admin", "wrong")
    client, _ = page_sign_in("198.51.100.40", "admin", PASSWORD)
    assert signed_in(client)
    assert "Redis unreachable" in caplog.text


def test_forwarded_for_counts_only_behind_trusted_proxies(settings, rf):
    from prosync.core.throttling import client_ip

    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.5")
    assert client_ip(request) == "10.0.0.2"
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    assert client_ip(request) == "198.51.100.5"  # what our one proxy saw; the client's own entry is ignored


def test_the_public_report_form_counts_clients_behind_a_trusted_proxy(settings):
    from assets.models import Asset, AssetCategory, Site

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.PUBLIC_REPORT_LIMIT = 1
    site = Site.objects.create(code="alpha", name="Alpha Plant")
    asset = Asset.objects.create(site=site, category=AssetCategory.objects.create(name="Pump"), tag="P-1",
                                 name="Feed pump")
    url = f"/report/{asset.qr_token}/"
    proxy = Client(REMOTE_ADDR="10.0.0.2")
    form = {"name": "Ann", "description": "Leaking valve body"}
    assert proxy.post(url, form, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 200
    assert proxy.post(url, form, HTTP_X_FORWARDED_FOR="198.51.100.1").status_code == 429
    assert proxy.post(url, form, HTTP_X_FORWARDED_FOR="198.51.100.2").status_code == 200
