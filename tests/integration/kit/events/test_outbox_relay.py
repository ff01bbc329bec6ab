"""The outbox and its relay against SQLite (tmp file) and the real MariaDB."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

import pytest
from sqlalchemy import Table, func, select, update
from sqlalchemy import event as sa_event
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from tests.integration.kit.events.helpers import Collector, Running, until
from yys.kit.events import Backlog, Bus, Event, OutboxRelay, add_to_outbox

Outbox = tuple[AsyncEngine, Table]


class RecordingPublisher:
    """Records confirmed publishes; can be slowed down, broken, or made to hang."""

    def __init__(self, *, jitter: float = 0.0, fail_ids: set[str] | None = None,
                 hang_after: int | None = None) -> None:
        self.published: list[Event] = []
        self.jitter = jitter
        self.fail_ids = fail_ids or set()
        self.hang_after = hang_after
        self.hanging = asyncio.Event()

    async def publish(self, event: Event) -> None:
        if self.hang_after is not None and len(self.published) >= self.hang_after:
            self.hanging.set()
            await asyncio.sleep(3600)  # the broker never answers; the relay will be killed
        if self.jitter:
            await asyncio.sleep(random.uniform(0, self.jitter))
        if event.id in self.fail_ids:
            raise ConnectionError("broker unavailable")
        self.published.append(event)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.published]


async def write(engine: AsyncEngine, table: Table, count: int, *, keys: int = 5) -> list[Event]:
    events = [
        Event(topic="payment-update-paystatus", key=f"order-{n % keys}", payload={"n": n})
        for n in range(count)
    ]
    async with engine.begin() as conn:
        for event in events:
            await add_to_outbox(conn, table, event)
    return events


def per_key(events: list[Event]) -> dict[str, list[str]]:
    grouped: dict[str, list[str]] = {}
    for event in events:
        grouped.setdefault(event.key, []).append(event.id)
    return grouped


async def test_rolled_back_rows_are_never_published(outbox: Outbox) -> None:
    engine, table = outbox
    async with engine.connect() as conn, conn.begin() as tx:
        await add_to_outbox(conn, table, Event(topic="t", key="k", payload={"lost": True}))
        await tx.rollback()
    kept = await write(engine, table, 1)
    publisher = RecordingPublisher()
    relay = OutboxRelay(engine, table, publisher)
    assert await relay.publish_pending_once() == 1
    assert await relay.publish_pending_once() == 0
    assert publisher.published == kept  # same id, payload and timestamp as written


async def test_add_to_outbox_joins_an_orm_session_transaction(outbox: Outbox) -> None:
    engine, table = outbox
    event = Event(topic="t", key="k", payload={"via": "session"}, headers={"traceparent": "x"})
    async with AsyncSession(engine) as session, session.begin():
        await add_to_outbox(session, table, event)
    publisher = RecordingPublisher()
    assert await OutboxRelay(engine, table, publisher).publish_pending_once() == 1
    assert publisher.published == [event]


async def test_committed_rows_are_published_exactly_once_in_key_order(outbox: Outbox) -> None:
    engine, table = outbox
    written = await write(engine, table, 230)
    publisher = RecordingPublisher(jitter=0.001)
    relay = OutboxRelay(engine, table, publisher, batch_size=50, poll_interval=0.02)
    task = asyncio.create_task(relay.run())
    await until(lambda: len(publisher.published) >= len(written))
    more = await write(engine, table, 20)  # written while running: picked up by the poll
    relay.kick()
    await until(lambda: len(publisher.published) >= len(written) + len(more))
    await relay.stop()
    await task
    assert Counter(publisher.ids) == Counter(e.id for e in written + more)
    assert per_key(publisher.published) == per_key(written + more)
    assert await relay.pending_count() == 0
    async with engine.connect() as conn:
        unmarked = await conn.scalar(select(func.count()).where(table.c.published_at.is_(None)))
    assert unmarked == 0


async def test_two_relays_share_the_work_without_losing_or_repeating(outbox: Outbox) -> None:
    engine, table = outbox
    written = await write(engine, table, 300, keys=30)
    publishers = [RecordingPublisher(jitter=0.002) for _ in range(2)]
    relays = [OutboxRelay(engine, table, p, batch_size=20, poll_interval=0.01) for p in publishers]
    tasks = [asyncio.create_task(r.run()) for r in relays]
    await until(lambda: sum(len(p.published) for p in publishers) >= len(written), within=20)
    await asyncio.sleep(0.1)
    for relay, task in zip(relays, tasks, strict=True):
        await relay.stop()
        await task
    # No crash happened, so not even a duplicate is acceptable.
    assert Counter(publishers[0].ids + publishers[1].ids) == Counter(e.id for e in written)
    if engine.dialect.name != "sqlite":  # SKIP LOCKED: both replicas really worked in parallel
        assert all(p.published for p in publishers)


async def test_a_relay_killed_mid_batch_loses_nothing(outbox: Outbox) -> None:
    engine, table = outbox
    written = await write(engine, table, 40)
    hanging = RecordingPublisher(hang_after=7)
    doomed = OutboxRelay(engine, table, hanging, batch_size=40)
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(hanging.hanging.wait(), 10)
    task.cancel()  # the process dies between publishing and marking the batch
    await asyncio.gather(task, return_exceptions=True)
    assert await doomed.pending_count() == len(written)  # the batch was rolled back

    fresh = RecordingPublisher()
    restarted = OutboxRelay(engine, table, fresh, batch_size=15)
    while await restarted.publish_pending_once():
        pass
    assert Counter(fresh.ids) == Counter(e.id for e in written)  # the early ones twice overall: fine


async def test_a_failed_publish_is_retried_and_holds_back_its_key(outbox: Outbox) -> None:
    engine, table = outbox
    written = await write(engine, table, 6, keys=2)  # keys alternate: order-0, order-1, ...
    broken = written[0]  # the first order-0 event
    publisher = RecordingPublisher(fail_ids={broken.id})
    relay = OutboxRelay(engine, table, publisher)
    assert await relay.publish_pending_once() == 3  # only order-1's events went out
    assert {e.key for e in publisher.published} == {"order-1"}
    async with engine.connect() as conn:
        row = (await conn.execute(select(table).where(table.c.event_id == broken.id))).one()
    assert (row.attempts, row.published_at) == (1, None)
    assert row.last_error == "ConnectionError: broker unavailable"

    publisher.fail_ids.clear()
    assert await relay.publish_pending_once() == 3
    assert per_key(publisher.published) == per_key(written)


async def test_kick_wakes_the_relay_before_its_poll_interval(outbox: Outbox) -> None:
    engine, table = outbox
    publisher = RecordingPublisher()
    relay = OutboxRelay(engine, table, publisher, poll_interval=30.0)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.1)  # the first (empty) poll is done; it now sleeps for 30 s
    await write(engine, table, 1)
    relay.kick()
    await until(lambda: len(publisher.published) == 1, within=3)
    await relay.stop()
    await task


async def test_backlog_and_purge(outbox: Outbox) -> None:
    engine, table = outbox
    relay = OutboxRelay(engine, table, RecordingPublisher(), batch_size=3)
    assert await relay.backlog() == Backlog(0, None)
    written = await write(engine, table, 5)
    async with engine.begin() as conn:
        await conn.execute(update(table).values(created_at=time.time() - 60))
    backlog = await relay.backlog()
    assert backlog.pending == len(written)
    assert backlog.oldest_age_seconds is not None and 59 <= backlog.oldest_age_seconds < 120

    assert await relay.publish_pending_once() == 3
    async with engine.begin() as conn:  # the first two were published long ago
        first_two = [e.id for e in written[:2]]
        await conn.execute(
            update(table).where(table.c.event_id.in_(first_two)).values(published_at=time.time() - 7200)
        )
    assert await relay.purge_published(3600, chunk=1) == 2
    assert await relay.purge_published(3600) == 0
    async with engine.connect() as conn:
        left = await conn.scalar(select(func.count()).select_from(table))
    assert left == 3
    assert (await relay.backlog()).pending == 2
    await relay.publish_pending_once()
    assert await relay.backlog() == Backlog(0, None)


@pytest.mark.mariadb
@pytest.mark.parametrize("kind", ["plain engine", "kit.db engine"])
async def test_mariadb_relay_does_not_block_business_inserts(mariadb_url: str, kind: str) -> None:
    """While a batch is in flight, its row locks must not stall new outbox writes (no gap locks).
    A plain engine gets READ COMMITTED per batch; a `kit.db` engine has it from its connect,
    and the relay then does not set it again (two round trips per batch)."""
    from sqlalchemy import MetaData
    from sqlalchemy.ext.asyncio import create_async_engine

    from yys.kit.db import Database
    from yys.kit.events import outbox_table

    engine = create_async_engine(mariadb_url) if kind == "plain engine" else Database(mariadb_url).engine
    dialect = engine.sync_engine.dialect
    set_level = dialect.set_isolation_level
    levels_set: list[str] = []

    def counting(dbapi_conn: object, level: str) -> None:
        levels_set.append(level)
        set_level(dbapi_conn, level)  # type: ignore[arg-type]

    dialect.set_isolation_level = counting  # type: ignore[method-assign,assignment]
    connects: list[object] = []
    sa_event.listen(engine.sync_engine, "connect", lambda conn, _record: connects.append(conn))
    table = outbox_table(MetaData(), "payment_outbox")
    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.metadata.create_all)
        await write(engine, table, 3)
        hanging = RecordingPublisher(hang_after=1)
        relay = OutboxRelay(engine, table, hanging)
        task = asyncio.create_task(relay.run())
        await asyncio.wait_for(hanging.hanging.wait(), 10)
        async with asyncio.timeout(2):
            await write(engine, table, 1)  # would wait for the relay if the scan locked the gap
        second = OutboxRelay(engine, table, RecordingPublisher())
        assert await second.publish_pending_once() == 1  # SKIP LOCKED: only the unlocked new row
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        if kind == "plain engine":
            assert len(levels_set) > len(connects)  # set per batch (and reset after it)
        else:
            assert len(levels_set) == len(connects)  # once per new connection, at connect
    finally:
        await engine.dispose()


async def test_a_relay_recovers_from_a_database_outage(outbox: Outbox) -> None:
    engine, table = outbox
    async with engine.begin() as conn:
        await conn.run_sync(table.drop)  # every batch now fails as if the DB were away
    publisher = RecordingPublisher()
    relay = OutboxRelay(engine, table, publisher, poll_interval=0.01, max_error_backoff=0.05)
    task = asyncio.create_task(relay.run())
    await asyncio.sleep(0.2)
    assert not task.done()
    async with engine.begin() as conn:
        await conn.run_sync(table.create)
    written = await write(engine, table, 3)
    await until(lambda: len(publisher.published) == 3)
    await relay.stop()
    await task
    assert publisher.published == written


async def test_outbox_to_consumer_end_to_end(outbox: Outbox, bus: Bus, topic: str) -> None:
    """The whole path a service uses: write in a transaction, relay, consume once per group."""
    engine, table = outbox
    got = Collector()
    running = Running(bus)
    running.start("order", [topic], got)
    relay = OutboxRelay(engine, table, bus, poll_interval=0.05)
    relay_task = asyncio.create_task(relay.run())
    event = Event(topic=topic, key="order-1", payload={"trade_state": 1})
    async with engine.begin() as conn:
        await add_to_outbox(conn, table, event)
    relay.kick()
    await until(lambda: len(got.events) == 1)
    await relay.stop()
    await relay_task
    await running.stop_all()
    assert got.events == [event]
