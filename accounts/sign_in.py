"""Limits on guessing passwords: failed sign-ins counted per account and per client address in
Redis, and sign-ins refused while either count is full, on the sign-in page, the admin's and the
API token endpoint alike."""

from __future__ import annotations

import logging
import math
import time
import uuid

import redis
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.cache import cache
from django.core.exceptions import ValidationError

from prosync.core.throttling import cache_redis, client_ip

logger = logging.getLogger(__name__)


class SignInRefused(Exception):
    def __init__(self, message: str, wait: int):
        super().__init__(message)
        self.message = message
        self.wait = wait


def _windows(request, username: str) -> list[tuple[str, int, str]]:
    """(Redis key, limit, whose attempts) for the account and for the client address."""
    account = (username or "").strip().lower()
    return [
        (cache.make_and_validate_key(f"sign-in-failures:account:{account}"),
         settings.LOGIN_FAILURE_LIMIT, "for this account"),
        (cache.make_and_validate_key(f"sign-in-failures:client:{client_ip(request)}"),
         settings.LOGIN_FAILURE_LIMIT_PER_CLIENT, "from this address"),
    ]


def check(request, username: str) -> None:
    """Raise SignInRefused while the account or the client has used up its failed attempts."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    windows = _windows(request, username)
    pipe = cache_redis().pipeline(transaction=False)
    for key, limit, _ in windows:
        pipe.zremrangebyscore(key, "-inf", now - window)
        # The failure whose expiry brings the count back under the limit.
        pipe.zrange(key, -limit, -limit, withscores=True)
        pipe.zcard(key)
    try:
        results = pipe.execute()
    except redis.RedisError:  # cannot count: let people sign in rather than lock everyone out
        logger.warning("sign-in limits not checked: Redis unreachable", exc_info=True)
        return
    for i, (_, limit, whose) in enumerate(windows):
        _, pivot, count = results[3 * i: 3 * i + 3]
        if count >= limit and pivot:
            wait = max(1, math.ceil(pivot[0][1] + window - now))
            minutes = math.ceil(wait / 60)
            raise SignInRefused(f"Too many failed sign-ins {whose}; try again in {minutes} "
                                f"minute{'s' if minutes != 1 else ''}.", wait)


def record_failure(request, username: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    now = time.time()
    member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
    pipe = cache_redis().pipeline(transaction=False)
    for key, _, _ in _windows(request, username):
        pipe.zadd(key, {member: now})
        pipe.expire(key, window + 1)
    try:
        pipe.execute()
    except redis.RedisError:
        logger.warning("failed sign-in not counted: Redis unreachable", exc_info=True)


def _on_login_failed(sender, credentials, request=None, **kwargs):
    if request is not None:  # authenticate() called outside a request (a shell, a command)
        record_failure(request, credentials.get("username", ""))


def connect_signals() -> None:
    user_login_failed.connect(_on_login_failed, dispatch_uid="accounts.sign_in.record_failure")


class LimitedSignIn:
    """Refuses before the password is even tried, so a right guess during a lockout tells nothing."""

    def clean(self):
        if self.request is not None:
            try:
                check(self.request, self.data.get("username", ""))
            except SignInRefused as refused:
                raise ValidationError(refused.message, code="too_many_failures") from None
        return super().clean()


class SignInForm(LimitedSignIn, AuthenticationForm):
    pass


class AdminSignInForm(LimitedSignIn, AdminAuthenticationForm):
    pass
