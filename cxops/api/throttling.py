"""Per-user API rate limit at a constant cost per request.

DRF's `UserRateThrottle` keeps, per user, the list of every request time within the period and
reads and rewrites the whole list on each request: at our rate (100,000 an hour) a busy
touchpoint system's list holds tens of thousands of entries, and the throttle becomes the slowest
part of every call.  This one counts requests in fixed windows with Django's cache (`add` then
`incr`, atomic on Redis); same settings (`DEFAULT_THROTTLE_RATES["user"]`), same 429 with
Retry-After.
A client can send up to twice the rate across a window boundary: acceptable for a guard against
one client starving the others, which is what it is for.  While Redis cannot be reached the limit
is not applied (fail open, like the cache: see cxops.cache), and Redis is not tried again for a few
seconds, so an outage does not add a connection timeout to every call.

Every caller is counted by user (an API client's token belongs to one user).  An earlier version
counted token callers inside their sign-in's cache round trip; `bench/load.py` found no measurable
gain (application CPU per API call within its run-to-run spread), so the library's path is used.
"""

from __future__ import annotations

import time
from typing import Any

from rest_framework.throttling import UserRateThrottle


class FixedWindowUserRateThrottle(UserRateThrottle):
    # Set by SimpleRateThrottle.__init__ from the rate (DRF's stubs do not declare them).
    num_requests: int
    duration: int

    def allow_request(self, request: Any, view: Any) -> bool:
        if self.rate is None:
            return True
        now = self.timer()
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
    """Add one to the window's counter and return it (add + incr: atomic on Redis, and within a
    process on the local cache; 1 while Redis cannot be reached, so nobody is limited)."""
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=timeout)
        return 1
