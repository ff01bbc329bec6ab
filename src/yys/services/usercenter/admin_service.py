"""Back-office use cases on users: list, detail, disable and enable (audited).

The writes run in a unit of work whose exit drops the user's cached snapshot after the commit,
so a disabled user's tokens are refused at once (the token check reads that snapshot) and login
refuses the account from the database itself.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any, Protocol

import msgspec

from yys.contracts.admin import AuditEntry
from yys.kit.listing import Page, PageRequest, Sort
from yys.services.usercenter.admin_views import user_item
from yys.services.usercenter.domain import User, UserFilter, UserNotFound
from yys.services.usercenter.ports import UserAdminRepository

RESOURCE = "users"
Repos = Callable[[], AbstractAsyncContextManager[UserAdminRepository]]


class Actor(Protocol):
    """The manager doing the write (the admin guard's principal fits)."""

    @property
    def id(self) -> int: ...

    @property
    def username(self) -> str: ...


def _snapshot(user: User) -> dict[str, Any]:
    snapshot: dict[str, Any] = msgspec.to_builtins(user_item(user))
    return snapshot


class UserAdminService:
    def __init__(self, *, writes: Repos, reads: Repos, on_commit: Callable[[], None] | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self._writes = writes
        self._reads = reads
        # Told after every commit (the outbox relay's kick: audit events leave at once).
        self._on_commit = on_commit
        self._clock = clock

    async def users(self, *, f: UserFilter, sort: Sort, page: PageRequest) -> Page[User]:
        """One page of users matching `f`, with the total."""
        async with self._reads() as repo:
            total, found = await repo.list_users(f, sort, offset=page.offset, limit=page.size)
        return Page(total, found)

    async def user(self, *, user_id: int) -> User:
        async with self._reads() as repo:
            found = await repo.get_by_id(user_id)
        if found is None:
            raise UserNotFound()
        return found

    async def set_disabled(self, *, actor: Actor, user_id: int, disabled: bool) -> User:
        """Disable or enable; asking for the state the user is already in changes nothing and
        records nothing."""
        async with self._writes() as repo:
            before = await repo.get_by_id(user_id)
            if before is None:
                raise UserNotFound()
            if before.disabled == disabled:
                return before
            await repo.set_disabled(user_id, disabled=disabled)
            after = await repo.get_by_id(user_id)
            assert after is not None  # updated in this very transaction
            await repo.record_audit(AuditEntry(
                actor_id=actor.id, actor_name=actor.username,
                action="disable" if disabled else "enable", resource=RESOURCE,
                resource_id=str(user_id), at=int(self._clock()), before=_snapshot(before),
                after=_snapshot(after), service="usercenter"))
        if self._on_commit is not None:
            self._on_commit()
        return after
