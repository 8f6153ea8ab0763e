"""DRF's rate throttles over a Redis sorted set: the same sliding window of request times, checked
and updated in one atomic round trip. DRF's own reads the whole history list from the cache and
writes it back (two round trips, a list of up to 3,000 times pickled both ways for a busy
integrator, and two requests at once can both take the last place)."""

from __future__ import annotations

import functools
import logging
import uuid

import redis
from django.conf import settings
from django.core.cache import cache
from rest_framework import throttling
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


def client_ip(request) -> str:
    """The address of the client behind the configured count of trusted proxies (DRF's
    ``NUM_PROXIES``, set from ``TRUSTED_PROXIES``): with none, the peer's address, because any
    client can write an ``X-Forwarded-For`` header and would choose its own rate-limit key."""
    remote_addr = request.META.get("REMOTE_ADDR", "") or "unknown"
    num_proxies = api_settings.NUM_PROXIES or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if num_proxies <= 0 or not forwarded:
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",")]
    # The last proxy appends the address it saw; anything left of our proxies' entries is the client's say.
    return hops[-min(num_proxies, len(hops))] or remote_addr


@functools.cache
def cache_redis() -> redis.Redis:
    """A client of the cache's Redis (its own connection pool, made once per process)."""
    return redis.Redis.from_url(settings.CACHES["default"]["LOCATION"])


class AtomicWindow(throttling.SimpleRateThrottle):
    """Comes after DRF's class in a throttle's bases, so that ScopedRateThrottle first finds its
    scope and rate, then calls this."""

    def get_ident(self, request):
        return client_ip(request)

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = now = self.timer()
        # Its own key: DRF's history under the old one is a list, not a set.
        key = cache.make_and_validate_key(f"window:{self.key}")
        member = f"{now:.6f}:{uuid.uuid4().hex[:8]}"
        client = cache_redis()
        pipe = client.pipeline(transaction=True)
        pipe.zremrangebyscore(key, "-inf", now - self.duration)
        pipe.zadd(key, {member: now})
        pipe.zcard(key)
        pipe.zrange(key, 0, 0, withscores=True)
        pipe.expire(key, int(self.duration) + 1)
        try:
            _, _, count, oldest, _ = pipe.execute()
        except redis.RedisError:  # the limit cannot be counted: serve rather than fail every request
            logger.warning("rate limit not checked: Redis unreachable", exc_info=True)
            return True
        if count > self.num_requests:
            client.zrem(key, member)  # a refused request takes no place in the window
            self.history = [oldest[0][1]] if oldest else []
            return self.throttle_failure()
        return True

    def wait(self):
        """Seconds until the oldest request in the window leaves it."""
        if not getattr(self, "history", None):
            return self.duration
        return max(0.0, self.duration - (self.now - self.history[0]))


class AnonRateThrottle(throttling.AnonRateThrottle, AtomicWindow):
    pass


class UserRateThrottle(throttling.UserRateThrottle, AtomicWindow):
    pass


class ScopedRateThrottle(throttling.ScopedRateThrottle, AtomicWindow):
    pass
