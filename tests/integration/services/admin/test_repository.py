"""The SQL admin repositories and unit factories on SQLite and MariaDB: managers, versions,
the last-superadmin rule under concurrency, lockout counters, the audit log and its dedup."""

from __future__ import annotations

import asyncio

import pytest

from yys.contracts.admin import AdminRole
from yys.kit.db import Database
from yys.services.admin.domain import (
    AuditFilter,
    AuditRecord,
    LastSuperadmin,
    ManagerChange,
    ManagerFilter,
    NewManager,
    PageRequest,
    UsernameTaken,
)
from yys.services.admin.service import Actor, ManagerPatch, ManagerService
from yys.services.admin.wiring import unit_factories


class PlainHasher:
    async def hash(self, password: str) -> str:
        return "h:" + password

    async def verify(self, hashed: str, password: str) -> bool:
        return hashed == "h:" + password


async def _nothing(_: int) -> None:
    return None


def service(db: Database) -> ManagerService:
    reads, writes = unit_factories(db)
    return ManagerService(reads=reads, writes=writes, hasher=PlainHasher(), clock=lambda: 1000,
                          changed=_nothing)


async def test_create_read_update_delete(db: Database) -> None:
    reads, writes = unit_factories(db)
    async with writes() as unit:
        created = await unit.managers.create(NewManager(username="alice", password_hash="$a",
                                                        role=AdminRole.OPERATOR))
    assert (created.username, created.role, created.version, created.disabled) == (
        "alice", AdminRole.OPERATOR, 0, False)
    assert created.create_time == created.update_time > 1_600_000_000
    async with reads() as unit:
        assert await unit.managers.get(created.id) == created
        assert await unit.managers.get_by_username("alice") == created
        assert await unit.managers.get_by_username("bob") is None
        assert await unit.managers.any_exists()
    async with writes() as unit:
        stale = await unit.managers.update(created.id, version=5, change=ManagerChange(disabled=True))
        after = await unit.managers.update(created.id, version=0, change=ManagerChange(
            role=AdminRole.SUPERADMIN, password_hash="$b"))
    assert stale is None
    assert after is not None and (after.role, after.password_hash, after.version, after.disabled) == (
        AdminRole.SUPERADMIN, "$b", 1, False)
    async with writes() as unit:
        assert not await unit.managers.delete(created.id, version=0)
        assert await unit.managers.delete(created.id, version=1)
    async with reads() as unit:
        assert await unit.managers.get(created.id) is None
        assert not await unit.managers.any_exists()


async def test_username_is_unique_and_ids_are_not_reused(db: Database) -> None:
    _, writes = unit_factories(db)
    async with writes() as unit:
        first = await unit.managers.create(NewManager(username="bob", password_hash="x",
                                                      role=AdminRole.VIEWER))
    with pytest.raises(UsernameTaken):
        async with writes() as unit:
            await unit.managers.create(NewManager(username="bob", password_hash="y",
                                                  role=AdminRole.VIEWER))
    async with writes() as unit:
        await unit.managers.delete(first.id, version=0)
        again = await unit.managers.create(NewManager(username="bob", password_hash="z",
                                                      role=AdminRole.VIEWER))
    assert again.id > first.id  # an old token naming the deleted id cannot become this one


async def test_search_filters_and_pages_with_bound_parameters(db: Database) -> None:
    _, writes = unit_factories(db)
    async with writes() as unit:
        for name, role in (("ops_1", AdminRole.OPERATOR), ("ops%2", AdminRole.OPERATOR),
                           ("opsx3", AdminRole.VIEWER), ("zed", AdminRole.SUPERADMIN)):
            await unit.managers.create(NewManager(username=name, password_hash="x", role=role))
        total, found = await unit.managers.search(ManagerFilter(username="ops"), PageRequest())
        assert total == 3
        # '_' and '%' typed by the caller are literal, not wildcards.
        total, found = await unit.managers.search(ManagerFilter(username="ops_"), PageRequest())
        assert [m.username for m in found] == ["ops_1"]
        total, found = await unit.managers.search(ManagerFilter(username="ops%"), PageRequest())
        assert [m.username for m in found] == ["ops%2"]
        total, found = await unit.managers.search(ManagerFilter(username="' OR 1=1 --"), PageRequest())
        assert (total, found) == (0, [])
        total, found = await unit.managers.search(ManagerFilter(role=AdminRole.OPERATOR),
                                                  PageRequest(page=2, page_size=1))
        assert total == 2 and [m.username for m in found] == ["ops%2"]
        assert await unit.managers.lock_active_superadmins() == [found[0].id + 2]


