"""Manager use cases over in-memory fakes: CRUD, versions, the last-superadmin and self-delete
rules, the audit rows written with each change, and the bootstrap admin."""

from __future__ import annotations

import pytest

from tests.unit.services.admin.fakes import Changed, FakeHasher, Store, Units
from yys.contracts.admin import AdminRole, ManagerView
from yys.services.admin.domain import (
    InvalidPassword,
    InvalidRole,
    LastSuperadmin,
    ManagerFilter,
    ManagerNotFound,
    PageRequest,
    SelfDelete,
    StaleVersion,
    UsernameTaken,
    WrongOldPassword,
)
from yys.services.admin.service import Actor, ManagerPatch, ManagerService

ROOT = Actor(1, "admin")


@pytest.fixture
def units() -> Units:
    return Units(Store())


@pytest.fixture
def changed() -> Changed:
    return Changed()


@pytest.fixture
async def service(units: Units, changed: Changed) -> ManagerService:
    svc = ManagerService(reads=units.reads, writes=units.writes, hasher=FakeHasher(),
                         clock=lambda: units.store.now, changed=changed)
    assert await svc.bootstrap(password="bootstrap-pass") is None
    return svc


async def test_bootstrap_creates_admin_once(units: Units) -> None:
    svc = ManagerService(reads=units.reads, writes=units.writes, hasher=FakeHasher(),
                         clock=lambda: 5, changed=Changed())
    generated = await svc.bootstrap(password=None)
    assert generated is not None and len(generated) >= 20
    admin = units.store.managers[1]
    assert (admin.username, admin.role) == ("admin", AdminRole.SUPERADMIN)
    assert await FakeHasher().verify(admin.password_hash, generated)
    assert await svc.bootstrap(password=None) is None  # idempotent
    assert await svc.bootstrap(password="configured1") is None
    assert len(units.store.managers) == 1
    (row,) = units.store.audit
    assert (row.actor_id, row.actor_name, row.action, row.resource) == (0, "system", "create",
                                                                        "managers")


async def test_configured_bootstrap_password_is_not_returned(units: Units, service: ManagerService) -> None:
    admin = units.store.managers[1]
    assert await FakeHasher().verify(admin.password_hash, "bootstrap-pass")


async def test_create_get_search(service: ManagerService, units: Units) -> None:
    ops = await service.create(actor=ROOT, username=" ops ", password="password1", role="operator")
    await service.create(actor=ROOT, username="viewer1", password="password1", role="VIEWER")
    assert (ops.username, ops.role, ops.version) == ("ops", AdminRole.OPERATOR, 0)
    assert ops.password_hash != "password1"
    assert await service.get(manager_id=ops.id) == ops
    total, found = await service.search(where=ManagerFilter(role=AdminRole.VIEWER),
                                        page=PageRequest())
    assert total == 1 and found[0].username == "viewer1"
    total, _ = await service.search(where=ManagerFilter(), page=PageRequest(page=1, page_size=1))
    assert total == 3
    with pytest.raises(ManagerNotFound):
        await service.get(manager_id=99)
    created = units.store.audit[-1]
    assert created.actor_id == ROOT.id and created.after is not None
    assert "password" not in str(created.after).lower()


async def test_create_refuses_bad_input_and_duplicates(service: ManagerService) -> None:
    with pytest.raises(InvalidRole):
        await service.create(actor=ROOT, username="bob", password="password1", role="root")
    with pytest.raises(InvalidPassword):
        await service.create(actor=ROOT, username="bob", password="short", role="viewer")
    with pytest.raises(UsernameTaken):
        await service.create(actor=ROOT, username="admin", password="password1", role="viewer")


