"""In-memory fakes of the admin ports (no monkeypatching). A unit snapshots the store on entry
and restores it when the block raises, like a rolled-back transaction."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

from yys.kit.ratelimit import Decision
from yys.services.admin.domain import (
    AuditFilter,
    AuditRecord,
    Manager,
    ManagerChange,
    ManagerFilter,
    NewManager,
    PageRequest,
    UsernameTaken,
)
from yys.services.admin.ports import AdminUnit


@dataclass
class Store:
    managers: dict[int, Manager] = field(default_factory=dict)
    audit: list[AuditRecord] = field(default_factory=list)
    next_id: int = 1
    now: int = 1_900_000_000


class FakeManagers:
    def __init__(self, store: Store) -> None:
        self._s = store
        self.locked_superadmins = False

    async def get(self, manager_id: int, *, for_update: bool = False) -> Manager | None:
        return self._s.managers.get(manager_id)

    async def get_by_username(self, username: str) -> Manager | None:
        return next((m for m in self._s.managers.values() if m.username == username), None)

    async def any_exists(self) -> bool:
        return bool(self._s.managers)

    async def lock_active_superadmins(self) -> list[int]:
        self.locked_superadmins = True
        return sorted(m.id for m in self._s.managers.values() if m.active_superadmin)

    async def create(self, new: NewManager) -> Manager:
        if await self.get_by_username(new.username) is not None:
            raise UsernameTaken()
        manager = Manager(id=self._s.next_id, username=new.username,
                          password_hash=new.password_hash, role=new.role, disabled=False,
                          failed_logins=0, locked_until=0, version=0, create_time=self._s.now,
                          update_time=self._s.now)
        self._s.managers[manager.id] = manager
        self._s.next_id += 1
        return manager

    async def update(self, manager_id: int, *, version: int, change: ManagerChange) -> Manager | None:
        current = self._s.managers.get(manager_id)
        if current is None or current.version != version:
            return None
        updated = replace(
            current, version=version + 1, update_time=self._s.now,
            role=current.role if change.role is None else change.role,
            disabled=current.disabled if change.disabled is None else change.disabled,
            password_hash=(current.password_hash if change.password_hash is None
                           else change.password_hash))
        self._s.managers[manager_id] = updated
        return updated

    async def delete(self, manager_id: int, *, version: int) -> bool:
        current = self._s.managers.get(manager_id)
        if current is None or current.version != version:
            return False
        del self._s.managers[manager_id]
        return True

    async def set_login_state(self, manager_id: int, *, failed_logins: int, locked_until: int) -> None:
        current = self._s.managers[manager_id]
        self._s.managers[manager_id] = replace(current, failed_logins=failed_logins,
                                               locked_until=locked_until)

    async def search(self, where: ManagerFilter, page: PageRequest) -> tuple[int, list[Manager]]:
        found = [m for m in sorted(self._s.managers.values(), key=lambda m: m.id)
                 if (not where.username or m.username.startswith(where.username))
                 and (where.role is None or m.role is where.role)]
        return len(found), found[page.offset:page.offset + page.page_size]


class FakeAudit:
    def __init__(self, store: Store) -> None:
        self._s = store

    async def add(self, record: AuditRecord) -> bool:
        if any(r.event_id == record.event_id for r in self._s.audit):
            return False
        self._s.audit.append(replace(record, id=len(self._s.audit) + 1))
        return True

    async def search(self, where: AuditFilter, page: PageRequest) -> tuple[int, list[AuditRecord]]:
        found = [r for r in reversed(self._s.audit)
                 if (not where.resource or r.resource == where.resource)
                 and (where.actor_id is None or r.actor_id == where.actor_id)
                 and (not where.action or r.action == where.action)
                 and (where.since is None or r.at >= where.since)
                 and (where.until is None or r.at <= where.until)]
        return len(found), found[page.offset:page.offset + page.page_size]


class Units:
    """`reads` / `writes` factories over one store; `writes_opened` counts transactions."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writes_opened = 0
        self.last: AdminUnit | None = None

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[AdminUnit]:
        yield AdminUnit(FakeManagers(self.store), FakeAudit(self.store))

    @asynccontextmanager
    async def writes(self) -> AsyncIterator[AdminUnit]:
        self.writes_opened += 1
        saved = (copy.deepcopy(self.store.managers), list(self.store.audit), self.store.next_id)
        unit = AdminUnit(FakeManagers(self.store), FakeAudit(self.store))
        self.last = unit
        try:
            yield unit
        except BaseException:
            self.store.managers, self.store.audit, self.store.next_id = saved
            raise


class FakeHasher:
    """Reversible 'hash' so tests can see what was stored; never the plain text itself."""

    async def hash(self, password: str) -> str:
        return "h:" + password[::-1]

    async def verify(self, hashed: str, password: str) -> bool:
        return hashed == "h:" + password[::-1]


class FakeLimiter:
    def __init__(self, *, allow: bool = True) -> None:
        self.allow = allow
        self.keys: list[str] = []

    async def hit(self, key: str, *, limit: int, window: int) -> Decision:
        self.keys.append(key)
        return Decision(self.allow, 0 if self.allow else 17)

    async def reset(self, key: str) -> None:
        return None


class Changed:
    def __init__(self) -> None:
        self.ids: list[int] = []

    async def __call__(self, manager_id: int) -> None:
        self.ids.append(manager_id)