async def test_login_state_does_not_bump_version(db: Database) -> None:
    reads, writes = unit_factories(db)
    async with writes() as unit:
        created = await unit.managers.create(NewManager(username="carol", password_hash="x",
                                                        role=AdminRole.VIEWER))
        await unit.managers.set_login_state(created.id, failed_logins=2, locked_until=1234)
    async with reads() as unit:
        current = await unit.managers.get(created.id)
    assert current is not None
    assert (current.failed_logins, current.locked_until, current.version) == (2, 1234, 0)


async def test_audit_rows_dedup_by_event_id_and_list_newest_first(db: Database) -> None:
    reads, writes = unit_factories(db)
    records = [AuditRecord(event_id=f"ev-{i}", actor_id=i % 2, actor_name="ops 运营", action=action,
                           resource=resource, resource_id=str(i), at=1000 + i,
                           before={"title": "旧"} if i else None, after={"n": i, "ok": True},
                           service="travel")
               for i, (action, resource) in enumerate([("create", "homestays"),
                                                       ("update", "homestays"),
                                                       ("refund", "orders")])]
    async with writes() as unit:
        assert [await unit.audit.add(r) for r in records] == [True, True, True]
        assert not await unit.audit.add(records[1])
    async with reads() as unit:
        total, rows = await unit.audit.search(AuditFilter(), PageRequest())
        assert total == 3 and [r.event_id for r in rows] == ["ev-2", "ev-1", "ev-0"]
        assert rows[1].before == {"title": "旧"} and rows[1].after == {"n": 1, "ok": True}
        assert rows[2].before is None and rows[2].actor_name == "ops 运营"
        total, rows = await unit.audit.search(AuditFilter(resource="homestays", actor_id=1),
                                              PageRequest())
        assert [r.event_id for r in rows] == ["ev-1"]
        total, rows = await unit.audit.search(AuditFilter(action="refund", since=1002, until=1002),
                                              PageRequest())
        assert total == 1
        total, rows = await unit.audit.search(AuditFilter(resource="x' OR '1'='1"), PageRequest())
        assert total == 0


async def test_two_concurrent_demotions_leave_one_superadmin(db: Database) -> None:
    """Each demotes 'the other' superadmin: the lock makes one of them see the other's change."""
    svc = service(db)
    await svc.bootstrap(password="password1")
    second = await svc.create(actor=Actor(1, "admin"), username="root2", password="password1",
                              role="superadmin")
    for round_no in range(3):
        results = await asyncio.gather(
            svc.update(actor=Actor(second.id, "root2"), manager_id=1,
                       patch=ManagerPatch(version=(await svc.get(manager_id=1)).version,
                                          role="operator")),
            svc.delete(actor=Actor(1, "admin"), manager_id=second.id, version=None),
            return_exceptions=True)
        assert sum(isinstance(r, LastSuperadmin) for r in results) == 1, results
        _, found = await svc.search(where=ManagerFilter(role=AdminRole.SUPERADMIN), page=PageRequest())
        assert len([m for m in found if not m.disabled]) == 1
        # Restore two superadmins for the next round.
        if found[0].id == 1:
            second = await svc.create(actor=Actor(1, "admin"), username=f"root{round_no + 3}",
                                      password="password1", role="superadmin")
        else:
            first = await svc.get(manager_id=1)
            await svc.update(actor=Actor(second.id, "root2"), manager_id=1,
                             patch=ManagerPatch(version=first.version, role="superadmin"))
