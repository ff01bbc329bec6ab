"""One fixture, three backends: SQL on SQLite, SQL on real MariaDB, Redis on real Redis."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from redis.asyncio import Redis
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from yys.kit.delayqueue import DelayQueue, LeaderLease
from yys.kit.delayqueue.redis import RedisDelayQueue, RedisLeaderLease
from yys.kit.delayqueue.sql import SqlDelayQueue, SqlLeaderLease, delay_jobs_table, leader_leases_table


@dataclass
class Backend:
    """Builds fresh queue/lease instances on the same storage (a new instance = a restart)."""

    name: str
    make_queue: Callable[..., DelayQueue]
    make_lease: Callable[[], LeaderLease]
    engine: AsyncEngine | None = None
    jobs_table: sa.Table | None = None
    closers: list[Callable[[], Any]] = field(default_factory=list)


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mariadb", marks=pytest.mark.mariadb),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def backend_url(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[str, str]:
    if request.param == "sqlite":
        return "sqlite", f"sqlite+aiosqlite:///{tmp_path / 'queue.db'}"
    if request.param == "mariadb":
        return "mariadb", str(request.getfixturevalue("mariadb_url"))
    return "redis", str(request.getfixturevalue("redis_url"))


async def _sql_backend(name: str, url: str) -> Backend:
    metadata = sa.MetaData()
    jobs = delay_jobs_table(metadata, "test_delay_jobs")
    leases = leader_leases_table(metadata, "test_leader_leases")
    engines: list[AsyncEngine] = []

    def new_engine() -> AsyncEngine:
        engine = create_async_engine(url)
        engines.append(engine)
        return engine

    setup = new_engine()
    async with setup.begin() as conn:
        await conn.run_sync(metadata.create_all)

    def make_queue(**kwargs: Any) -> DelayQueue:
        return SqlDelayQueue(new_engine(), jobs, **kwargs)

    def make_lease() -> LeaderLease:
        return SqlLeaderLease(new_engine(), leases, "scheduler")

    async def close() -> None:
        for engine in engines:
            await engine.dispose()

    return Backend(name, make_queue, make_lease, engine=setup, jobs_table=jobs, closers=[close])


def _redis_backend(url: str) -> Backend:
    prefix = f"{{test-{uuid.uuid4().hex[:8]}}}"
    clients: list[Redis] = []

    def new_client() -> Redis:
        client = Redis.from_url(url)
        clients.append(client)
        return client

    def make_queue(**kwargs: Any) -> DelayQueue:
        return RedisDelayQueue(new_client(), prefix=prefix, **kwargs)

    def make_lease() -> LeaderLease:
        return RedisLeaderLease(new_client(), f"{prefix}:leader")

    async def close() -> None:
        for client in clients:
            await client.aclose()

    return Backend("redis", make_queue, make_lease, closers=[close])


@pytest.fixture
async def backend(backend_url: tuple[str, str]) -> AsyncIterator[Backend]:
    name, url = backend_url
    built = _redis_backend(url) if name == "redis" else await _sql_backend(name, url)
    try:
        yield built
    finally:
        for close in built.closers:
            await close()
