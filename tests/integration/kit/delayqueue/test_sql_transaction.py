"""SQL-only: a job enqueued inside the caller's transaction shares its fate."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from yys.kit.delayqueue.sql import SqlDelayQueue, delay_jobs_table


class Boom(Exception):
    pass


async def test_enqueue_in_caller_transaction_commits_and_rolls_back_with_it(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'tx.db'}")
    metadata = sa.MetaData()
    jobs = delay_jobs_table(metadata)
    orders = sa.Table("orders", metadata, sa.Column("sn", sa.String(32), primary_key=True))
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    queue = SqlDelayQueue(engine, jobs)
    try:
        with pytest.raises(Boom):
            async with engine.begin() as conn:
                await conn.execute(orders.insert().values(sn="A"))
                await queue.enqueue("close", {"sn": "A"}, delay=1800, job_id="close:A", connection=conn)
                raise Boom
        assert await queue.depth() == 0
        async with engine.begin() as conn:
            await conn.execute(orders.insert().values(sn="B"))
            await queue.enqueue("close", {"sn": "B"}, delay=1800, job_id="close:B", connection=conn)
            await queue.enqueue("close", {"sn": "B"}, delay=1800, job_id="close:B", connection=conn)
        assert await queue.depth() == 1
        assert await queue.get("close:B") is not None
    finally:
        await engine.dispose()
