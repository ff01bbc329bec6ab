"""`AdminClient.get_manager`: the in-process result equals the result over real gRPC, for live,
disabled, demoted and deleted managers (admin on SQLite, its local client served over gRPC)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import pytest

from tests.contract.conftest import Served, serve
from yys.clients.admin import AdminClient
from yys.contracts.admin import ManagerView
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process
from yys.runtime.platform import build_platform, close_platform
from yys.services.admin.service import Actor, ManagerPatch, ManagerService
from yys.services.admin.wiring import cache_invalidator, unit_factories


@pytest.fixture
async def admin(settings: Settings) -> AsyncIterator[tuple[Process, Served]]:
    platform = build_platform(settings.model_copy(update={"admin_password": None}))
    process = build_process(platform, ["admin"])
    await process.migrate()
    served = await serve(settings, process.services)
    try:
        yield process, served
    finally:
        await served.close()
        await close_platform(platform)


async def test_admin_get_manager(admin: tuple[Process, Served]) -> None:
    process, served = admin
    local: AdminClient = process.clients.admin
    remote: AdminClient = served.client("admin")
    reads, writes = unit_factories(process.platform.database("admin"))
    managers = ManagerService(reads=reads, writes=writes, hasher=process.platform.hasher,
                              clock=time.time, changed=cache_invalidator(process.platform.cache))
    await managers.bootstrap(password="password-1")
    root = Actor(1, "admin")
    ops = await managers.create(actor=root, username="ops", password="password-1", role="operator")
    gone = await managers.create(actor=root, username="gone", password="password-1", role="viewer")
    await managers.update(actor=root, manager_id=ops.id,
                          patch=ManagerPatch(version=0, role="viewer", disabled=True))
    await managers.delete(actor=root, manager_id=gone.id, version=None)
    for manager_id in (1, ops.id, gone.id, 0, -5, 2**62):
        assert await remote.get_manager(manager_id) == await local.get_manager(manager_id)
    assert await remote.get_manager(1) == ManagerView(id=1, username="admin", role="superadmin",
                                                      disabled=False)
    assert await remote.get_manager(ops.id) == ManagerView(id=ops.id, username="ops",
                                                           role="viewer", disabled=True)
    assert await remote.get_manager(gone.id) is None
