"""CacheAside over both adapters: singleflight, negative caching, jitter, invalidation."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.integration.kit.cache.conftest import BackendFactory
from yys.kit.cache import CacheAside
from yys.kit.cache.ports import CacheBackend


def _aside(backend: CacheBackend, **kwargs: Any) -> CacheAside[str]:
    return CacheAside(backend, name="test", encode=str.encode, decode=bytes.decode, **kwargs)


class Loader:
    """Counts calls; slow enough that concurrent misses really overlap."""

    def __init__(self, value: str | None = "loaded", delay: float = 0.05) -> None:
        self.value, self.delay, self.calls = value, delay, 0

    async def __call__(self) -> str | None:
        self.calls += 1
        await asyncio.sleep(self.delay)
        return self.value


async def test_concurrent_misses_in_one_process_load_once(backend: CacheBackend) -> None:
    cache, load = _aside(backend), Loader()
    results = await asyncio.gather(*(cache.get("k", load) for _ in range(50)))
    assert results == ["loaded"] * 50
    assert load.calls == 1
    assert await cache.get("k", load) == "loaded"
    assert load.calls == 1


async def test_concurrent_misses_across_two_processes_load_once(
        make_backend: BackendFactory) -> None:
    first, second = _aside(make_backend()), _aside(make_backend())
    load = Loader(delay=0.1)
    results = await asyncio.gather(*(c.get("k", load) for _ in range(25)
                                     for c in (first, second)))
    assert results == ["loaded"] * 50
    assert load.calls == 1


async def test_absent_values_are_cached_for_the_negative_ttl(backend: CacheBackend) -> None:
    cache, load = _aside(backend, negative_ttl=0.2, jitter=0.0), Loader(value=None)
    for _ in range(5):
        assert await cache.get("missing", load) is None
    assert load.calls == 1
    await asyncio.sleep(0.3)
    assert await cache.get("missing", load) is None
    assert load.calls == 2


async def test_invalidation_forces_a_reload(backend: CacheBackend) -> None:
    cache, load = _aside(backend), Loader()
    await cache.get("a", load)
    await cache.get("b", load)
    load.value = "fresh"
    await cache.invalidate("a", "b")
    assert [await cache.get("a", load), await cache.get("b", load)] == ["fresh", "fresh"]
    assert load.calls == 4


async def test_disabled_cache_always_loads(backend: CacheBackend) -> None:
    cache, load = _aside(backend, enabled=False), Loader(delay=0)
    for _ in range(3):
        await cache.get("k", load)
    assert load.calls == 3
    assert await backend.get("test:k") is None


class RecordingBackend:
    """Wraps a backend and records the TTL of every write."""

    def __init__(self, inner: CacheBackend) -> None:
        self.inner = inner
        self.name = inner.name
        self.ttls: list[float] = []

    async def set(self, key: str, value: bytes, ttl: float) -> None:
        self.ttls.append(ttl)
        await self.inner.set(key, value, ttl)

    def __getattr__(self, attr: str) -> object:
        return getattr(self.inner, attr)


@pytest.mark.parametrize(("value", "ttl_kw"), [("v", "ttl"), (None, "negative_ttl")])
async def test_ttls_are_jittered_within_bounds(backend: CacheBackend, value: str | None,
                                               ttl_kw: str) -> None:
    recorder = RecordingBackend(backend)
    cache = _aside(recorder, **{ttl_kw: 100.0, "jitter": 0.2})  # type: ignore[arg-type]
    for n in range(40):
        await cache.get(f"k{n}", Loader(value=value, delay=0))
    assert len(recorder.ttls) == 40
    assert all(80.0 <= t <= 120.0 for t in recorder.ttls)
    assert len({round(t, 6) for t in recorder.ttls}) > 30  # really spread, not one value
