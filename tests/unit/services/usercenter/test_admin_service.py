"""Disable/enable on a fake repository: audited with before/after (no password hash), a no-op
when nothing changes, the relay told after the commit."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime

import pytest

from yys.contracts.admin import AuditEntry
from yys.kit.listing import PageRequest, Sort
from yys.services.usercenter.admin_service import UserAdminService
from yys.services.usercenter.domain import User, UserFilter, UserNotFound

WHEN = datetime(2026, 1, 1)


@dataclass(frozen=True)
class Manager:
    id: int = 2
    username: str = "ops"


class Repo:
    def __init__(self) -> None:
        self.users = {1: User(id=1, mobile="13800000001", password_hash="$argon2id$secret",
                              nickname="n", sex=0, avatar="", info="", disabled=False, version=0,
                              create_time=WHEN, update_time=WHEN)}
        self.audits: list[AuditEntry] = []
        self.commits = 0

    async def get_by_id(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    async def list_users(self, f: UserFilter, sort: Sort, *, offset: int,
                         limit: int) -> tuple[int, list[User]]:
        found = [u for u in self.users.values() if f.disabled in (None, u.disabled)]
        return len(found), found[offset:offset + limit]

    async def set_disabled(self, user_id: int, *, disabled: bool) -> bool:
        user = self.users[user_id]
        self.users[user_id] = dataclasses.replace(user, disabled=disabled,
                                                  version=user.version + 1)
        return True

    async def record_audit(self, entry: AuditEntry) -> None:
        self.audits.append(entry)

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Repo]:
        yield self
        self.commits += 1


@pytest.fixture
def repo() -> Repo:
    return Repo()


@pytest.fixture
def kicks() -> list[int]:
    return []


@pytest.fixture
def admin(repo: Repo, kicks: list[int]) -> UserAdminService:
    return UserAdminService(writes=repo.session, reads=repo.session,
                            on_commit=lambda: kicks.append(1), clock=lambda: 1_800_000_000.0)


async def test_disable_is_audited_without_the_hash(admin: UserAdminService, repo: Repo,
                                                   kicks: list[int]) -> None:
    user = await admin.set_disabled(actor=Manager(), user_id=1, disabled=True)
    assert user.disabled and user.version == 1
    [entry] = repo.audits
    assert (entry.action, entry.resource, entry.resource_id, entry.actor_name, entry.at) == (
        "disable", "users", "1", "ops", 1_800_000_000)
    assert entry.before == {**(entry.after or {}), "disabled": False, "version": 0}
    assert "argon2" not in repr(entry) and "password" not in repr(entry).lower()
    assert kicks == [1]


async def test_same_state_changes_and_records_nothing(admin: UserAdminService, repo: Repo,
                                                      kicks: list[int]) -> None:
    user = await admin.set_disabled(actor=Manager(), user_id=1, disabled=False)
    assert user.version == 0 and repo.audits == [] and kicks == []


async def test_unknown_user(admin: UserAdminService) -> None:
    with pytest.raises(UserNotFound):
        await admin.set_disabled(actor=Manager(), user_id=9, disabled=True)
    with pytest.raises(UserNotFound):
        await admin.user(user_id=9)


async def test_list(admin: UserAdminService) -> None:
    page = await admin.users(f=UserFilter(disabled=True), sort=Sort("id", True),
                             page=PageRequest(1, 20))
    assert (page.total, page.items) == (0, [])
