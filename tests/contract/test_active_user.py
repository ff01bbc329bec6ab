"""The active-user check against usercenter over real gRPC: remembered briefly when remote, never
in-process; a disabled user is refused within the memory's time-to-live."""

from __future__ import annotations

from typing import Any

import pytest
from prometheus_client import REGISTRY

from tests.contract.conftest import World
from yys.clients import Clients, active_user
from yys.clients.active_user import ActiveUsers
from yys.kit.auth.tokens import Claims
from yys.kit.errors import Unauthorized


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _claims(user_id: int) -> Claims:
    return Claims(subject=user_id, audience="yys-user", issued_at=0, expires_at=0, extra={})


def _profile_calls() -> float:
    return REGISTRY.get_sample_value("yys_rpc_server_requests_total", {
        "rpc_service": "yys.usercenter.v1.UsercenterService", "rpc_method": "GetProfile",
        "grpc_code": "OK"}) or 0.0


def _local(world: World) -> Any:
    return next(s.local_client for s in world.process.services if s.name == "usercenter")


async def _set_disabled(world: World, user_id: int, disabled: bool) -> None:
    # Through usercenter's own directory, which invalidates its cache on commit (as the back
    # office's disable does).
    async with _local(world)._directory.writing() as repo:
        await repo.set_disabled(user_id, disabled=disabled)


async def test_remote_check_remembers_active_users_until_the_ttl(world: World) -> None:
    clients, clock = Clients(), Clock()
    clients.bind("usercenter", world.served.client("usercenter"))
    check = active_user(clients, memory=ActiveUsers(ttl=5.0, clock=clock))
    guest = world.guests[0]

    calls = _profile_calls()
    await check(_claims(guest))
    await check(_claims(guest))
    await check(_claims(guest))
    assert _profile_calls() - calls == 1  # one hop, then remembered

    await _set_disabled(world, guest, True)
    clock.now += 4.9
    await check(_claims(guest))  # the documented window: still remembered as active
    clock.now += 0.2
    with pytest.raises(Unauthorized):  # past the TTL: asked again, refused
        await check(_claims(guest))
    with pytest.raises(Unauthorized):  # a refusal is never remembered...
        await check(_claims(guest))
    await _set_disabled(world, guest, False)
    await check(_claims(guest))  # ...so enabling again works at once
    with pytest.raises(Unauthorized):
        await check(_claims(999_999))  # no such user


async def test_in_process_check_is_not_remembered_and_sees_a_disable_at_once(world: World) -> None:
    clients, memory = Clients(), ActiveUsers(ttl=60.0)
    clients.bind("usercenter", _local(world))
    check = active_user(clients, memory=memory)
    guest = world.guests[1]
    await check(_claims(guest))
    assert len(memory) == 0
    await _set_disabled(world, guest, True)
    with pytest.raises(Unauthorized):
        await check(_claims(guest))


def test_the_memory_is_bounded_and_forgets_the_oldest_first() -> None:
    clock = Clock()
    users = ActiveUsers(ttl=5.0, max_entries=3, clock=clock)
    for uid in (1, 2, 3):
        users.remember(uid)
    users.remember(1)  # 1 is the youngest again
    users.remember(4)  # full: 2, the oldest, leaves
    assert (users.fresh(1), users.fresh(2), users.fresh(3), users.fresh(4)) == (True, False, True, True)
    assert len(users) == 3
    users.forget(3)
    assert not users.fresh(3)
    clock.now += 5.0
    assert not users.fresh(1) and len(users) == 1
