"""SQL-only: a job enqueued inside the caller's transaction shares its fate; a job due now wakes
the worker of the same process."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import create_async_engine

from yys.kit.delayqueue import Job, Worker
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


async def test_a_job_due_now_wakes_the_worker_of_this_process(tmp_path: Path) -> None:
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'wake.db'}")
    metadata = sa.MetaData()
    jobs = delay_jobs_table(metadata)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    queue = SqlDelayQueue(engine, jobs)
    ran: list[str] = []
    done = asyncio.Event()

    async def handler(job: Job) -> None:
        ran.append(job.id)
        done.set()

    # Polls every minute: only a wake-up can run a job within the test's timeouts.
    worker = Worker(queue, {"t": handler}, poll_interval=60)
    task = asyncio.create_task(worker.run())
    try:
        await asyncio.sleep(0.2)  # the worker's first (empty) claim is done; it sleeps now
        await queue.enqueue("t", {}, job_id="direct")
        await asyncio.wait_for(done.wait(), 5)
        done.clear()
        async with engine.begin() as conn:
            await queue.enqueue("t", {}, job_id="in-tx", connection=conn)
        queue.wake()  # after the caller's commit, as order's unit of work does
        await asyncio.wait_for(done.wait(), 5)
        await queue.enqueue("t", {}, job_id="later", delay=30)  # not due: no wake-up needed
        assert ran == ["direct", "in-tx"]
    finally:
        await worker.stop()
        await asyncio.wait_for(task, 10)
        await engine.dispose()
