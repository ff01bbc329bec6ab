"""Cache-aside with singleflight, negative caching and jittered TTLs.

- Singleflight in two layers: concurrent misses in one process share one future; across
  processes the first one to take a short backend lock loads, the others poll the cache briefly.
- An absent row is cached as a tombstone for a shorter TTL, so unknown ids do not hammer the DB.
- TTLs are jittered so entries written together do not expire together.
- Any backend failure degrades to calling the loader: the cache is an optimisation, never a
  dependency.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

from yys.kit.cache.ports import CacheBackend, CacheUnavailableError
from yys.kit.observability.metrics import CACHE_LOADS, CACHE_REQUESTS

T = TypeVar("T")

_TOMBSTONE = b"\x00"


class CacheAside(Generic[T]):
    def __init__(
        self,
        backend: CacheBackend,
        *,
        name: str,
        encode: Callable[[T], bytes],
        decode: Callable[[bytes], T],
        ttl: float = 300.0,
        negative_ttl: float = 30.0,
        jitter: float = 0.1,
        enabled: bool = True,
        lock_ttl: float = 5.0,
        lock_wait: float = 1.0,
    ) -> None:
        self._backend = backend
        self._name = name
        self._encode = encode
        self._decode = decode
        self._ttl = ttl
        self._negative_ttl = negative_ttl
        self._jitter = jitter
        self._enabled = enabled
        self._lock_ttl = lock_ttl
        self._lock_wait = lock_wait
        self._inflight: dict[str, asyncio.Future[T | None]] = {}
        # Bound once: `labels()` on every lookup costs more than the lookup itself.
        self._hit = CACHE_REQUESTS.labels(name, "hit")
        self._miss = CACHE_REQUESTS.labels(name, "miss")
        self._negative_hit = CACHE_REQUESTS.labels(name, "negative_hit")
        self._bypass = CACHE_REQUESTS.labels(name, "bypass")
        self._loads = CACHE_LOADS.labels(name)

    def _key(self, key: str) -> str:
        return f"{self._name}:{key}"

    def _jittered(self, ttl: float) -> float:
        return ttl * (1.0 + random.uniform(-self._jitter, self._jitter))

    async def get(self, key: str, loader: Callable[[], Awaitable[T | None]]) -> T | None:
        if not self._enabled:
            self._bypass.inc()
            return await loader()
        full = self._key(key)
        found, value = await self._lookup(full)
        if found:
            return value
        pending = self._inflight.get(full)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[T | None] = asyncio.get_running_loop().create_future()
        self._inflight[full] = future
        try:
            result = await self._load_once(full, loader)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # mark retrieved: waiters may not exist
            raise
        else:
            future.set_result(result)
            return result
        finally:
            self._inflight.pop(full, None)

    async def _lookup(self, full: str) -> tuple[bool, T | None]:
        try:
            raw = await self._backend.get(full)
        except CacheUnavailableError:
            self._bypass.inc()
            return False, None
        if raw is None:
            self._miss.inc()
            return False, None
        if raw == _TOMBSTONE:
            self._negative_hit.inc()
            return True, None
        self._hit.inc()
        return True, self._decode(raw)

    async def _load_once(self, full: str, loader: Callable[[], Awaitable[T | None]]) -> T | None:
        token = await self._try_lock(full)
        if token is None:
            # Another process is loading this key: give it a moment to fill the cache.
            waited = 0.0
            while waited < self._lock_wait:
                await asyncio.sleep(0.01)
                waited += 0.01
                found, value = await self._peek(full)
                if found:
                    return value
        try:
            self._loads.inc()
            value = await loader()
            await self._store(full, value)
            return value
        finally:
            if token is not None:
                await self._unlock(full, token)

    async def _peek(self, full: str) -> tuple[bool, T | None]:
        try:
            raw = await self._backend.get(full)
        except CacheUnavailableError:
            return False, None
        if raw is None:
            return False, None
        return True, (None if raw == _TOMBSTONE else self._decode(raw))

    async def _try_lock(self, full: str) -> str | None:
        try:
            return await self._backend.try_lock(full, self._lock_ttl)
        except CacheUnavailableError:
            return ""  # no lock service: load directly, nobody to wait for

    async def _unlock(self, full: str, token: str) -> None:
        if not token:
            return
        try:
            await self._backend.unlock(full, token)
        except CacheUnavailableError:
            pass

    async def _store(self, full: str, value: T | None) -> None:
        try:
            if value is None:
                await self._backend.set(full, _TOMBSTONE, self._jittered(self._negative_ttl))
            else:
                await self._backend.set(full, self._encode(value), self._jittered(self._ttl))
        except CacheUnavailableError:
            pass

    async def invalidate(self, *keys: str) -> None:
        """Drop entries after a write. A failure here is logged by the backend's counter; the
        short TTL bounds how long a stale entry can live."""
        try:
            await self._backend.delete(*(self._key(k) for k in keys))
        except CacheUnavailableError:
            pass
