"""The delay-queue port: what a durable queue, a leader lease and a worker observer must offer.

Both adapters (SQL, Redis) implement `DelayQueue`; the `Worker` and the `Scheduler` only talk to
these protocols, so the choice of backend is configuration, never an `if` in business code.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Literal, Protocol, runtime_checkable

import msgspec


class Job(msgspec.Struct, frozen=True, kw_only=True):
    """One delivery of a job to a handler.

    `attempts` counts deliveries including this one (1 on the first run). `lateness` is how long
    after its due time this delivery was claimed. `lease_token` fences ack/retry: a worker whose
    lease expired cannot settle the job on behalf of the worker that re-claimed it.
    """

    id: str
    type: str
    payload: dict[str, Any]
    headers: dict[str, str]
    run_at: float
    attempts: int = 0
    lateness: float = 0.0
    last_error: str | None = None
    lease_token: str = ""


class DeadJob(msgspec.Struct, frozen=True, kw_only=True):
    """A job that exhausted its attempts; kept for inspection until cancelled."""

    job: Job
    error: str
    died_at: float


Handler = Callable[[Job], Awaitable[None]]
Outcome = Literal["ok", "retry", "dead"]


class DelayQueue(Protocol):
    """A durable, at-least-once queue of jobs that become runnable at a point in time."""

    @property
    def lease_seconds(self) -> float:
        """How long a claim protects a job from other workers unless it is extended."""
        ...

    async def enqueue(
        self,
        job_type: str,
        payload: Mapping[str, Any],
        *,
        run_at: float | None = None,
        delay: float | None = None,
        job_id: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> str:
        """Store a job due at `run_at` (epoch s) or now + `delay`; same `job_id` twice keeps one."""
        ...

    async def cancel(self, job_id: str) -> bool:
        """Remove a pending, running or dead job; True when something was removed."""
        ...

    async def get(self, job_id: str) -> Job | None:
        """The pending or running job with this id, if any."""
        ...

    async def claim(self, worker_id: str, limit: int) -> list[Job]:
        """Lease up to `limit` due jobs to `worker_id`; each claim counts as one attempt."""
        ...

    async def extend(self, jobs: list[Job]) -> None:
        """Push the lease deadline of jobs still being processed."""
        ...

    async def ack(self, job: Job) -> bool:
        """Mark a claimed job done; False when the lease was lost meanwhile."""
        ...

    async def retry(self, job: Job, *, run_at: float, error: str) -> bool:
        """Release a claimed job to run again at `run_at`."""
        ...

    async def bury(self, job: Job, *, error: str) -> bool:
        """Move a claimed job to the dead state."""
        ...

    async def purge_tombstones(self) -> int:
        """Forget finished dedup ids older than the retention; returns how many."""
        ...

    async def depth(self) -> int:
        """Jobs waiting or running (not dead)."""
        ...

    async def oldest_due_lateness(self) -> float:
        """Seconds the most overdue unclaimed job has been waiting past its due time (0 if none)."""
        ...

    async def dead_count(self) -> int:
        """Jobs in the dead state."""
        ...

    async def dead_jobs(self, limit: int = 100) -> list[DeadJob]:
        """The most recently buried jobs, newest first."""
        ...


@runtime_checkable
class WakesWorkers(Protocol):
    """Optional for an adapter: it tells the workers of this process, through `listener`, that
    a job became due now (enqueued here without a delay), so they claim it at once instead of
    at their next poll. Other processes still find it by polling."""

    def on_due(self, listener: Callable[[], None]) -> None: ...


class LeaderLease(Protocol):
    """A named lease with a TTL so that, normally, one scheduler replica is active."""

    async def acquire(self, holder: str, ttl: float) -> bool:
        """Take or renew the lease for `holder`; False when someone else holds it."""
        ...

    async def release(self, holder: str) -> None:
        """Give the lease up early (on graceful stop) if `holder` has it."""
        ...


class WorkerObserver(Protocol):
    """Hooks for metrics and traces; called by the worker, must not raise."""

    def job_started(self, job: Job) -> None: ...

    def job_finished(self, job: Job, outcome: Outcome, duration: float, error: str | None) -> None: ...


class JobCounts(msgspec.Struct, frozen=True, kw_only=True):
    """Jobs not dead, by state: `due` (runnable, not leased), `scheduled` (due later), `running`
    (leased). A job whose lease ran out counts as due: it will be claimed again."""

    due: int
    scheduled: int
    running: int


@runtime_checkable
class CountsJobs(Protocol):
    """Optional for an adapter: counts by state, for the `yys_jobs_depth` gauge."""

    async def counts(self) -> JobCounts: ...
