"""Django's Redis cache, safe to lose.

Safe to lose: everything cxops keeps in the cache can be worked out again (API sign-ins are read
from the database, rate counters start again), so when Redis cannot be reached the cache answers
as an empty one that stores nothing, instead of failing the request.  After a failure it does not
try Redis again for `RETRY_AFTER_SECONDS`, so an outage costs one short connection timeout per
process every few seconds, not one per call.  When Redis answers again the `on_recovery` callbacks
run (the API sign-in cache moves its generation on: an entry cached before the outage may predate
a change that could not be recorded while Redis was away).
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable
from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from redis.retry import Retry

logger = logging.getLogger(__name__)

RETRY_AFTER_SECONDS = 5.0
# Connecting to or waiting on an unreachable Redis: short and not retried (redis-py retries three
# times with backoff by default), so a request still answers in time.
DEFAULT_POOL_OPTIONS = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5, "retry": Retry(NoBackoff(), 0)}
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
_recovery_callbacks: list[Callable[[], None]] = []


def on_recovery(callback: Callable[[], None]) -> None:
    """Run `callback` whenever a cache that could not reach Redis reaches it again."""
    if callback not in _recovery_callbacks:
        _recovery_callbacks.append(callback)


def _degrades_to(fallback: Callable[..., Any]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Run the cache operation on Redis; while Redis cannot be reached, answer `fallback(...)`."""

    def decorate(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def run(self: RedisCache, *args: Any, **kwargs: Any) -> Any:
            if self._down_until and not self._back_again():
                return fallback(*args, **kwargs)
            try:
                return method(self, *args, **kwargs)
            except UNAVAILABLE as error:
                self._went_away(error)
                return fallback(*args, **kwargs)

        return run

    return decorate


def _default(key: Any, default: Any = None, *args: Any, **kwargs: Any) -> Any:
    return default


def _missing(key: Any, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"Key '{key}' not found (cache unavailable)")


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        options = params.get("OPTIONS", {})
        params = {**params, "OPTIONS": {**DEFAULT_POOL_OPTIONS, **options}}
        super().__init__(server, params)
        self._down_until = 0.0

    def _went_away(self, error: BaseException) -> None:
        if not self._down_until:
            logger.warning("cache: Redis unreachable (%s); answering as an empty cache", error)
        self._down_until = time.monotonic() + RETRY_AFTER_SECONDS

    def _back_again(self) -> bool:
        """After an outage, once the wait is over: is Redis back?  If so the recovery callbacks
        run before the call that found it back (they may invalidate what that call reads)."""
        if time.monotonic() < self._down_until:
            return False
        try:
            self._cache.get_client(None, write=True).ping()  # type: ignore[attr-defined]
        except UNAVAILABLE as error:
            self._went_away(error)
            return False
        self._down_until = 0.0
        logger.warning("cache: Redis reachable again")
        for callback in list(_recovery_callbacks):
            callback()
        return True

    get = _degrades_to(_default)(DjangoRedisCache.get)
    get_many = _degrades_to(lambda keys, *a, **k: {})(DjangoRedisCache.get_many)
    has_key = _degrades_to(lambda *a, **k: False)(DjangoRedisCache.has_key)
    add = _degrades_to(lambda *a, **k: False)(DjangoRedisCache.add)
    set = _degrades_to(lambda *a, **k: None)(DjangoRedisCache.set)
    set_many = _degrades_to(lambda data, *a, **k: list(data))(DjangoRedisCache.set_many)
    touch = _degrades_to(lambda *a, **k: False)(DjangoRedisCache.touch)
    delete = _degrades_to(lambda *a, **k: False)(DjangoRedisCache.delete)
    delete_many = _degrades_to(lambda *a, **k: None)(DjangoRedisCache.delete_many)
    incr = _degrades_to(_missing)(DjangoRedisCache.incr)
    clear = _degrades_to(lambda *a, **k: False)(DjangoRedisCache.clear)
