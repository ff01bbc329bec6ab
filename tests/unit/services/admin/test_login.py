"""Login over in-memory fakes: one answer for every failure, lockout, per-address limit."""

from __future__ import annotations

import pytest

from tests.unit.services.admin.fakes import Changed, FakeHasher, FakeLimiter, Store, Units
from yys.services.admin.domain import (
    LoginLocked,
    LoginPolicy,
    LoginRateLimited,
    Manager,
    WrongCredentials,
)
from yys.services.admin.login import ClientLimit, LoginService
from yys.services.admin.service import Actor, ManagerPatch, ManagerService


def issue(manager: Manager) -> tuple[str, int]:
    return f"token-{manager.id}-{manager.role.label}", 42


@pytest.fixture
async def units() -> Units:
    units = Units(Store())
    managers = ManagerService(reads=units.reads, writes=units.writes, hasher=FakeHasher(),
                              clock=lambda: units.store.now, changed=Changed())
    await managers.bootstrap(password="right-password")
    ops = await managers.create(actor=Actor(1, "admin"), username="ops", password="ops-password",
                                role="operator")
    await managers.update(actor=Actor(1, "admin"), manager_id=ops.id,
                          patch=ManagerPatch(version=0, disabled=True))
    return units


def login_service(units: Units, limiter: FakeLimiter | None = None) -> LoginService:
    return LoginService(reads=units.reads, writes=units.writes, hasher=FakeHasher(), issue=issue,
                        limiter=limiter or FakeLimiter(), client_limit=ClientLimit(30, 60),
                        policy=LoginPolicy(max_failures=3, lockout_seconds=900),
                        clock=lambda: units.store.now)


async def test_right_password_gets_a_token(units: Units) -> None:
    limiter = FakeLimiter()
    token = await login_service(units, limiter).login(username=" Admin ", password="right-password",
                                                      client="10.0.0.1")
    assert (token.access_token, token.access_expire) == ("token-1-superadmin", 42)
    assert limiter.keys == ["admin-login:client:10.0.0.1"]


@pytest.mark.parametrize(("username", "password"), [
    ("admin", "wrong-password"), ("nobody", "right-password"), ("ops", "ops-password"),
    ("", "x"), ("admin", ""), ("admin", "x" * 65)])
async def test_every_failure_looks_the_same(units: Units, username: str, password: str) -> None:
    with pytest.raises(WrongCredentials) as caught:
        await login_service(units).login(username=username, password=password, client="c")
    assert (caught.value.code, caught.value.msg) == (700001, "wrong username or password")


async def test_lockout_after_consecutive_failures_then_release(units: Units) -> None:
    svc = login_service(units)
    for _ in range(3):
        with pytest.raises(WrongCredentials):
            await svc.login(username="admin", password="wrong-password", client="c")
    assert units.store.managers[1].locked_until == units.store.now + 900
    with pytest.raises(LoginLocked) as caught:
        await svc.login(username="admin", password="right-password", client="c")
    assert caught.value.retry_after == 900
    units.store.now += 899
    with pytest.raises(LoginLocked) as caught:
        await svc.login(username="admin", password="right-password", client="c")
    assert caught.value.retry_after == 1
    units.store.now += 1
    assert (await svc.login(username="admin", password="right-password", client="c")).access_token


async def test_success_resets_the_count(units: Units) -> None:
    svc = login_service(units)
    for _ in range(2):
        with pytest.raises(WrongCredentials):
            await svc.login(username="admin", password="wrong-password", client="c")
    assert units.store.managers[1].failed_logins == 2
    await svc.login(username="admin", password="right-password", client="c")
    assert units.store.managers[1].failed_logins == 0
    for _ in range(2):
        with pytest.raises(WrongCredentials):
            await svc.login(username="admin", password="wrong-password", client="c")
    assert units.store.managers[1].locked_until == 0  # not consecutive: no lock yet


async def test_unknown_user_writes_nothing(units: Units) -> None:
    before = units.writes_opened
    with pytest.raises(WrongCredentials):
        await login_service(units).login(username="ghost", password="whatever1", client="c")
    assert units.writes_opened == before


async def test_client_rate_limit_comes_first(units: Units) -> None:
    with pytest.raises(LoginRateLimited) as caught:
        await login_service(units, FakeLimiter(allow=False)).login(
            username="admin", password="right-password", client="c")
    assert (caught.value.code, caught.value.retry_after) == (700003, 17)
    assert units.store.managers[1].failed_logins == 0
