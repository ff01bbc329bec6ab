"""Fixed-window rate limiting behind a port: in-process or Redis.

The Redis adapter fails open: if Redis is down we would rather serve logins than lock everyone
out; the in-process limiter of each replica still applies in that case.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol

import redis.asyncio as aioredis
from redis.exceptions import RedisError


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    retry_after: int


class RateLimiter(Protocol):
    async def hit(self, key: str, *, limit: int, window: int) -> Decision: ...

    async def reset(self, key: str) -> None: ...


class MemoryRateLimiter:
    def __init__(self, *, max_keys: int = 100_000) -> None:
        self._windows: dict[str, tuple[int, int]] = {}
        self._max_keys = max_keys

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        now = int(time.time())
        start = now - now % window
        current_start, count = self._windows.get(key, (start, 0))
        if current_start != start:
            count = 0
        count += 1
        if len(self._windows) >= self._max_keys:
            self._windows.clear()  # bounded memory beats perfect accounting under attack
        self._windows[key] = (start, count)
        return Decision(count <= limit, start + window - now)

    async def reset(self, key: str) -> None:
        self._windows.pop(key, None)


class RedisRateLimiter:
    def __init__(self, client: aioredis.Redis, *, prefix: str = "yys:rl:",
                 fallback: MemoryRateLimiter | None = None) -> None:
        self._client = client
        self._prefix = prefix
        self._fallback = fallback or MemoryRateLimiter()

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        now = int(time.time())
        start = now - now % window
        full = f"{self._prefix}{key}:{start}"
        try:
            pipe = self._client.pipeline(transaction=True)
            pipe.incr(full)
            pipe.expire(full, window + 1)
            count, _ = await pipe.execute()
        except (RedisError, OSError):
            return await self._fallback.hit(key, limit=limit, window=window)
        return Decision(int(count) <= limit, start + window - now)

    async def reset(self, key: str) -> None:
        try:
            keys = [k async for k in self._client.scan_iter(match=f"{self._prefix}{key}:*")]
            if keys:
                await self._client.delete(*keys)
        except (RedisError, OSError):
            pass
        await self._fallback.reset(key)
