"""Composition root of admin: repositories, use cases, routes, the audit consumer and the
bootstrap hook. Nothing here runs at import time."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.clients import Clients
from yys.kit.cache import CacheBackend
from yys.kit.db import Database
from yys.kit.errors import DB_ERROR, Unavailable
from yys.kit.hosting import HostedService, MigrationSpec, Platform
from yys.kit.http.admin import invalidate_manager
from yys.services.admin import tables
from yys.services.admin.local_client import LocalAdminClient
from yys.services.admin.ports import AdminUnit, ManagerChanged, UnitFactory
from yys.services.admin.repository import SqlAuditRepository, SqlManagerRepository
from yys.services.admin.service import ManagerService

NAME = "admin"
MIGRATIONS = MigrationSpec(NAME, tables.metadata,
                           versions=Path(__file__).parent / "migrations" / "versions")


@asynccontextmanager
async def _write_tx(db: Database) -> AsyncIterator[AsyncConnection]:
    """A write transaction. On SQLite it begins IMMEDIATE: admin writes read, check and write
    (version, last superadmin), which must not interleave, and a read lock that cannot be
    upgraded would fail instead of waiting."""
    if not db.is_sqlite:
        async with db.unit_of_work() as conn:
            yield conn
        return
    try:
        async with db.engine.connect() as conn:
            await conn.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.rollback()
                raise
            await conn.commit()
    except (OperationalError, DBAPIError) as exc:
        if isinstance(exc, OperationalError) or exc.connection_invalidated:
            raise Unavailable("database unavailable", code=DB_ERROR) from exc
        raise


def unit_factories(db: Database) -> tuple[UnitFactory, UnitFactory]:
    """Reads on a plain connection; writes in one transaction carrying the audit rows."""

    @asynccontextmanager
    async def reads() -> AsyncIterator[AdminUnit]:
        async with db.read() as conn:
            yield AdminUnit(SqlManagerRepository(conn), SqlAuditRepository(conn))

    @asynccontextmanager
    async def writes() -> AsyncIterator[AdminUnit]:
        async with _write_tx(db) as conn:
            yield AdminUnit(SqlManagerRepository(conn), SqlAuditRepository(conn))

    return reads, writes


def cache_invalidator(cache: CacheBackend) -> ManagerChanged:
    async def changed(manager_id: int) -> None:
        await invalidate_manager(cache, manager_id)

    return changed


def build(platform: Platform, clients: Clients) -> HostedService:
    reads, writes = unit_factories(platform.database(NAME))
    managers = ManagerService(reads=reads, writes=writes, hasher=platform.hasher,
                              clock=time.time, changed=cache_invalidator(platform.cache))
    return HostedService(
        name=NAME,
        migrations=MIGRATIONS,
        local_client=LocalAdminClient(managers),
    )
