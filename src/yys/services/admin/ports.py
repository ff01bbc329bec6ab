"""What the admin use cases need from the outside world."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol

from yys.services.admin.domain import (
    AuditFilter,
    AuditRecord,
    Manager,
    ManagerChange,
    ManagerFilter,
    NewManager,
    PageRequest,
)


class ManagerRepository(Protocol):
    """Managers, inside one transaction opened by the caller."""

    async def get(self, manager_id: int, *, for_update: bool = False) -> Manager | None: ...

    async def get_by_username(self, username: str) -> Manager | None: ...

    async def any_exists(self) -> bool: ...

    async def lock_active_superadmins(self) -> list[int]:
        """Ids of the enabled superadmins, locked until the transaction ends: every manager
        write takes this lock first, so two writes cannot each remove 'the other' superadmin."""
        ...

    async def create(self, new: NewManager) -> Manager:
        """Insert a manager; raises `UsernameTaken` when the username exists (unique index)."""
        ...

    async def update(self, manager_id: int, *, version: int, change: ManagerChange) -> Manager | None:
        """Apply `change` if the row still has `version` (bumps it); None when stale or gone."""
        ...

    async def delete(self, manager_id: int, *, version: int) -> bool: ...

    async def set_login_state(self, manager_id: int, *, failed_logins: int, locked_until: int) -> None:
        """The lockout counters; not an edit, so `version` and `update_time` stay."""
        ...

    async def search(self, where: ManagerFilter, page: PageRequest) -> tuple[int, list[Manager]]: ...


class AuditRepository(Protocol):
    async def add(self, record: AuditRecord) -> bool:
        """Store a record; False when its event id is already stored (a redelivery)."""
        ...

    async def search(self, where: AuditFilter, page: PageRequest) -> tuple[int, list[AuditRecord]]:
        """Newest first."""
        ...


@dataclass(frozen=True)
class AdminUnit:
    """Both repositories on one transaction: a change and its audit row commit together."""

    managers: ManagerRepository
    audit: AuditRepository


UnitFactory = Callable[[], AbstractAsyncContextManager[AdminUnit]]
ManagerChanged = Callable[[int], Awaitable[None]]


class PasswordHasher(Protocol):
    async def hash(self, password: str) -> str: ...

    async def verify(self, hashed: str, password: str) -> bool: ...


class TokenIssuer(Protocol):
    def __call__(self, manager: Manager) -> tuple[str, int]:
        """(access token, expiry in unix seconds) for the manager's current role."""
        ...
