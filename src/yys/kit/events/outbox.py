"""Transactional outbox: write events in the business transaction, publish them afterwards.

`add_to_outbox` runs inside the caller's open transaction, so an event exists if and only if the
state change that caused it was committed. `OutboxRelay` publishes pending rows in id order and
marks them only after the publisher confirmed: delivery is at-least-once (a crash between publish
and mark re-publishes the row), so consumers dedupe by event id.

Several relay replicas are safe: on MariaDB/MySQL/PostgreSQL each batch is claimed with
`SELECT ... FOR UPDATE SKIP LOCKED`, so replicas work on disjoint rows; on SQLite the relays of
one table take turns on an in-process lock and hold the file's write lock only to record
outcomes, never while publishing (an in-process consumer writing to the same file would
otherwise deadlock with the publish).
Per-key order holds within one relay; with several replicas two events of one key may overtake
each other, which conditional state updates on the consumer side tolerate.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Double,
    Index,
    Insert,
    Integer,
    MetaData,
    Row,
    Select,
    String,
    Table,
    Text,
    bindparam,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from yys.kit.events._delivery import sleep_unless
from yys.kit.events._lifecycle import Lifecycle
from yys.kit.events.bus import Publisher
from yys.kit.events.envelope import Event, decode_headers, decode_payload, encode_json
from yys.kit.events.metrics import REFRESH_SECONDS, RelayMetrics, refresh_every, service_of_outbox
from yys.kit.observability import tracing

log = logging.getLogger(__name__)

# MySQL TEXT stops at 64 KiB; a payload that outgrows it should not fail the business write.
_JsonText = Text().with_variant(mysql.MEDIUMTEXT(), "mysql", "mariadb")
# SQLite only auto-increments an INTEGER PRIMARY KEY, not a BIGINT one.
_Id = BigInteger().with_variant(Integer(), "sqlite")
_ERROR_MAX = 500


def outbox_table(metadata: MetaData, name: str) -> Table:
    """Declare a service's outbox table (e.g. `payment_outbox`) on its own metadata."""
    return Table(
        name,
        metadata,
        Column("id", _Id, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("topic", String(255), nullable=False),
        Column("key", String(255), nullable=False),
        Column("payload", _JsonText, nullable=False),
        Column("headers", _JsonText, nullable=False),
        Column("created_at", Double(), nullable=False),
        Column("published_at", Double(), nullable=True),
        Column("attempts", Integer(), nullable=False, server_default="0"),
        Column("last_error", String(_ERROR_MAX), nullable=True),
        # The relay scans "published_at IS NULL ORDER BY id"; this keeps that an index range.
        Index(f"ix_{name}_pending", "published_at", "id"),
    )


@functools.cache
def _insert_into(table: Table) -> Insert:
    # One statement per outbox table, its values given at execute time: SQLAlchemy then finds
    # the compiled form in its cache instead of building and coercing `.values()` per event.
    return insert(table)


async def add_to_outbox(conn: AsyncConnection | AsyncSession, table: Table, event: Event) -> None:
    """Insert `event` in the caller's open transaction. Never commits: the caller does."""
    await conn.execute(
        _insert_into(table),
        {
            "event_id": event.id,
            "topic": event.topic,
            "key": event.key,
            "payload": encode_json(event.payload),
            # The trace context of the writing request travels with the row, so the relay's
            # publish (and the consumers after it) continue that trace.
            "headers": encode_json(tracing.with_trace_context(event.headers)),
            "created_at": event.created_at,
            "attempts": 0,
        },
    )


@dataclass(frozen=True, slots=True)
class Backlog:
    """Unpublished rows and the age in seconds of the oldest one (None when there is none)."""

    pending: int
    oldest_age_seconds: float | None


@dataclass(slots=True)
class _BatchResult:
    claimed: int = 0
    published: int = 0
    failed: int = 0


class OutboxRelay:
    """Publishes committed outbox rows to the bus until stopped."""

    def __init__(
        self,
        engine: AsyncEngine,
        table: Table,
        publisher: Publisher,
        *,
        batch_size: int = 100,
        poll_interval: float = 0.5,
        publish_timeout: float = 30.0,
        max_error_backoff: float = 10.0,
        stop_grace: float = 30.0,
        service: str | None = None,
        metrics_interval: float = REFRESH_SECONDS,
    ) -> None:
        self._engine = engine
        self._table = table
        self._publisher = publisher
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._publish_timeout = publish_timeout
        self._max_error_backoff = max_error_backoff
        self._life = Lifecycle(stop_grace)
        self._kicked = asyncio.Event()
        self._sqlite = engine.dialect.name == "sqlite"
        # Engines of `kit.db` connect in READ COMMITTED already; setting it per batch cost two
        # round trips (the SET, and SQLAlchemy's reset when the connection went back).
        self._read_committed = getattr(
            engine.sync_engine.dialect, "_on_connect_isolation_level", None) == "READ COMMITTED"
        self._metrics = RelayMetrics(service or service_of_outbox(table.name))
        self._metrics_interval = metrics_interval
        # The batch statements, built once: per batch SQLAlchemy then finds their compiled forms
        # in its cache instead of building them and their cache keys (~1 batch per payment).
        pending = (select(table).where(table.c.published_at.is_(None)).order_by(table.c.id)
                   .limit(batch_size))
        self._pending = pending
        self._claim_query = pending if self._sqlite else pending.with_for_update(skip_locked=True)
        self._take_lock = update(table).where(table.c.id == -1).values(attempts=table.c.attempts)
        self._mark_published = (update(table)
                                .where(table.c.id.in_(bindparam("ids", expanding=True)))
                                .values(published_at=bindparam("now")))
        self._system = str(getattr(publisher, "messaging_system", "unknown"))

    def kick(self) -> None:
        """Publish now rather than at the next poll (call it right after committing an event)."""
        self._kicked.set()

    async def stop(self) -> None:
        """Finish the batch in hand, then make `run()` return."""
        self._kicked.set()
        await self._life.stop()

    async def run(self) -> None:
        """Publish pending rows until `stop()`; a DB or broker outage is retried, never fatal."""
        self._life.enter()
        errors = 0
        gauges = asyncio.create_task(refresh_every(
            self._metrics_interval, self.refresh_metrics, self._life.stopping, what="outbox"))
        try:
            while not self._life.stopping.is_set():
                try:
                    result = await self._relay_batch()
                    errors = 0
                except Exception:
                    errors += 1
                    log.exception("outbox relay batch failed", extra={"table": self._table.name})
                    await self._pause(min(self._max_error_backoff, self._poll_interval * 2**errors))
                    continue
                if result.claimed < self._batch_size or result.failed:
                    await self._pause(self._poll_interval)
        finally:
            gauges.cancel()
            # Wait for it: a refresh cancelled mid-query must hand its connection back before
            # the relay counts as stopped (on SQLite an abandoned reader holds the file's lock).
            await asyncio.gather(gauges, return_exceptions=True)
            self._life.exit()

    async def publish_pending_once(self) -> int:
        """Relay one batch; return how many events the publisher confirmed."""
        return (await self._relay_batch()).published

    async def backlog(self) -> Backlog:
        """Pending rows and the oldest pending age, for metrics and alerts."""
        table = self._table
        query = select(func.count(), func.min(table.c.created_at)).where(table.c.published_at.is_(None))
        async with self._engine.connect() as conn:
            count, oldest = (await conn.execute(query)).one()
        age = None if oldest is None else max(0.0, time.time() - float(oldest))
        return Backlog(int(count), age)

    async def refresh_metrics(self) -> None:
        """Set the backlog gauges (the relay loop calls it every few seconds)."""
        backlog = await self.backlog()
        self._metrics.backlog(backlog.pending, backlog.oldest_age_seconds)

    async def pending_count(self) -> int:
        return (await self.backlog()).pending

    async def purge_published(self, older_than_seconds: float, *, chunk: int = 1000) -> int:
        """Delete rows published more than `older_than_seconds` ago, in short transactions."""
        table, before, total = self._table, time.time() - older_than_seconds, 0
        query = select(table.c.id).where(table.c.published_at < before).order_by(table.c.id).limit(chunk)
        while True:
            async with self._engine.begin() as conn:
                ids = list((await conn.execute(query)).scalars())
                if ids:
                    await conn.execute(table.delete().where(table.c.id.in_(ids)))
            total += len(ids)
            if len(ids) < chunk:
                return total

    # -- internals -------------------------------------------------------------------------

    async def _pause(self, seconds: float) -> None:
        if not self._kicked.is_set():
            await sleep_unless(self._kicked, seconds)
        self._kicked.clear()

    async def _relay_batch(self) -> _BatchResult:
        if self._sqlite:
            return await self._relay_batch_sqlite()
        async with self._engine.connect() as conn:
            if not self._read_committed:
                # READ COMMITTED: InnoDB then takes no gap locks, so the relay's scan does not
                # block business transactions inserting new outbox rows.
                await conn.execution_options(isolation_level="READ COMMITTED")
            async with conn.begin():
                rows = await self._claim(conn)
                if not rows:
                    return _BatchResult()
                published, failed = await self._publish_rows(rows)
                await self._record(conn, published, failed)
        return _BatchResult(len(rows), len(published), len(failed))

    async def _relay_batch_sqlite(self) -> _BatchResult:
        """SQLite has one write lock per file. Holding it while publishing deadlocks in-process
        consumers that write to the same file before they acknowledge (MemoryBus with
        `ack_after_consumed`): they wait for the lock, the publish waits for them. So relays of
        one table take turns on an in-process lock, and the write lock is only taken to record
        the outcome. (Relays in two processes on one file could publish a row twice, which
        at-least-once delivery allows.)"""
        async with _sqlite_turn(self._engine, self._table):
            async with self._engine.connect() as conn:
                rows = (await conn.execute(self._pending_query())).all()
            if not rows:
                return _BatchResult()
            published, failed = await self._publish_rows(rows)
            async with self._engine.begin() as conn:
                await self._record(conn, published, failed)
        return _BatchResult(len(rows), len(published), len(failed))

    def _pending_query(self) -> Select[Any]:
        return self._pending

    async def _claim(self, conn: AsyncConnection) -> Sequence[Row[Any]]:
        if self._sqlite:
            # pysqlite opens its transaction lazily at the first write; a no-op write first
            # takes the database write lock, so a second relay waits instead of double-reading.
            await conn.execute(self._take_lock)
        return (await conn.execute(self._claim_query)).all()

    async def _publish_rows(self, rows: Sequence[Row[Any]]) -> tuple[list[int], dict[int, str]]:
        """Publish keys concurrently, each key's events in id order; stop a key at its first failure."""
        by_key: dict[str, list[Row[Any]]] = {}
        for row in rows:
            by_key.setdefault(row.key, []).append(row)
        published: list[int] = []
        failed: dict[int, str] = {}

        async def publish_key(key_rows: list[Row[Any]]) -> None:
            for row in key_rows:
                try:
                    event = _row_to_event(row)
                    with tracing.producer_span(event.topic, event.headers, system=self._system,
                                               event_id=event.id):
                        if tracing.enabled():  # the publish span's context, for the consumers
                            event = event.with_headers(**tracing.with_trace_context(event.headers))
                        await asyncio.wait_for(self._publisher.publish(event), self._publish_timeout)
                except Exception as exc:
                    self._metrics.failed()
                    failed[row.id] = f"{type(exc).__name__}: {exc}"[:_ERROR_MAX]
                    log.warning("outbox publish failed",
                                extra={"table": self._table.name, "event_id": row.event_id,
                                       "error": failed[row.id]})
                    return  # later events of this key wait, to keep their order
                self._metrics.published(row.topic)
                published.append(row.id)

        await asyncio.gather(*(publish_key(key_rows) for key_rows in by_key.values()))
        return published, failed

    async def _record(self, conn: AsyncConnection, published: list[int], failed: dict[int, str]) -> None:
        table = self._table
        if published:
            now = time.time()
            await conn.execute(self._mark_published, {"ids": published, "now": now})
        for row_id, error in failed.items():
            await conn.execute(
                update(table)
                .where(table.c.id == row_id)
                .values(attempts=table.c.attempts + 1, last_error=error)
            )


# Per event loop (asyncio locks bind to one), per database file and table.
_SQLITE_TURNS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], asyncio.Lock]] = (
    weakref.WeakKeyDictionary())


def _sqlite_turn(engine: AsyncEngine, table: Table) -> asyncio.Lock:
    locks = _SQLITE_TURNS.setdefault(asyncio.get_running_loop(), {})
    return locks.setdefault((str(engine.url), table.name), asyncio.Lock())


def _row_to_event(row: Row[Any]) -> Event:
    """Rebuild the envelope from an outbox row, with its original id and timestamp."""
    return Event(
        id=row.event_id,
        topic=row.topic,
        key=row.key,
        payload=decode_payload(row.payload),
        headers=decode_headers(row.headers),
        created_at=row.created_at,
    )
