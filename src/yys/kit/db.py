"""Database engines and the unit of work.

One `Database` per distinct URL (services sharing a URL share the pool). SQLAlchemy Core is used
directly: the queries are simple, Core is fast, and each service's tables stay explicit.
The caller at the request/message boundary opens `unit_of_work()`; it commits when the block exits
cleanly and rolls back otherwise, so use cases never commit by themselves.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from yys.kit.dbpool import ping_after_idle, reset_only_open_transactions
from yys.kit.errors import DB_ERROR, Unavailable
from yys.kit.observability import db_metrics
from yys.kit.observability.tracing import instrument_engine


class Database:
    def __init__(self, url: str, *, pool_size: int = 10, echo: bool = False,
                 engine: AsyncEngine | None = None) -> None:
        self.url = url
        self.dialect = make_url(url).get_backend_name()
        if engine is not None:  # a view on an existing pool (see `for_service`)
            self.engine: AsyncEngine = engine
            return
        self.engine = _create_engine(url, pool_size=pool_size, echo=echo)
        instrument_engine(self.engine)  # statement spans, when tracing is on

    def for_service(self, service: str) -> Database:
        """A view on the same pool whose statements are counted under `service` (metrics)."""
        db_metrics.POOLS.track(self.engine.sync_engine, service)
        view = self.engine.execution_options(**{db_metrics.SERVICE_OPTION: service})
        return Database(self.url, engine=view)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @asynccontextmanager
    async def unit_of_work(self) -> AsyncIterator[AsyncConnection]:
        """A transaction: commit on clean exit, rollback on error; driver failures become 503."""
        try:
            async with self.engine.begin() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_problem(exc):
                raise Unavailable("database unavailable", code=DB_ERROR) from exc
            raise

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only connection (no commit needed)."""
        try:
            async with self.engine.connect() as conn:
                yield conn
        except (OperationalError, DBAPIError) as exc:
            if _is_connection_problem(exc):
                raise Unavailable("database unavailable", code=DB_ERROR) from exc
            raise

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(text("SELECT 1"))

    async def dispose(self) -> None:
        db_metrics.POOLS.forget(self.engine.sync_engine)
        await self.engine.dispose()


def _is_connection_problem(exc: DBAPIError) -> bool:
    # Integrity errors and the like are programming/domain problems; only lost or refused
    # connections mean "the dependency is down".
    return bool(exc.connection_invalidated) or isinstance(exc, OperationalError)


def _create_engine(url: str, *, pool_size: int, echo: bool) -> AsyncEngine:
    parsed = make_url(url)
    # Bound values stay out of exception messages and echo logs: they hold password hashes,
    # tokens and personal data, and a failed statement's error is logged.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30}
        engine = create_async_engine(url, pool_reset_on_return=None, **kwargs)
        reset_only_open_transactions(engine.sync_engine)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        db_metrics.instrument(engine.sync_engine)
        return engine
    kwargs.update(
        pool_size=pool_size,
        max_overflow=pool_size,
        # No pre-ping on every checkout (a round trip per transaction): see `ping_after_idle`.
        pool_recycle=1800,
        pool_timeout=5,
        isolation_level="READ COMMITTED",
    )
    engine = create_async_engine(url, pool_reset_on_return=None, **kwargs)
    reset_only_open_transactions(engine.sync_engine)
    ping_after_idle(engine.sync_engine)
    db_metrics.instrument(engine.sync_engine)
    return engine


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets readers proceed while one writer commits; NORMAL sync is durable enough in WAL.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


class Databases:
    """Engines by URL, so services that share a database share one pool."""

    def __init__(self, *, pool_size: int = 10, echo: bool = False) -> None:
        self._by_url: dict[str, Database] = {}
        self._views: dict[tuple[str, str], Database] = {}
        self._pool_size = pool_size
        self._echo = echo

    def get(self, url: str) -> Database:
        if url not in self._by_url:
            self._by_url[url] = Database(url, pool_size=self._pool_size, echo=self._echo)
        return self._by_url[url]

    def for_service(self, url: str, service: str) -> Database:
        """The database at `url` as seen by `service` (shared pool, own metrics label)."""
        key = (url, service)
        if key not in self._views:
            self._views[key] = self.get(url).for_service(service)
        return self._views[key]

    def all(self) -> list[Database]:
        return list(self._by_url.values())

    async def dispose(self) -> None:
        for db in self._by_url.values():
            await db.dispose()
