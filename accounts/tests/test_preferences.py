"""Instance settings and a person's own time zone and language reach every request."""

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory
from django.utils import timezone, translation

from accounts.models import InstanceSettings
from accounts.preferences import PreferencesMiddleware, current_currency, forget_instance_settings, user_timezone

pytestmark = pytest.mark.django_db


def _seen_during_request(user):
    seen = {}

    def view(request):
        seen["tz"] = timezone.get_current_timezone_name()
        seen["lang"] = translation.get_language()
        seen["currency"] = current_currency()
        return None

    request = RequestFactory().get("/")
    request.user = user
    PreferencesMiddleware(view)(request)
    return seen


def test_person_time_zone_is_active_during_their_requests(people):
    InstanceSettings.objects.create(time_zone="America/Chicago")
    forget_instance_settings()
    tech = people.tech_a
    assert _seen_during_request(tech)["tz"] == "America/Chicago"  # not chosen: the instance's
    tech.time_zone = "Asia/Tokyo"
    tech.save()
    assert _seen_during_request(tech)["tz"] == "Asia/Tokyo"
    assert timezone.get_current_timezone_name() == settings.TIME_ZONE  # not leaked past the request


def test_person_language_is_active_during_their_requests(people):
    tech = people.tech_a
    other = next(code for code, _ in settings.LANGUAGES if code != settings.LANGUAGE_CODE)
    tech.language = other
    tech.save()
    assert _seen_during_request(tech)["lang"] == other
    assert translation.get_language() == settings.LANGUAGE_CODE


def test_currency_defaults_from_environment_then_follows_the_settings_row():
    assert current_currency() == settings.DEFAULT_CURRENCY
    InstanceSettings.objects.update_or_create(pk=1, defaults={"currency": "USD"})
    forget_instance_settings()
    assert current_currency() == "USD"


def test_settings_read_once_per_request(people, django_assert_max_num_queries):
    cache.clear()
    InstanceSettings.objects.create(currency="GBP")

    def view(request):
        for _ in range(20):
            assert current_currency() == "GBP"

    request = RequestFactory().get("/")
    request.user = people.tech_a
    with django_assert_max_num_queries(1):
        PreferencesMiddleware(view)(request)


def test_unknown_zone_falls_back_to_the_instance(people):
    tech = people.tech_a
    tech.time_zone = "Mars/Olympus"  # saved around validation, e.g. by a bulk update
    assert str(user_timezone(tech)) == settings.TIME_ZONE



def test_settings_read_from_the_database_when_the_cache_is_unreachable(people, client):
    """A Redis outage (the cache at a closed port) costs a query, never a page; the saved currency
    and time zone still apply."""
    import socket

    from django.test import override_settings

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    InstanceSettings.objects.create(currency="CHF", time_zone="Europe/Zurich")
    with override_settings(CACHES={"default": {**settings.CACHES["default"],
                                               "LOCATION": f"redis://127.0.0.1:{port}/0"}}):
        assert current_currency() == "CHF"
        assert _seen_during_request(people.tech_a)["tz"] == "Europe/Zurich"
        client.force_login(people.tech_a)
        assert client.get("/manage/me/").status_code == 200
