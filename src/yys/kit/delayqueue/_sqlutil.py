"""Small dialect helpers shared by the SQL queue and the SQL leader lease."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

SUPPORTED_DIALECTS = ("sqlite", "mysql", "mariadb", "postgresql")


def check_dialect(engine: AsyncEngine) -> str:
    name = engine.dialect.name
    if name not in SUPPORTED_DIALECTS:
        raise ValueError(f"unsupported database dialect {name!r}; expected one of {SUPPORTED_DIALECTS}")
    return name


def insert_ignore(dialect: str, table: sa.Table) -> sa.Executable:
    """INSERT that silently keeps an existing row with the same primary key; the row's values
    are execute-time parameters (`conn.execute(stmt, values)`), so callers build it once and
    SQLAlchemy reuses the compiled statement.

    Dialect-native (no IntegrityError) so it is safe inside a caller's transaction: a failed
    statement would abort a PostgreSQL transaction.
    """
    key = table.primary_key.columns.values()[0]
    if dialect == "sqlite":
        return sqlite.insert(table).on_conflict_do_nothing(index_elements=[key])
    if dialect == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=[key])
    return mysql.insert(table).on_duplicate_key_update({key.name: key})


@asynccontextmanager
async def write_tx(engine: AsyncEngine, dialect: str) -> AsyncIterator[AsyncConnection]:
    """A short write transaction.

    On SQLite it starts with BEGIN IMMEDIATE: taking the write lock up front makes concurrent
    writers wait on the busy timeout instead of failing with SQLITE_BUSY when a read lock cannot
    be upgraded.
    """
    if dialect != "sqlite":
        async with engine.begin() as conn:
            yield conn
        return
    async with engine.connect() as conn:
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            await conn.rollback()
            raise
        await conn.commit()
