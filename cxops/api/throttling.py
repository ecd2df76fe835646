"""Per-user API rate limit at a constant cost per request.

DRF's `UserRateThrottle` keeps, per user, the list of every request time within the period and
reads and rewrites the whole list on each request: at our rate (100,000 an hour) a busy
touchpoint system's list holds tens of thousands of entries, and the throttle becomes the slowest
part of every call.  This one counts requests in fixed windows with an atomic increment (one
Redis round trip: SET NX EX and INCR pipelined); same settings (`DEFAULT_THROTTLE_RATES["user"]`), same 429 with Retry-After.
A client can send up to twice the rate across a window boundary: acceptable for a guard against
one client starving the others, which is what it is for.
"""

from __future__ import annotations

import functools
import time
from typing import Any

from django.conf import settings
from rest_framework.throttling import UserRateThrottle


class FixedWindowUserRateThrottle(UserRateThrottle):
    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        now = self.timer()
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

    return redis.Redis.from_url(settings.REDIS_URL)


def _count(key: str, timeout: int, fallback_cache: Any) -> int:
    """Add one to the window's counter and return it: with Redis, SET NX EX + INCR in one round trip;
    otherwise through Django's cache (add + incr, atomic within a process)."""
    if settings.REDIS_URL:
        pipe = _redis().pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)  # a new window's counter, with its expiry
        pipe.incr(key)
        return int(pipe.execute()[1])
    fallback_cache.add(key, 0, timeout=timeout)
    try:
        return fallback_cache.incr(key)
    except ValueError:  # expired between add and incr
        fallback_cache.add(key, 1, timeout=timeout)
        return 1
