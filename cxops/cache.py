"""Django's Redis cache, without building a new Redis client object on every call.

`django.core.cache.backends.redis.RedisCacheClient.get_client` makes a `redis.Redis` around the
(reused) connection pool for each cache operation; with redis-py 8 that object costs more to set
up than the round trip to Redis itself (callbacks, retry and observability hooks).  A client is
thread-safe and holds no connection of its own, so one per pool is kept and reused.  Measured by
bench/load.py: the signed-in API calls each make one or two cache calls.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = self._client(connection_pool=self._get_connection_pool(write))
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = RedisCacheClient
