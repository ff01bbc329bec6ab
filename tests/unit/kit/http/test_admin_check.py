"""`manager_check`: the manager's current role and state on every request, cached briefly."""

from __future__ import annotations

import asyncio

import pytest

from yys.contracts.admin import AdminRole, ManagerView
from yys.kit.cache import MemoryCache
from yys.kit.errors import Unauthorized
from yys.kit.http.admin import (
    AdminPrincipal,
    invalidate_manager,
    manager_cache_key,
    manager_check,
)


class Directory:
    def __init__(self) -> None:
        self.managers = {7: ManagerView(id=7, username="ops", role="operator", disabled=False)}
        self.lookups = 0

    async def get(self, manager_id: int) -> ManagerView | None:
        self.lookups += 1
        return self.managers.get(manager_id)


TOKEN = AdminPrincipal(7, "ops", AdminRole.SUPERADMIN)  # the role the token was issued with


async def test_current_role_replaces_the_tokens() -> None:
    directory = Directory()
    check = manager_check(directory.get, MemoryCache())
    assert await check(TOKEN) == AdminPrincipal(7, "ops", AdminRole.OPERATOR)
    assert await check(TOKEN) == AdminPrincipal(7, "ops", AdminRole.OPERATOR)
    assert directory.lookups == 1  # the second came from the cache


@pytest.mark.parametrize("change", ["disabled", "deleted", "renamed", "bad-role"])
async def test_refused_after_invalidation(change: str) -> None:
    directory, cache = Directory(), MemoryCache()
    check = manager_check(directory.get, cache)
    await check(TOKEN)
    if change == "deleted":
        del directory.managers[7]
    else:
        directory.managers[7] = ManagerView(
            id=7, username="someone-else" if change == "renamed" else "ops",
            role="root" if change == "bad-role" else "operator", disabled=change == "disabled")
    await invalidate_manager(cache, 7)
    with pytest.raises(Unauthorized) as caught:
        await check(TOKEN)
    assert caught.value.code == 100003


async def test_without_invalidation_the_ttl_bounds_staleness() -> None:
    directory = Directory()
    check = manager_check(directory.get, MemoryCache(), ttl=0.3)
    await check(TOKEN)
    directory.managers[7] = ManagerView(id=7, username="ops", role="viewer", disabled=False)
    assert (await check(TOKEN)).role is AdminRole.OPERATOR  # still cached
    await asyncio.sleep(0.6)
    assert (await check(TOKEN)).role is AdminRole.VIEWER
    directory.managers[7] = ManagerView(id=7, username="ops", role="viewer", disabled=True)
    await asyncio.sleep(0.6)
    with pytest.raises(Unauthorized):
        await check(TOKEN)


async def test_cache_key_is_what_invalidate_drops() -> None:
    cache = MemoryCache()
    check = manager_check(Directory().get, cache)
    await check(TOKEN)
    assert await cache.get(manager_cache_key(7)) is not None
    await invalidate_manager(cache, 7)
    assert await cache.get(manager_cache_key(7)) is None
