"""`reset_only_open_transactions`: a connection returned after its transaction committed is not
rolled back again, and one returned inside a transaction still is (SQLite and MariaDB)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from yys.kit.dbpool import reset_only_open_transactions


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    url = (f"sqlite+aiosqlite:///{tmp_path / 'reset.db'}" if request.param == "sqlite"
           else request.getfixturevalue("mariadb_url"))
    instance = create_async_engine(url, pool_size=1, max_overflow=0, pool_reset_on_return=None)
    reset_only_open_transactions(instance.sync_engine)
    async with instance.begin() as conn:
        await conn.execute(text("CREATE TABLE t (x INTEGER)"))
    yield instance
    await instance.dispose()


def count_rollbacks(engine: AsyncEngine) -> list[int]:
    calls = [0]
    dialect = engine.sync_engine.dialect
    original = dialect.do_rollback

    def counting(dbapi_conn: Any) -> None:
        calls[0] += 1
        original(dbapi_conn)

    dialect.do_rollback = counting  # type: ignore[method-assign,assignment]
    return calls


async def rows(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT COUNT(*) FROM t"))).scalar_one())


async def test_a_committed_transaction_is_not_rolled_back_on_return(engine: AsyncEngine) -> None:
    rollbacks = count_rollbacks(engine)
    for _ in range(3):
        async with engine.begin() as conn:
            await conn.execute(text("INSERT INTO t VALUES (1)"))
    assert rollbacks[0] == 0
    assert await rows(engine) == 3


async def test_a_read_is_still_ended_by_its_connection(engine: AsyncEngine) -> None:
    rollbacks = count_rollbacks(engine)
    await rows(engine)
    assert rollbacks[0] == 1  # the Connection's own rollback at close, none from the pool


async def test_a_transaction_left_open_behind_sqlalchemy_is_rolled_back(engine: AsyncEngine) -> None:
    def insert_behind_its_back(sync_conn: Any) -> None:
        cursor = sync_conn.connection.dbapi_connection.cursor()
        cursor.execute("INSERT INTO t VALUES (2)")
        cursor.close()

    async with engine.connect() as conn:
        await conn.commit()  # SQLAlchemy now believes no transaction is open
        await conn.run_sync(insert_behind_its_back)
    assert await rows(engine) == 0  # the pool rolled the driver's open transaction back
