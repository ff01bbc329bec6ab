"""The cache port's behaviour, identical for the in-process and the Redis adapter."""

from __future__ import annotations

import asyncio

from yys.kit.cache.ports import CacheBackend


async def test_get_of_a_missing_key_is_none(backend: CacheBackend) -> None:
    assert await backend.get("nothing-here") is None


async def test_set_get_and_overwrite(backend: CacheBackend) -> None:
    await backend.set("k", b"\x00\x01binary", 10)
    assert await backend.get("k") == b"\x00\x01binary"
    await backend.set("k", "新的".encode(), 10)
    assert (await backend.get("k") or b"").decode() == "新的"


async def test_entries_expire_after_their_ttl(backend: CacheBackend) -> None:
    await backend.set("short", b"v", 0.15)
    await backend.set("long", b"v", 10)
    await asyncio.sleep(0.3)
    assert await backend.get("short") is None
    assert await backend.get("long") == b"v"


async def test_delete_removes_several_keys_and_ignores_unknown_ones(backend: CacheBackend) -> None:
    for key in ("a", "b", "c"):
        await backend.set(key, b"1", 10)
    await backend.delete("a", "b", "unknown")
    await backend.delete()
    assert [await backend.get(k) for k in ("a", "b", "c")] == [None, None, b"1"]


async def test_lock_is_exclusive_and_only_its_token_releases_it(backend: CacheBackend) -> None:
    token = await backend.try_lock("job", 10)
    assert token
    assert await backend.try_lock("job", 10) is None
    await backend.unlock("job", "someone-else")
    assert await backend.try_lock("job", 10) is None
    await backend.unlock("job", token)
    again = await backend.try_lock("job", 10)
    assert again and again != token


async def test_a_lock_expires_when_its_holder_vanishes(backend: CacheBackend) -> None:
    assert await backend.try_lock("crashed", 0.15)
    await asyncio.sleep(0.3)
    assert await backend.try_lock("crashed", 10)


async def test_locks_do_not_collide_with_values(backend: CacheBackend) -> None:
    await backend.set("same", b"value", 10)
    assert await backend.try_lock("same", 10)
    assert await backend.get("same") == b"value"


async def test_ping(backend: CacheBackend) -> None:
    await backend.ping()
