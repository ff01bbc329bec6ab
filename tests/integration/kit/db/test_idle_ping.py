"""`ping_after_idle` on MariaDB: a pooled connection the server dropped while it sat idle is
replaced at checkout, and one that was just returned is handed out without a round trip."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import NullPool

from yys.kit.dbpool import ping_after_idle

pytestmark = pytest.mark.mariadb


async def _connection_id(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT CONNECTION_ID()"))).scalar_one())


async def _kill(url: str, connection_id: int) -> None:
    killer = create_async_engine(url, poolclass=NullPool)
    try:
        async with killer.connect() as conn:
            await conn.execute(text(f"KILL {int(connection_id)}"))
    finally:
        await killer.dispose()


def _count_pings(engine: AsyncEngine) -> list[int]:
    pings = [0]
    dialect = engine.sync_engine.dialect
    original = dialect.do_ping

    def counting(dbapi_conn: Any) -> bool:
        pings[0] += 1
        return bool(original(dbapi_conn))

    dialect.do_ping = counting  # type: ignore[method-assign,assignment]
    return pings


async def test_a_connection_killed_while_idle_is_replaced(mariadb_url: str) -> None:
    engine = create_async_engine(mariadb_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine.sync_engine, idle_seconds=0.0)
    try:
        first = await _connection_id(engine)
        await _kill(mariadb_url, first)
        second = await _connection_id(engine)  # the ping failed: a new connection, no error
        assert second != first
    finally:
        await engine.dispose()


async def test_without_the_idle_ping_the_killed_connection_fails(mariadb_url: str) -> None:
    # The control: a threshold the idle time does not reach hands out the dead connection.
    engine = create_async_engine(mariadb_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine.sync_engine, idle_seconds=3600.0)
    try:
        first = await _connection_id(engine)
        await _kill(mariadb_url, first)
        with pytest.raises(DBAPIError) as failure:
            await _connection_id(engine)
        assert failure.value.connection_invalidated
        assert await _connection_id(engine) != first  # the pool recovered after the failure
    finally:
        await engine.dispose()


async def test_a_connection_back_from_recent_use_is_not_pinged(mariadb_url: str) -> None:
    engine = create_async_engine(mariadb_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine.sync_engine, idle_seconds=3600.0)
    pings = _count_pings(engine)
    checkouts = [0]
    event.listen(engine.sync_engine, "checkout", lambda *_: checkouts.__setitem__(0, checkouts[0] + 1))
    try:
        ids = {await _connection_id(engine) for _ in range(5)}
        assert len(ids) == 1 and checkouts[0] == 5
        assert pings[0] == 0
    finally:
        await engine.dispose()


async def test_a_connection_idle_past_the_threshold_is_pinged_once(mariadb_url: str) -> None:
    engine = create_async_engine(mariadb_url, pool_size=1, max_overflow=0)
    ping_after_idle(engine.sync_engine, idle_seconds=0.0)
    pings = _count_pings(engine)
    try:
        await _connection_id(engine)  # a new connection is not pinged
        assert pings[0] == 0
        await _connection_id(engine)
        assert pings[0] == 1
    finally:
        await engine.dispose()
