"""Composition root of admin: repositories, use cases, routes, the audit consumer and the
bootstrap hook. Nothing here runs at import time."""

from __future__ import annotations

import sys
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
from yys.kit.hosting import BackgroundTask, Hook, HostedService, MigrationSpec, Platform
from yys.kit.http.admin import admin_guards, invalidate_manager, issue_admin_token
from yys.kit.settings import Settings
from yys.services.admin import tables
from yys.services.admin.api import AdminApi, build_router
from yys.services.admin.audit import AuditService
from yys.services.admin.consumers import AuditConsumer, AuditEntryHandler
from yys.services.admin.domain import LoginPolicy, Manager, UsernameTaken
from yys.services.admin.local_client import LocalAdminClient
from yys.services.admin.login import ClientLimit, LoginService
from yys.services.admin.ports import AdminUnit, ManagerChanged, TokenIssuer, UnitFactory
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


def token_issuer(platform: Platform) -> TokenIssuer:
    def issue(manager: Manager) -> tuple[str, int]:
        return issue_admin_token(platform.admin_tokens, manager_id=manager.id,
                                 username=manager.username, role=manager.role)

    return issue


def bootstrap_hook(managers: ManagerService, settings: Settings) -> Hook:
    """Create `admin` when there is no manager. Idempotent; replicas starting together race on
    the unique username and the losers simply find it done. A generated password is printed once
    on stderr, on a line of its own, and never goes to the (JSON) logs on stdout."""

    async def bootstrap() -> None:
        configured = settings.admin_password
        try:
            generated = await managers.bootstrap(
                password=None if configured is None else configured.get_secret_value())
        except UsernameTaken:
            return
        if generated is not None:
            # stderr on purpose, not the logs: shown once to whoever started the first replica
            # (stdout carries JSON log lines only; a log shipper must never receive this).
            print(f"admin password: {generated}", file=sys.stderr, flush=True)

    return bootstrap


def build(platform: Platform, clients: Clients) -> HostedService:
    settings = platform.settings
    reads, writes = unit_factories(platform.database(NAME))
    managers = ManagerService(reads=reads, writes=writes, hasher=platform.hasher,
                              clock=time.time, changed=cache_invalidator(platform.cache))
    login = LoginService(
        reads=reads, writes=writes, hasher=platform.hasher, issue=token_issuer(platform),
        limiter=platform.rate_limiter,
        client_limit=ClientLimit(settings.login_rate_per_client, settings.login_rate_window_seconds),
        policy=LoginPolicy(max_failures=settings.admin_login_max_failures,
                           lockout_seconds=settings.admin_login_lockout_seconds),
        clock=time.time)
    audit = AuditService(reads=reads, writes=writes)
    consumer = AuditConsumer(platform.bus, AuditEntryHandler(audit))
    reader, _, superadmin = admin_guards(platform, clients)
    return HostedService(
        name=NAME,
        route_handlers=[build_router(AdminApi(login, managers, audit), reader=reader,
                                     superadmin=superadmin)],
        migrations=MIGRATIONS,
        on_startup=[bootstrap_hook(managers, settings)],
        background=[BackgroundTask("admin-audit-consumer", "consumer", consumer.run, consumer.stop,
                                   ready=consumer.joined)],
        local_client=LocalAdminClient(managers),
    )
