"""Backends for the cache behaviour suite: every test runs on both adapters of the port."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from yys.kit.cache import MemoryCache, RedisCache
from yys.kit.cache.ports import CacheBackend

BackendFactory = Callable[[], CacheBackend]


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
def _redis_url_or_none(request: pytest.FixtureRequest) -> str | None:
    # Resolved from a sync fixture: the async `redis_url` fixture is set up on the test's loop.
    if request.param == "memory":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def make_backend(_redis_url_or_none: str | None) -> AsyncIterator[BackendFactory]:
    """Builds backends that share one store, like several processes sharing one Redis: the
    memory adapter hands out the same object, the Redis adapter a new client each time."""
    url = _redis_url_or_none
    opened: list[CacheBackend] = []
    shared = MemoryCache()
    prefix = f"test:{uuid.uuid4().hex[:8]}:"

    def factory() -> CacheBackend:
        if url is None:
            return shared
        backend = RedisCache.from_url(url, prefix=prefix)
        opened.append(backend)
        return backend

    yield factory
    for backend in opened:
        await backend.close()


@pytest.fixture
def backend(make_backend: BackendFactory) -> CacheBackend:
    return make_backend()
