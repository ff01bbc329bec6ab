"""Manager use cases: the caller's own account, managers CRUD, the bootstrap admin, and the view
other services check tokens against. Every write adds its audit row in the same transaction.

Use cases open units through the factories they are given (the factory's block is the
transaction boundary) and never commit by themselves.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yys.contracts.admin import AdminRole, ManagerView
from yys.kit.events import new_event_id
from yys.services.admin.domain import (
    RESOURCE_MANAGERS,
    SYSTEM_ACTOR_ID,
    SYSTEM_ACTOR_NAME,
    AuditRecord,
    Manager,
    ManagerChange,
    ManagerFilter,
    ManagerNotFound,
    NewManager,
    PageRequest,
    StaleVersion,
    WrongOldPassword,
    audit_state,
    ensure_not_self,
    ensure_superadmin_remains,
    ensure_version,
    parse_role,
    removes_active_superadmin,
    validate_password,
    validate_username,
)
from yys.services.admin.ports import AdminUnit, ManagerChanged, PasswordHasher, UnitFactory

BOOTSTRAP_USERNAME = "admin"


@dataclass(frozen=True, slots=True)
class Actor:
    """The manager doing something (from the admin token, checked against the database)."""

    id: int
    username: str


@dataclass(frozen=True, slots=True)
class ManagerPatch:
    version: int
    role: str | None = None
    password: str | None = None
    disabled: bool | None = None


class ManagerService:
    def __init__(self, *, reads: UnitFactory, writes: UnitFactory, hasher: PasswordHasher,
                 clock: Callable[[], float], changed: ManagerChanged) -> None:
        self._reads = reads
        self._writes = writes
        self._hasher = hasher
        self._clock = clock
        self._changed = changed  # drops the manager from the guards' cache after a write

    async def view(self, manager_id: int) -> ManagerView | None:
        """The manager as the guards of every service see it; None if deleted."""
        async with self._reads() as unit:
            manager = await unit.managers.get(manager_id)
        if manager is None:
            return None
        return ManagerView(id=manager.id, username=manager.username, role=manager.role.label,
                           disabled=manager.disabled)

    async def get(self, *, manager_id: int) -> Manager:
        """One manager; `ManagerNotFound` if absent."""
        async with self._reads() as unit:
            manager = await unit.managers.get(manager_id)
        if manager is None:
            raise ManagerNotFound()
        return manager

    async def search(self, *, where: ManagerFilter, page: PageRequest) -> tuple[int, list[Manager]]:
        """Managers by id, filtered by username prefix and role."""
        async with self._reads() as unit:
            return await unit.managers.search(where, page)

    async def create(self, *, actor: Actor, username: str, password: str, role: str) -> Manager:
        """A new manager; a taken username is `UsernameTaken`."""
        new = NewManager(username=validate_username(username), role=parse_role(role),
                         password_hash=await self._hasher.hash(validate_password(password)))
        async with self._writes() as unit:
            created = await unit.managers.create(new)
            await self._audit(unit, actor, "create", created, before=None, after=created)
        return created

    async def update(self, *, actor: Actor, manager_id: int, patch: ManagerPatch) -> Manager:
        """Change role / password / disabled at `patch.version`; the last active superadmin
        cannot be demoted or disabled."""
        change = ManagerChange(
            role=None if patch.role is None else parse_role(patch.role),
            disabled=patch.disabled,
            password_hash=(None if patch.password is None
                           else await self._hasher.hash(validate_password(patch.password))))
        async with self._writes() as unit:
            # Superadmins first, then the target: the one lock order of every manager write.
            superadmins = await unit.managers.lock_active_superadmins()
            before = await self._locked(unit, manager_id, patch.version)
            if removes_active_superadmin(before, change):
                ensure_superadmin_remains(before, superadmins)
            after = await unit.managers.update(manager_id, version=patch.version, change=change)
            if after is None:
                raise StaleVersion()
            await self._audit(unit, actor, "update", after, before=before, after=after,
                              password_changed=change.password_hash is not None)
        await self._changed(manager_id)
        return after

    async def delete(self, *, actor: Actor, manager_id: int, version: int | None) -> None:
        """Delete another manager (never oneself, never the last active superadmin)."""
        ensure_not_self(actor.id, manager_id)
        async with self._writes() as unit:
            superadmins = await unit.managers.lock_active_superadmins()
            before = await self._locked(unit, manager_id, version)
            if before.active_superadmin:
                ensure_superadmin_remains(before, superadmins)
            if not await unit.managers.delete(manager_id, version=before.version):
                raise StaleVersion()
            await self._audit(unit, actor, "delete", before, before=before, after=None)
        await self._changed(manager_id)

    async def change_own_password(self, *, actor: Actor, old_password: str,
                                  new_password: str) -> Manager:
        """The caller's own password; the old one is required."""
        new_password = validate_password(new_password)
        current = await self.get(manager_id=actor.id)
        if not await self._hasher.verify(current.password_hash, old_password):
            raise WrongOldPassword()
        change = ManagerChange(password_hash=await self._hasher.hash(new_password))
        async with self._writes() as unit:
            after = await unit.managers.update(actor.id, version=current.version, change=change)
            if after is None:
                raise StaleVersion()
            await self._audit(unit, actor, "change-password", after, before=current,
                              after=after, password_changed=True)
        await self._changed(actor.id)
        return after

    async def bootstrap(self, *, password: str | None) -> str | None:
        """Create the `admin` superadmin when there is no manager at all. Returns the generated
        password when none was configured and this call created the account (else None)."""
        async with self._reads() as unit:
            if await unit.managers.any_exists():
                return None
        generated = password is None
        secret = secrets.token_urlsafe(18) if password is None else password
        new = NewManager(username=BOOTSTRAP_USERNAME, role=AdminRole.SUPERADMIN,
                         password_hash=await self._hasher.hash(secret))
        system = Actor(SYSTEM_ACTOR_ID, SYSTEM_ACTOR_NAME)
        async with self._writes() as unit:
            # Checked again under the write lock; a replica that lost the race on MariaDB gets
            # the unique username error instead (see wiring's startup hook).
            if await unit.managers.any_exists():
                return None
            created = await unit.managers.create(new)
            await self._audit(unit, system, "create", created, before=None, after=created)
        return secret if generated else None

    async def _locked(self, unit: AdminUnit, manager_id: int, version: int | None) -> Manager:
        manager = await unit.managers.get(manager_id, for_update=True)
        if manager is None:
            raise ManagerNotFound()
        if version is not None:
            ensure_version(manager, version)
        return manager

    async def _audit(self, unit: AdminUnit, actor: Actor, action: str, target: Manager, *,
                     before: Manager | None, after: Manager | None,
                     password_changed: bool = False) -> None:
        after_state: dict[str, Any] | None = None if after is None else audit_state(after)
        if after_state is not None and password_changed:
            after_state["passwordChanged"] = True  # that it changed, never what to
        await unit.audit.add(AuditRecord(
            event_id=new_event_id(), actor_id=actor.id, actor_name=actor.username,
            action=action, resource=RESOURCE_MANAGERS, resource_id=str(target.id),
            at=int(self._clock()), before=None if before is None else audit_state(before),
            after=after_state, service="admin"))
