"""Delay queue and leader lease persisted in the owning service's database (SQLAlchemy Core).

The embedded default runs this on SQLite; production may run it on MariaDB. Times are stored as
integer epoch milliseconds so comparisons are exact on every dialect.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from yys.kit.delayqueue._sqlutil import check_dialect, insert_ignore, write_tx
from yys.kit.delayqueue.ports import DeadJob, Job, JobCounts
from yys.kit.observability import tracing

PENDING, DONE, DEAD = "pending", "done", "dead"


def delay_jobs_table(metadata: sa.MetaData, name: str = "delay_jobs") -> sa.Table:
    """The jobs table, declared in the owning service's metadata (and migrations)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.String(191), primary_key=True),
        sa.Column("job_type", sa.String(191), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("headers", sa.Text, nullable=False),
        # pending (waiting or leased) | dead | done (tombstone of a caller-given id, for dedup)
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("run_at_ms", sa.BigInteger, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("dedup", sa.Boolean, nullable=False),
        sa.Column("locked_by", sa.String(191)),
        sa.Column("locked_until_ms", sa.BigInteger),
        sa.Column("lease_token", sa.String(64)),
        sa.Column("lateness_ms", sa.BigInteger),
        sa.Column("last_error", sa.Text),
        sa.Column("created_at_ms", sa.BigInteger, nullable=False),
        sa.Column("finished_at_ms", sa.BigInteger),
        sa.Index(f"ix_{name}_state_run_at", "state", "run_at_ms"),
    )


def leader_leases_table(metadata: sa.MetaData, name: str = "leader_leases") -> sa.Table:
    """One row per named lease (e.g. the service's scheduler)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("name", sa.String(191), primary_key=True),
        sa.Column("holder", sa.String(191), nullable=False),
        sa.Column("expires_at_ms", sa.BigInteger, nullable=False),
    )


def _ms(seconds: float) -> int:
    return math.ceil(seconds * 1000)


class SqlDelayQueue:
    """`DelayQueue` over a table made by `delay_jobs_table`."""

    def __init__(
        self,
        engine: AsyncEngine,
        table: sa.Table,
        *,
        lease_seconds: float = 60.0,
        tombstone_retention: float = 7 * 86400.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._engine = engine
        self._t = table
        self._dialect = check_dialect(engine)
        self._lease_seconds = lease_seconds
        self._retention = tombstone_retention
        self._clock = clock
        self._insert = insert_ignore(self._dialect, table)
        self._due_listeners: list[Callable[[], None]] = []

    @property
    def lease_seconds(self) -> float:
        return self._lease_seconds

    def on_due(self, listener: Callable[[], None]) -> None:
        """See `WakesWorkers`: a worker of this process registers its wake-up here."""
        self._due_listeners.append(listener)

    def wake(self) -> None:
        """A job enqueued in a caller's transaction is due now: call after that commit (before
        it the row is invisible and a woken worker would find nothing and sleep again)."""
        for listener in self._due_listeners:
            listener()

    async def enqueue(
        self,
        job_type: str,
        payload: Mapping[str, Any],
        *,
        run_at: float | None = None,
        delay: float | None = None,
        job_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        connection: AsyncConnection | None = None,
    ) -> str:
        """See `DelayQueue.enqueue`. Pass `connection` to enqueue inside the caller's transaction,
        so the job exists if and only if the business change commits."""
        if run_at is not None and delay is not None:
            raise ValueError("give run_at or delay, not both")
        now = self._clock()
        due = run_at if run_at is not None else now + (delay or 0.0)
        values = {
            "id": job_id or uuid.uuid4().hex,
            "job_type": job_type,
            "payload": msgspec.json.encode(dict(payload)).decode(),
            # The scheduling request's trace context: the worker continues its trace.
            "headers": msgspec.json.encode(tracing.with_trace_context(headers or {})).decode(),
            "state": PENDING,
            "run_at_ms": _ms(due),
            "attempts": 0,
            "dedup": job_id is not None,
            "created_at_ms": _ms(now),
        }
        if connection is not None:
            await connection.execute(self._insert, values)
        else:
            async with write_tx(self._engine, self._dialect) as conn:
                await conn.execute(self._insert, values)
            if due <= now:
                self.wake()
        return str(values["id"])

    async def cancel(self, job_id: str) -> bool:
        t = self._t
        stmt = sa.delete(t).where(t.c.id == job_id, t.c.state.in_((PENDING, DEAD)))
        async with write_tx(self._engine, self._dialect) as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def get(self, job_id: str) -> Job | None:
        t = self._t
        async with self._engine.connect() as conn:
            row = (await conn.execute(sa.select(t).where(t.c.id == job_id, t.c.state == PENDING))).first()
        return None if row is None else self._job(row)

    def _claimable(self, now_ms: int) -> sa.ColumnElement[bool]:
        t = self._t
        return sa.and_(
            t.c.state == PENDING,
            t.c.run_at_ms <= now_ms,
            sa.or_(t.c.locked_until_ms.is_(None), t.c.locked_until_ms < now_ms),
        )

    async def claim(self, worker_id: str, limit: int) -> list[Job]:
        t = self._t
        async with write_tx(self._engine, self._dialect) as conn:
            # Read the clock only once the transaction holds its lock: time spent waiting for
            # SQLite's write lock must not eat into the lease.
            now_ms = _ms(self._clock())
            lease = {
                "locked_by": worker_id,
                "locked_until_ms": now_ms + _ms(self._lease_seconds),
                "lease_token": uuid.uuid4().hex,
                "attempts": t.c.attempts + 1,
                "lateness_ms": now_ms - t.c.run_at_ms,
            }
            due = sa.select(t.c.id).where(self._claimable(now_ms)).order_by(t.c.run_at_ms).limit(limit)
            if self._dialect == "sqlite":
                # Writers are serialized by BEGIN IMMEDIATE, so one UPDATE picks and leases.
                stmt = sa.update(t).where(t.c.id.in_(due.scalar_subquery())).values(**lease)
                rows = (await conn.execute(stmt.returning(*t.c))).all()
            else:
                # Row locks: concurrent workers skip each other's candidates instead of waiting.
                ids = (await conn.execute(due.with_for_update(skip_locked=True))).scalars().all()
                if not ids:
                    return []
                await conn.execute(sa.update(t).where(t.c.id.in_(ids)).values(**lease))
                rows = (await conn.execute(sa.select(t).where(t.c.id.in_(ids)))).all()
        jobs = [self._job(row) for row in rows]
        return sorted(jobs, key=lambda job: job.run_at)

    def _fence(self, job: Job) -> sa.ColumnElement[bool]:
        t = self._t
        return sa.and_(t.c.id == job.id, t.c.lease_token == job.lease_token, t.c.state == PENDING)

    async def extend(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        t = self._t
        until = _ms(self._clock() + self._lease_seconds)
        stmt = (
            sa.update(t)
            .where(t.c.id.in_([j.id for j in jobs]), t.c.lease_token.in_({j.lease_token for j in jobs}))
            .where(t.c.state == PENDING)
            .values(locked_until_ms=until)
        )
        async with write_tx(self._engine, self._dialect) as conn:
            await conn.execute(stmt)

    async def ack(self, job: Job) -> bool:
        t = self._t
        unlocked = {"locked_by": None, "locked_until_ms": None, "lease_token": None}
        async with write_tx(self._engine, self._dialect) as conn:
            # Caller-given ids stay as a tombstone so a late duplicate enqueue is still ignored.
            done = sa.update(t).where(self._fence(job), t.c.dedup.is_(True))
            done = done.values(state=DONE, finished_at_ms=_ms(self._clock()), **unlocked)
            if (await conn.execute(done)).rowcount > 0:
                return True
            gone = sa.delete(t).where(self._fence(job), t.c.dedup.is_(False))
            return (await conn.execute(gone)).rowcount > 0

    async def retry(self, job: Job, *, run_at: float, error: str) -> bool:
        values = {"run_at_ms": _ms(run_at), "last_error": error, "locked_by": None,
                  "locked_until_ms": None, "lease_token": None}
        return await self._settle(job, values)

    async def bury(self, job: Job, *, error: str) -> bool:
        values = {"state": DEAD, "last_error": error, "finished_at_ms": _ms(self._clock()),
                  "locked_by": None, "locked_until_ms": None, "lease_token": None}
        return await self._settle(job, values)

    async def _settle(self, job: Job, values: dict[str, Any]) -> bool:
        stmt = sa.update(self._t).where(self._fence(job)).values(**values)
        async with write_tx(self._engine, self._dialect) as conn:
            return (await conn.execute(stmt)).rowcount > 0

    async def purge_tombstones(self) -> int:
        t = self._t
        cutoff = _ms(self._clock() - self._retention)
        stmt = sa.delete(t).where(t.c.state == DONE, t.c.finished_at_ms < cutoff)
        async with write_tx(self._engine, self._dialect) as conn:
            return int((await conn.execute(stmt)).rowcount)

    async def depth(self) -> int:
        return await self._count(self._t.c.state == PENDING)

    async def dead_count(self) -> int:
        return await self._count(self._t.c.state == DEAD)

    async def counts(self) -> JobCounts:
        """See `CountsJobs`: one scan of the pending rows (index on state, run_at)."""
        t, now_ms = self._t, _ms(self._clock())
        leased = t.c.locked_until_ms >= now_ms
        free = sa.or_(t.c.locked_until_ms.is_(None), t.c.locked_until_ms < now_ms)

        def tally(condition: sa.ColumnElement[bool]) -> sa.ColumnElement[Any]:
            return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)

        stmt = sa.select(tally(sa.and_(free, t.c.run_at_ms <= now_ms)),
                         tally(sa.and_(free, t.c.run_at_ms > now_ms)),
                         tally(leased)).where(t.c.state == PENDING)
        async with self._engine.connect() as conn:
            due, scheduled, running = (await conn.execute(stmt)).one()
        return JobCounts(due=int(due), scheduled=int(scheduled), running=int(running))

    async def _count(self, where: sa.ColumnElement[bool]) -> int:
        async with self._engine.connect() as conn:
            value = await conn.scalar(sa.select(sa.func.count()).select_from(self._t).where(where))
        return int(value or 0)

    async def oldest_due_lateness(self) -> float:
        now_ms = _ms(self._clock())
        stmt = sa.select(sa.func.min(self._t.c.run_at_ms)).where(self._claimable(now_ms))
        async with self._engine.connect() as conn:
            oldest = await conn.scalar(stmt)
        return 0.0 if oldest is None else max(0.0, (now_ms - int(oldest)) / 1000)

    async def dead_jobs(self, limit: int = 100) -> list[DeadJob]:
        t = self._t
        stmt = sa.select(t).where(t.c.state == DEAD).order_by(t.c.finished_at_ms.desc()).limit(limit)
        async with self._engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [
            DeadJob(job=self._job(r), error=r.last_error or "", died_at=(r.finished_at_ms or 0) / 1000)
            for r in rows
        ]

    @staticmethod
    def _job(row: sa.Row[Any]) -> Job:
        return Job(
            id=row.id,
            type=row.job_type,
            payload=msgspec.json.decode(row.payload),
            headers=msgspec.json.decode(row.headers),
            run_at=row.run_at_ms / 1000,
            attempts=row.attempts,
            lateness=max(0, row.lateness_ms or 0) / 1000,
            last_error=row.last_error,
            lease_token=row.lease_token or "",
        )


class SqlLeaderLease:
    """`LeaderLease` stored as one row of a `leader_leases_table`."""

    def __init__(
        self, engine: AsyncEngine, table: sa.Table, name: str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self._engine = engine
        self._t = table
        self._name = name
        self._dialect = check_dialect(engine)
        self._clock = clock
        self._insert = insert_ignore(self._dialect, table)

    async def acquire(self, holder: str, ttl: float) -> bool:
        t = self._t
        now_ms = _ms(self._clock())
        expires = now_ms + _ms(ttl)
        take = (
            sa.update(t)
            .where(t.c.name == self._name, sa.or_(t.c.holder == holder, t.c.expires_at_ms < now_ms))
            .values(holder=holder, expires_at_ms=expires)
        )
        row = {"name": self._name, "holder": holder, "expires_at_ms": expires}
        async with write_tx(self._engine, self._dialect) as conn:
            if (await conn.execute(take)).rowcount > 0:
                return True
            await conn.execute(self._insert, row)
            # MySQL's affected-row count cannot tell an ignored duplicate from an insert.
            owner = await conn.scalar(sa.select(t.c.holder).where(t.c.name == self._name))
        return bool(owner == holder)

    async def release(self, holder: str) -> None:
        t = self._t
        stmt = sa.delete(t).where(t.c.name == self._name, t.c.holder == holder)
        async with write_tx(self._engine, self._dialect) as conn:
            await conn.execute(stmt)
