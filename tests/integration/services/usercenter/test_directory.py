"""Cached user reads (token check, profile client) and invalidation on writes."""

from __future__ import annotations

import pytest

from yys.kit.auth.tokens import Claims
from yys.kit.cache import MemoryCache
from yys.kit.db import Database
from yys.kit.errors import Unauthorized
from yys.kit.settings import Settings
from yys.services.usercenter.directory import UserDirectory, snapshot_cache
from yys.services.usercenter.domain import NewUser
from yys.services.usercenter.local_client import LocalUsercenterClient


@pytest.fixture
def cache() -> MemoryCache:
    return MemoryCache()


@pytest.fixture
def directory(db: Database, cache: MemoryCache) -> UserDirectory:
    return UserDirectory(db, snapshot_cache(cache, Settings(cache_ttl_seconds=60)))


async def _create(directory: UserDirectory, mobile: str, nickname: str) -> int:
    async with directory.writing() as repo:
        return await repo.create(NewUser(mobile=mobile, password_hash="", nickname=nickname,
                                         avatar=f"https://a/{mobile}.png", info="i"))


def _claims(user_id: int) -> Claims:
    return Claims(subject=user_id, audience="yys-user", issued_at=0, expires_at=0, extra={})


async def test_profiles(directory: UserDirectory) -> None:
    a = await _create(directory, "13800000001", "张三")
    b = await _create(directory, "13800000002", "Alice")
    client = LocalUsercenterClient(directory)
    profiles = await client.get_profiles([b, a, a, 99999])
    assert set(profiles) == {a, b}
    assert profiles[a].nickname == "张三"
    assert profiles[b].avatar == "https://a/13800000002.png"
    assert await client.get_profile(99999) is None
    assert await client.get_profiles([]) == {}
    profile = await client.get_profile(a)
    assert profile is not None
    assert profile.id == a


async def test_cache_serves_repeat_reads(directory: UserDirectory, cache: MemoryCache,
                                         db: Database) -> None:
    user_id = await _create(directory, "13800000001", "张三")
    assert (await directory.get(user_id)) is not None
    assert await cache.get(f"usercenter:user:{user_id}") is not None
    await db.dispose()  # the pool reconnects lazily; a cached read must not need it anyway
    assert (await directory.get_many([user_id]))[user_id].nickname == "张三"


async def test_unknown_ids_are_negatively_cached_and_writes_invalidate(
        directory: UserDirectory, cache: MemoryCache) -> None:
    assert await directory.get(1) is None
    assert await cache.get("usercenter:user:1") == b"\x00"
    user_id = await _create(directory, "13800000001", "张三")
    assert user_id == 1
    assert await directory.get(1) is not None  # the tombstone went with the insert


async def test_disable_invalidates_and_token_check_rejects(directory: UserDirectory) -> None:
    user_id = await _create(directory, "13800000001", "张三")
    await directory.check_claims(_claims(user_id))
    async with directory.writing() as repo:
        await repo.set_disabled(user_id, disabled=True)
    with pytest.raises(Unauthorized):
        await directory.check_claims(_claims(user_id))
    with pytest.raises(Unauthorized):
        await directory.check_claims(_claims(user_id + 1000))
    # Profiles of disabled users stay visible to other services (old comments keep their author).
    assert (await directory.get(user_id)) is not None


async def test_failed_write_keeps_cache(directory: UserDirectory, cache: MemoryCache) -> None:
    user_id = await _create(directory, "13800000001", "张三")
    await directory.get(user_id)
    with pytest.raises(RuntimeError):
        async with directory.writing() as repo:
            await repo.set_disabled(user_id, disabled=True)
            raise RuntimeError("boom")
    snapshot = await directory.get(user_id)
    assert snapshot is not None
    assert not snapshot.disabled
