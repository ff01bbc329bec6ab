"""The login rate limits on both limiter adapters: in-process and real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import pytest

from tests.support import servers
from tests.unit.services.usercenter.fakes import FakeHasher, FakeUserRepository, FakeWx
from yys.kit.auth.keys import SigningKey, generate_private_key_pem
from yys.kit.auth.tokens import TokenService
from yys.kit.ratelimit import MemoryRateLimiter, RateLimiter, RedisRateLimiter
from yys.services.usercenter.domain import LoginRateLimited, WrongCredentials
from yys.services.usercenter.service import LoginLimits, UsercenterService


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def limiter(request: pytest.FixtureRequest) -> AsyncIterator[RateLimiter]:
    if request.param == "memory":
        yield MemoryRateLimiter()
        return
    import redis.asyncio as aioredis

    # The test database of the shared fixtures, with a key prefix of our own instead of a flush
    # (an async fixture cannot be requested dynamically from another async fixture).
    client = aioredis.from_url(servers.redis_test_url())
    prefix = f"test:rl:{uuid.uuid4().hex[:8]}:"
    try:
        yield RedisRateLimiter(client, prefix=prefix)
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()


async def test_allows_up_to_the_limit_then_denies(limiter: RateLimiter) -> None:
    decisions = [await limiter.hit("k", limit=3, window=60) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True, True, True, False, False]
    assert all(0 < d.retry_after <= 60 for d in decisions)


async def test_keys_are_independent_and_reset(limiter: RateLimiter) -> None:
    for _ in range(2):
        await limiter.hit("a", limit=1, window=60)
    assert not (await limiter.hit("a", limit=1, window=60)).allowed
    assert (await limiter.hit("b", limit=1, window=60)).allowed
    await limiter.reset("a")
    assert (await limiter.hit("a", limit=1, window=60)).allowed


async def test_login_is_limited_per_mobile(limiter: RateLimiter) -> None:
    tokens = TokenService(SigningKey(generate_private_key_pem()), issuer="t", ttl_seconds=60,
                          refresh_after_seconds=30)
    service = UsercenterService(hasher=FakeHasher(), tokens=tokens, limiter=limiter, wx=FakeWx(),
                                limits=LoginLimits(per_mobile=2, per_client=100, window_seconds=60))
    repo = FakeUserRepository()
    for _ in range(2):
        with pytest.raises(WrongCredentials):
            await service.login(repo=repo, mobile="13800000001", password="x", client="c")
    with pytest.raises(LoginRateLimited) as err:
        await service.login(repo=repo, mobile="13800000001", password="x", client="c")
    assert err.value.retry_after is not None
    assert 1 <= err.value.retry_after <= 60


async def test_redis_down_fails_open_to_the_local_limiter() -> None:
    import redis.asyncio as aioredis

    client = aioredis.from_url("redis://127.0.0.1:1", socket_connect_timeout=0.2)
    try:
        limiter = RedisRateLimiter(client)
        decisions = [await limiter.hit("k", limit=2, window=60) for _ in range(3)]
        assert [d.allowed for d in decisions] == [True, True, False]
    finally:
        await client.aclose()


@pytest.mark.redis
async def test_redis_counts_are_shared_between_replicas() -> None:
    """Two processes (two limiter instances) see one budget: the count really lives in Redis."""
    import redis.asyncio as aioredis

    client = aioredis.from_url(servers.redis_test_url())
    prefix = f"test:rl:{uuid.uuid4().hex[:8]}:"
    try:
        first, second = RedisRateLimiter(client, prefix=prefix), RedisRateLimiter(client, prefix=prefix)
        assert (await first.hit("login:mobile:1", limit=2, window=60)).allowed
        assert (await second.hit("login:mobile:1", limit=2, window=60)).allowed
        assert not (await first.hit("login:mobile:1", limit=2, window=60)).allowed
        await second.reset("login:mobile:1")
        assert (await first.hit("login:mobile:1", limit=2, window=60)).allowed
    finally:
        keys = [k async for k in client.scan_iter(match=f"{prefix}*")]
        if keys:
            await client.delete(*keys)
        await client.aclose()
