"""order suites run against each database adapter: a SQLite file and the real MariaDB."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.unit.services.order.fakes import FakeMqueue, FakePayment, FakeTravel, clients, homestay
from yys.kit.db import Database
from yys.kit.delayqueue import Worker
from yys.kit.delayqueue.sql import SqlDelayQueue
from yys.kit.migrations import upgrade
from yys.services.order import tables
from yys.services.order.domain import BookingRequest, Order
from yys.services.order.jobs import job_handlers
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.repository import SqlOrderRepository
from yys.services.order.service import OrderService
from yys.services.order.wiring import MIGRATIONS, unit_factories

CLOSE_DELAY = 1.0
TZ = "Asia/Shanghai"


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'order.db'}"
    return str(request.getfixturevalue("mariadb_url"))


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    """A migrated order schema."""
    database = Database(database_url, pool_size=10)
    await upgrade(database.engine, MIGRATIONS)
    try:
        yield database
    finally:
        await database.dispose()


@dataclass
class Harness:
    """Everything one order test needs, wired like `wiring.build` but with fakes for the
    other services and a short close delay."""

    db: Database
    queue: SqlDelayQueue
    service: OrderService
    lifecycle: OrderLifecycle
    payment: FakePayment
    mqueue: FakeMqueue
    travel: FakeTravel

    def worker(self, queue: SqlDelayQueue | None = None, **kw: object) -> Worker:
        return Worker(queue or self.queue, job_handlers(self.lifecycle, settle_tz=TZ),
                      poll_interval=0.05, **kw)  # type: ignore[arg-type]

    async def book(self, user_id: int = 1, **overrides: object) -> str:
        start = int(time.time()) + 86400
        values: dict[str, object] = dict(homestay_id=7, with_food=True, live_start=start,
                                         live_end=start + 2 * 86400, people=2, remark="")
        values.update(overrides)
        return await self.service.create_order(user_id=user_id,
                                               request=BookingRequest(**values))  # type: ignore[arg-type]

    async def get(self, sn: str) -> Order:
        async with self.db.read() as conn:
            found = await SqlOrderRepository(conn).get_by_sn(sn)
        assert found is not None
        return found


def build_harness(db: Database, *, lease_seconds: float = 5.0) -> Harness:
    queue = SqlDelayQueue(db.engine, tables.delay_job, lease_seconds=lease_seconds)
    reads, writes = unit_factories(db, queue)
    travel, payment, mqueue = FakeTravel(homestay(), homestay(id=9, homestay_business_id=4)), \
        FakePayment(), FakeMqueue()
    bound = clients(travel, payment, mqueue)
    service = OrderService(reads=reads, writes=writes, clients=bound, clock=time.time,
                           close_delay=CLOSE_DELAY)
    lifecycle = OrderLifecycle(reads=reads, writes=writes, clients=bound, clock=time.time,
                               close_delay=CLOSE_DELAY, commission_bps=500, settle_tz=TZ)
    return Harness(db, queue, service, lifecycle, payment, mqueue, travel)


@pytest.fixture
def harness(db: Database) -> Harness:
    return build_harness(db)


async def wait_until(check: Callable[[], Awaitable[bool]], within: float = 10.0) -> None:
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.02)
