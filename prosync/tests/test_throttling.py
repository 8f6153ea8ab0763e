"""API rate limits: a sliding window per user (or per scope, as for logins) in Redis, answered with
429 and a Retry-After once full; refused requests take no place in it, and requests at once
never get past the limit together."""

from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from rest_framework.test import APIRequestFactory

from conftest import PASSWORD, jwt_client
from prosync.core import throttling

pytestmark = pytest.mark.django_db


@pytest.fixture
def five_a_minute(monkeypatch):
    rates = {**throttling.UserRateThrottle.THROTTLE_RATES, "user": "5/min", "login": "3/min"}
    for cls in (throttling.UserRateThrottle, throttling.ScopedRateThrottle, throttling.AnonRateThrottle):
        monkeypatch.setattr(cls, "THROTTLE_RATES", rates)
    cache.clear()
    yield
    cache.clear()


def test_a_user_gets_429_with_retry_after_once_the_window_is_full(plant, five_a_minute):
    api = jwt_client(plant.tech_a)
    assert [api.get("/api/v1/assets/").status_code for _ in range(5)] == [200] * 5
    refused = api.get("/api/v1/assets/")
    assert refused.status_code == 429 and 0 < int(refused["Retry-After"]) <= 60
    assert jwt_client(plant.tech_b).get("/api/v1/assets/").status_code == 200  # another user's own window
    assert api.get("/api/v1/assets/").status_code == 429  # refusals took no place, but the window is full


def test_logins_are_limited_per_scope(plant, five_a_minute):
    from rest_framework.test import APIClient

    client = APIClient()
    codes = [client.post("/api/v1/auth/token/", {"username": "tech_a", "password": "wrong"}).status_code
             for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    ok = client.post("/api/v1/auth/token/", {"username": "tech_a", "password": PASSWORD})
    assert ok.status_code == 429  # the window is per client, whatever the password


def test_requests_at_once_never_pass_the_limit_together(plant, five_a_minute):
    """Twenty requests at once against a limit of five: five pass, never more."""
    throttle_requests = []
    factory = APIRequestFactory()
    for _ in range(20):
        request = factory.get("/api/v1/assets/")
        request.user = plant.tech_a
        throttle_requests.append(request)

    def allowed(request) -> bool:
        return throttling.UserRateThrottle().allow_request(request, view=None)

    with ThreadPoolExecutor(max_workers=10) as pool:
        results = list(pool.map(allowed, throttle_requests))
    assert sum(results) == 5
