"""The worker: claims due jobs from any `DelayQueue` adapter and runs their handlers.

At-least-once: a job is acknowledged only after its handler returned. A worker that dies keeps
its jobs leased until the lease expires, then another worker (or its restart) claims them again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Mapping

from yys.kit.delayqueue.backoff import RetryPolicy
from yys.kit.delayqueue.metrics import JobMetrics
from yys.kit.delayqueue.ports import (
    CountsJobs,
    DelayQueue,
    Handler,
    Job,
    Outcome,
    WakesWorkers,
    WorkerObserver,
)
from yys.kit.observability import tracing
from yys.kit.observability.refresh import REFRESH_SECONDS, refresh_every

log = logging.getLogger(__name__)


class LoggingObserver:
    """Default observer: one log line per finished job, with its lateness and duration."""

    def job_started(self, job: Job) -> None:
        log.debug("delay job started", extra={"job_id": job.id, "job_type": job.type,
                                              "attempt": job.attempts, "lateness_s": job.lateness})

    def job_finished(self, job: Job, outcome: Outcome, duration: float, error: str | None) -> None:
        level = logging.INFO if outcome == "ok" else logging.WARNING
        log.log(level, "delay job %s: %s", outcome, job.type,
                extra={"job_id": job.id, "job_type": job.type, "attempt": job.attempts,
                       "lateness_s": round(job.lateness, 3), "duration_s": round(duration, 3),
                       "error": error})


class Worker:
    """Run `handlers[job.type]` for due jobs, at most `concurrency` at a time."""

    def __init__(
        self,
        queue: DelayQueue,
        handlers: Mapping[str, Handler],
        *,
        concurrency: int = 4,
        poll_interval: float = 1.0,
        retry: RetryPolicy | None = None,
        worker_id: str | None = None,
        observer: WorkerObserver | None = None,
        heartbeat_interval: float | None = None,
        purge_interval: float = 300.0,
        stop_timeout: float | None = None,
        clock: Callable[[], float] = time.time,
        service: str | None = None,
        metrics_interval: float = REFRESH_SECONDS,
    ) -> None:
        """`service` names the owner in the job metrics; without it none are recorded."""
        if concurrency < 1:
            raise ValueError("concurrency must be >= 1")
        self._queue = queue
        self._handlers = dict(handlers)
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._retry = retry or RetryPolicy()
        self.worker_id = worker_id or f"worker-{uuid.uuid4().hex[:12]}"
        self._observer: WorkerObserver = observer or LoggingObserver()
        self._metrics = None if service is None else JobMetrics(service, self._observer)
        if self._metrics is not None:
            self._observer = self._metrics
        self._metrics_interval = metrics_interval
        # Renew well before expiry so one slow round trip does not lose the lease.
        self._heartbeat_interval = heartbeat_interval or max(queue.lease_seconds / 3, 0.01)
        self._purge_interval = purge_interval
        self._stop_timeout = stop_timeout
        self._clock = clock
        self._inflight: dict[asyncio.Task[None], Job] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._finished = asyncio.Event()
        self._running = False
        if isinstance(queue, WakesWorkers):
            queue.on_due(self._wake.set)

    async def run(self) -> None:
        """Claim and run jobs until `stop()`; then finish the jobs in flight and return.

        If this task is cancelled instead (process killed), in-flight handlers are cancelled and
        their jobs are left leased: they run again once the lease expires.
        """
        self._running = True
        self._finished.clear()
        housekeeping = asyncio.create_task(self._housekeeping())
        gauges = asyncio.create_task(self._refresh_depth())
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                more = await self._fill()
                if more and len(self._inflight) < self._concurrency:
                    continue
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self._poll_interval)
            await self._drain()
        finally:
            housekeeping.cancel()
            gauges.cancel()
            for task in list(self._inflight):
                task.cancel()
            await asyncio.gather(housekeeping, gauges, *self._inflight, return_exceptions=True)
            self._running = False
            self._finished.set()

    async def stop(self) -> None:
        """Stop claiming, wait for in-flight jobs (up to `stop_timeout`), return when done."""
        self._stopping.set()
        self._wake.set()
        if self._running:
            await self._finished.wait()

    async def _fill(self) -> bool:
        """Claim into free slots; True when the queue may hold more due jobs right now."""
        free = self._concurrency - len(self._inflight)
        if free <= 0:
            return False
        try:
            jobs = await self._queue.claim(self.worker_id, free)
        except Exception:
            log.exception("delay queue claim failed; retrying after the poll interval")
            return False
        for job in jobs:
            task = asyncio.create_task(self._process(job), name=f"delayjob:{job.id}")
            self._inflight[task] = job
            task.add_done_callback(self._forget)
        return len(jobs) == free

    def _forget(self, task: asyncio.Task[None]) -> None:
        self._inflight.pop(task, None)
        self._wake.set()

    async def _drain(self) -> None:
        if not self._inflight:
            return
        _done, pending = await asyncio.wait(list(self._inflight), timeout=self._stop_timeout)
        if pending:
            log.warning("stopping with %d delay jobs unfinished; they rerun after their lease",
                        len(pending))

    async def _process(self, job: Job) -> None:
        self._observer.job_started(job)
        started = time.monotonic()
        if job.attempts > self._retry.max_attempts:
            # Only reachable when earlier deliveries never reported back (worker crashes while
            # running it): stop feeding a job that keeps killing workers.
            error = f"lease expired {job.attempts - 1} times; giving up"
            await self._settle(job, "dead", started, error)
            return
        handler = self._handlers.get(job.type)
        try:
            if handler is None:
                raise LookupError(f"no handler registered for job type {job.type!r}")
            with tracing.job_span(job.type, job.headers, job_id=job.id, attempt=job.attempts,
                                  lateness=job.lateness):
                await handler(job)
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"
            outcome: Outcome = "dead" if self._retry.exhausted(job.attempts) else "retry"
            await self._settle(job, outcome, started, error)
        else:
            await self._settle(job, "ok", started, None)

    async def _settle(self, job: Job, outcome: Outcome, started: float, error: str | None) -> None:
        try:
            if outcome == "ok":
                kept = await self._queue.ack(job)
            elif outcome == "retry":
                run_at = self._clock() + self._retry.delay(job.attempts)
                kept = await self._queue.retry(job, run_at=run_at, error=error or "")
            else:
                kept = await self._queue.bury(job, error=error or "")
        except Exception:
            # The lease runs out and the job is delivered again: at-least-once, not lost.
            log.exception("could not record outcome %s of delay job %s", outcome, job.id)
            return
        if not kept:
            log.warning("lease of delay job %s was lost before it finished", job.id)
        self._observer.job_finished(job, outcome, time.monotonic() - started, error)

    async def _refresh_depth(self) -> None:
        """Keep `yys_jobs_depth` current (a query every `metrics_interval`, not per scrape)."""
        metrics, queue = self._metrics, self._queue
        if metrics is None or not isinstance(queue, CountsJobs):
            return

        async def refresh() -> None:
            metrics.depth(await queue.counts())

        await refresh_every(self._metrics_interval, refresh, self._stopping, what="jobs depth")

    async def _housekeeping(self) -> None:
        last_purge = time.monotonic()
        while True:
            await asyncio.sleep(self._heartbeat_interval)
            if self._inflight:
                try:
                    await self._queue.extend(list(self._inflight.values()))
                except Exception:
                    log.exception("could not extend delay job leases")
            if time.monotonic() - last_purge >= self._purge_interval:
                last_purge = time.monotonic()
                try:
                    await self._queue.purge_tombstones()
                except Exception:
                    log.exception("could not purge delay job tombstones")
