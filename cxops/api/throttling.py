"""Per-user API rate limit at a constant cost per request.

DRF's `UserRateThrottle` keeps, per user, the list of every request time within the period and
reads and rewrites the whole list on each request: at our rate (100,000 an hour) a busy
touchpoint system's list holds tens of thousands of entries, and the throttle becomes the slowest
part of every call.  This one counts requests in fixed windows with an atomic increment (one
Redis round trip: SET NX EX and INCR pipelined); same settings (`DEFAULT_THROTTLE_RATES["user"]`), same 429 with Retry-After.
A client can send up to twice the rate across a window boundary: acceptable for a guard against
one client starving the others, which is what it is for.  While Redis cannot be reached the limit
is not applied (fail open, like the cache: see cxops.cache), and Redis is not tried again for a few
seconds, so an outage does not add a connection timeout to every call.

API clients signing in with a token are counted by token (a user has one token), in the same
Redis round trip as their sign-in (`counter_for_token`, used by cxops.api.auth): under load every
round trip costs a context switch to Redis and back.  Everyone else, browser sessions included, is
counted by user, here.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Any

from django.conf import settings
from rest_framework.throttling import UserRateThrottle

from cxops.cache import RETRY_AFTER_SECONDS, UNAVAILABLE

logger = logging.getLogger(__name__)


COUNTED_ATTRIBUTE = "_cxops_throttle_count"


class FixedWindowUserRateThrottle(UserRateThrottle):
    @classmethod
    def counter_for_token(cls, digest: str) -> tuple[str, int] | None:
        """The Redis key and expiry of the current window's counter for the token with this
        digest, or None when no rate is set."""
        throttle = cls()
        if throttle.rate is None:
            return None
        window = int(throttle.timer() // throttle.duration)
        return f"throttle_{throttle.scope}_token_{digest}:{window}", throttle.duration + 1

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        now = self.timer()
        counted = getattr(request, COUNTED_ATTRIBUTE, None)  # (scope, count), by the sign-in
        if counted is not None and counted[0] == self.scope:
            self.retry_after = (int(now // self.duration) + 1) * self.duration - now
            return counted[1] <= self.num_requests
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        window = int(now // self.duration)
        key = f"{self.key}:{window}"
        self.retry_after = (window + 1) * self.duration - now
        return _count(key, self.duration + 1, self.cache) <= self.num_requests

    def wait(self) -> float:
        return max(1.0, getattr(self, "retry_after", self.duration))

    timer = staticmethod(time.time)


@functools.cache
def _redis() -> Any:
    import redis

    from cxops.cache import DEFAULT_POOL_OPTIONS

    return redis.Redis.from_url(settings.REDIS_URL, **DEFAULT_POOL_OPTIONS)


_redis_down_until = 0.0


def _count(key: str, timeout: int, fallback_cache: Any) -> int:
    """Add one to the window's counter and return it: with Redis, SET NX EX + INCR in one round trip;
    otherwise through Django's cache (add + incr, atomic within a process)."""
    if settings.REDIS_URL:
        global _redis_down_until
        if _redis_down_until and time.monotonic() < _redis_down_until:
            return 0
        pipe = _redis().pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)  # a new window's counter, with its expiry
        pipe.incr(key)
        try:
            count = int(pipe.execute()[1])
        except UNAVAILABLE as error:
            if not _redis_down_until:
                logger.warning("throttle: Redis unreachable (%s); not limiting for now", error)
            _redis_down_until = time.monotonic() + RETRY_AFTER_SECONDS
            return 0
        _redis_down_until = 0.0
        return count
    fallback_cache.add(key, 0, timeout=timeout)
    try:
        return fallback_cache.incr(key)
    except ValueError:  # expired between add and incr
        fallback_cache.add(key, 1, timeout=timeout)
        return 1
