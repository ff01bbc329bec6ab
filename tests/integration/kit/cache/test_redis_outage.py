"""A Redis outage degrades cache-aside to the loader; it never fails or stalls a lookup.

Runs a private redis-server (no persistence) so it can be killed and restarted mid-test.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
import redis.asyncio as aioredis

from tests.support.servers import free_port, wait_for_port
from yys.kit.cache import CacheAside, RedisCache

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server not installed"),
]

# Each lookup during the outage must come back about as fast as the loader itself.
FAST = 0.25


@contextmanager
def redis_server(port: int) -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for_port("127.0.0.1", port)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


async def test_lookups_survive_redis_going_away_and_use_it_again_when_back() -> None:
    port = free_port()
    client = aioredis.from_url(f"redis://127.0.0.1:{port}/0", socket_timeout=0.5,
                               socket_connect_timeout=0.5)
    # A short breaker window keeps the test quick; production uses the default.
    backend = RedisCache(client, prefix="outage:", retry_after=0.3)
    cache: CacheAside[str] = CacheAside(backend, name="outage", encode=str.encode,
                                        decode=bytes.decode)
    calls = 0

    async def load() -> str:
        nonlocal calls
        calls += 1
        return "from-db"

    try:
        with redis_server(port) as proc:
            assert await cache.get("k", load) == "from-db"
            assert await cache.get("k", load) == "from-db"
            assert calls == 1  # the second lookup was a hit
            proc.kill()
            proc.wait()

        started = time.monotonic()
        for _ in range(20):
            t0 = time.monotonic()
            assert await cache.get("k", load) == "from-db"
            assert time.monotonic() - t0 < FAST
        assert calls == 21  # every lookup fell through to the loader
        assert time.monotonic() - started < 20 * FAST

        with redis_server(port):
            deadline = time.monotonic() + 10
            while True:  # after the breaker window, the first lookup refills the cache
                before = calls
                assert await cache.get("k", load) == "from-db"
                if calls == before:
                    break
                assert time.monotonic() < deadline, "cache never came back"
                await asyncio.sleep(0.1)
            hits_from = calls
            for _ in range(5):
                assert await cache.get("k", load) == "from-db"
            assert calls == hits_from
    finally:
        await backend.close()
