"""What pages need to know of the instance's and the person's preferences (currency, time zone,
language, date style), read once per request.

The instance settings row is kept in the cache and, within a request, on a context variable; with
the cache unreachable it is read from the database, and with no row yet the defaults of the
environment apply, so a page never fails for want of settings."""

from __future__ import annotations

import contextvars
import logging
import zoneinfo
from functools import lru_cache

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections, transaction
from django.utils import timezone, translation

logger = logging.getLogger(__name__)

# The row as read during the current request (None outside a request: every call reads the cache).
_request_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("instance_settings_memo", default=None)
LIFETIME_S = 600


def _cache_key() -> str:
    return f"instance-settings:{connections[DEFAULT_DB_ALIAS].settings_dict['NAME']}"


def _defaults() -> dict:
    from accounts.models import DateStyle

    return {"currency": settings.DEFAULT_CURRENCY, "time_zone": settings.TIME_ZONE,
            "date_style": DateStyle.DAY_MONTH_NAME.value}


def _read() -> dict:
    from accounts.models import InstanceSettings

    try:
        row = InstanceSettings.objects.filter(pk=1).values("currency", "time_zone", "date_style").first()
    except DatabaseError:
        # The health checks must still answer, and say what is wrong, with the database down.
        logger.warning("instance settings unreadable: the environment's defaults apply", exc_info=True)
        return _defaults()
    return row or _defaults()


def instance_settings() -> dict:
    """``{"currency": "EUR", "time_zone": "Europe/Paris", "date_style": "d M Y"}``."""
    memo = _request_memo.get()
    if memo is not None and "instance" in memo:
        return memo["instance"]
    try:
        found = cache.get(_cache_key())
        if found is None:
            found = _read()
            cache.set(_cache_key(), found, LIFETIME_S)
    except Exception:
        logger.warning("instance settings read from the database: cache unreachable", exc_info=True)
        found = _read()
    if memo is not None:
        memo["instance"] = found
    return found


def forget_instance_settings() -> None:
    """After a change of the settings row: drop the cached copy, now and again at commit (a
    request reading the old row in between must not keep it). Best effort; the lifetime bounds
    any staleness when the cache is down."""

    def drop():
        try:
            cache.delete(_cache_key())
        except Exception:
            logger.warning("instance settings not renewed: cache unreachable", exc_info=True)
        memo = _request_memo.get()
        if memo is not None:
            memo.pop("instance", None)

    drop()
    transaction.on_commit(drop)


def current_currency() -> str:
    """ISO 4217 code of the instance's currency, e.g. ``"EUR"``."""
    return instance_settings()["currency"]


def current_date_style() -> str:
    """Django date format of the instance (``"d M Y"``, ``"Y-m-d"``, ...)."""
    return instance_settings()["date_style"]


@lru_cache(maxsize=64)
def _zone(name: str) -> zoneinfo.ZoneInfo | None:
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def instance_timezone() -> zoneinfo.ZoneInfo:
    return _zone(instance_settings()["time_zone"]) or _zone(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def user_timezone(user) -> zoneinfo.ZoneInfo:
    """The person's own time zone, else the instance's."""
    own = getattr(user, "time_zone", "") if user is not None and user.is_authenticated else ""
    return (own and _zone(own)) or instance_timezone()


def user_language(user) -> str:
    """The person's language code, else the site's ``LANGUAGE_CODE``."""
    own = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    return own if own in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE


class PreferencesMiddleware:
    """Shows a signed-in person's requests in their time zone and language, and reads the instance
    settings at most once per request. Anonymous requests are left alone: the health checks must
    not touch the database or the cache, and the few public pages that show times ask for the
    instance's zone themselves (``instance_timezone``)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _request_memo.set({})
        try:
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated:
                return self.get_response(request)
            timezone.activate(user_timezone(user))
            language = user_language(user)
            if language != settings.LANGUAGE_CODE:
                translation.activate(language)
                request.LANGUAGE_CODE = language
            try:
                return self.get_response(request)
            finally:
                timezone.deactivate()
                if language != settings.LANGUAGE_CODE:
                    translation.deactivate()
        finally:
            _request_memo.reset(token)