async def test_update_applies_only_sent_fields_and_bumps_version(
        service: ManagerService, units: Units, changed: Changed) -> None:
    ops = await service.create(actor=ROOT, username="ops", password="password1", role="operator")
    after = await service.update(actor=ROOT, manager_id=ops.id,
                                 patch=ManagerPatch(version=0, disabled=True))
    assert (after.role, after.disabled, after.version) == (AdminRole.OPERATOR, True, 1)
    assert after.password_hash == ops.password_hash
    assert changed.ids == [ops.id]
    row = units.store.audit[-1]
    assert (row.action, row.before, row.after) == (
        "update", {"id": ops.id, "username": "ops", "role": "operator", "disabled": False,
                   "version": 0},
        {"id": ops.id, "username": "ops", "role": "operator", "disabled": True, "version": 1})
    with pytest.raises(StaleVersion):
        await service.update(actor=ROOT, manager_id=ops.id, patch=ManagerPatch(version=0,
                                                                                role="viewer"))
    assert len(units.store.audit) == 3  # the stale write left no audit row
    again = await service.update(actor=ROOT, manager_id=ops.id,
                                 patch=ManagerPatch(version=1, password="new-password"))
    assert await FakeHasher().verify(again.password_hash, "new-password")
    assert units.store.audit[-1].after == {**row.after, "version": 2, "passwordChanged": True}  # type: ignore[dict-item]
    with pytest.raises(ManagerNotFound):
        await service.update(actor=ROOT, manager_id=99, patch=ManagerPatch(version=0))


async def test_last_active_superadmin_cannot_be_demoted_disabled_or_deleted(
        service: ManagerService, units: Units) -> None:
    ops = await service.create(actor=ROOT, username="ops", password="password1", role="operator")
    for patch in (ManagerPatch(version=0, role="operator"), ManagerPatch(version=0, disabled=True)):
        with pytest.raises(LastSuperadmin):
            await service.update(actor=Actor(ops.id, "ops"), manager_id=1, patch=patch)
    with pytest.raises(LastSuperadmin):
        await service.delete(actor=Actor(ops.id, "ops"), manager_id=1, version=None)
    assert units.store.managers[1].active_superadmin
    # With a second superadmin the first may go.
    second = await service.update(actor=ROOT, manager_id=ops.id,
                                  patch=ManagerPatch(version=0, role="superadmin"))
    demoted = await service.update(actor=Actor(second.id, "ops"), manager_id=1,
                                   patch=ManagerPatch(version=0, role="viewer"))
    assert demoted.role is AdminRole.VIEWER
    with pytest.raises(LastSuperadmin):
        await service.update(actor=ROOT, manager_id=second.id,
                             patch=ManagerPatch(version=1, disabled=True))
    assert units.last is not None and units.last.managers.locked_superadmins  # type: ignore[attr-defined]


async def test_superadmin_may_change_own_password_field_without_the_guard(service: ManagerService) -> None:
    after = await service.update(actor=ROOT, manager_id=1,
                                 patch=ManagerPatch(version=0, password="another-pass"))
    assert after.role is AdminRole.SUPERADMIN and after.version == 1


async def test_delete(service: ManagerService, units: Units, changed: Changed) -> None:
    ops = await service.create(actor=ROOT, username="ops", password="password1", role="operator")
    with pytest.raises(SelfDelete):
        await service.delete(actor=ROOT, manager_id=1, version=None)
    with pytest.raises(StaleVersion):
        await service.delete(actor=ROOT, manager_id=ops.id, version=7)
    await service.delete(actor=ROOT, manager_id=ops.id, version=0)
    assert ops.id not in units.store.managers and changed.ids == [ops.id]
    row = units.store.audit[-1]
    assert (row.action, row.resource_id, row.after) == ("delete", str(ops.id), None)
    with pytest.raises(ManagerNotFound):
        await service.delete(actor=ROOT, manager_id=ops.id, version=None)


async def test_change_own_password(service: ManagerService, units: Units, changed: Changed) -> None:
    with pytest.raises(WrongOldPassword):
        await service.change_own_password(actor=ROOT, old_password="wrong-pass",
                                          new_password="new-password")
    with pytest.raises(InvalidPassword):
        await service.change_own_password(actor=ROOT, old_password="bootstrap-pass",
                                          new_password="short")
    after = await service.change_own_password(actor=ROOT, old_password="bootstrap-pass",
                                              new_password="new-password")
    assert await FakeHasher().verify(after.password_hash, "new-password")
    assert units.store.audit[-1].action == "change-password"
    assert changed.ids == [1]


async def test_view_is_what_guards_see(service: ManagerService) -> None:
    assert await service.view(1) == ManagerView(id=1, username="admin", role="superadmin",
                                                disabled=False)
    assert await service.view(404) is None
