"""Redis cache adapter with a small circuit breaker.

When Redis fails, every call would otherwise wait for a connect timeout; after one failure the
breaker skips Redis for `retry_after` seconds so requests go straight to the database.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from yys.kit.cache.ports import CacheUnavailableError
from yys.kit.observability.metrics import CACHE_ERRORS

_UNLOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


class RedisCache:
    name = "redis"

    def __init__(self, client: aioredis.Redis, *, prefix: str = "yys:cache:",
                 retry_after: float = 2.0) -> None:
        self._client = client
        self._prefix = prefix
        self._retry_after = retry_after
        self._down_until = 0.0
        CACHE_ERRORS.labels(self.name)  # exported as 0 from the start: alerts see the first error

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "yys:cache:") -> RedisCache:
        client = aioredis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                   health_check_interval=15)
        return cls(client, prefix=prefix)

    async def _call(self, method: str, *args: Any, **kwargs: Any) -> Any:
        if self._down_until > time.monotonic():
            raise CacheUnavailableError("redis marked down")
        try:
            return await getattr(self._client, method)(*args, **kwargs)
        except (RedisError, OSError) as exc:
            CACHE_ERRORS.labels(self.name).inc()
            self._down_until = time.monotonic() + self._retry_after
            raise CacheUnavailableError(str(exc)) from exc

    async def get(self, key: str) -> bytes | None:
        value = await self._call("get", self._prefix + key)
        return value if value is None else bytes(value)

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        await self._call("set", self._prefix + key, value, px=max(1, int(ttl * 1000)))

    async def delete(self, *keys: str) -> None:
        if keys:
            await self._call("delete", *(self._prefix + k for k in keys))

    async def try_lock(self, key: str, ttl: float) -> str | None:
        token = uuid.uuid4().hex
        ok = await self._call("set", self._prefix + "lock:" + key, token, nx=True,
                              px=max(1, int(ttl * 1000)))
        return token if ok else None

    async def unlock(self, key: str, token: str) -> None:
        await self._call("eval", _UNLOCK, 1, self._prefix + "lock:" + key, token)

    async def ping(self) -> None:
        # Readiness must see the real state, not the breaker's memory of it.
        try:
            await self._client.ping()
        except (RedisError, OSError) as exc:
            raise CacheUnavailableError(str(exc)) from exc
        self._down_until = 0.0

    async def close(self) -> None:
        await self._client.aclose()
