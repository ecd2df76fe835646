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

import time
from typing import Any

from rest_framework.throttling import UserRateThrottle

COUNTED_ATTRIBUTE = "_cxops_throttle_count"


class FixedWindowUserRateThrottle(UserRateThrottle):
    # Set by SimpleRateThrottle.__init__ from the rate (DRF's stubs do not declare them).
    num_requests: int
    duration: int

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
        return max(1.0, float(getattr(self, "retry_after", self.duration)))

    timer = staticmethod(time.time)


def _count(key: str, timeout: int, cache: Any) -> int:
    """Add one to the window's counter and return it: on Redis, SET NX EX + INCR in one round trip
    (0 while Redis cannot be reached: not limited); otherwise through Django's cache (add + incr,
    atomic within a process)."""
    if hasattr(cache, "count"):  # cxops.cache.RedisCache
        count = cache.count(key, timeout)
        return 0 if count is None else count
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
