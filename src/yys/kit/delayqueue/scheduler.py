"""Cron scheduler and periodic sweeps, active on one replica at a time.

Two layers keep a tick from being enqueued twice: a leader lease means normally only one replica
schedules, and the deterministic job id `<name>:<tick>` makes the queue drop a duplicate when two
replicas briefly both believe they lead (lease expiry during a pause, clock skew).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from yys.kit.delayqueue.cron import CronEntry, previous_tick, tick_job_id
from yys.kit.delayqueue.ports import DelayQueue, LeaderLease

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class PeriodicTask:
    """A coroutine run every `every_seconds` by the leader, e.g. a DB sweep as a safety net.

    A run never overlaps the previous one of the same task; it must be idempotent, because a
    leadership change can make two replicas run it around the same time.
    """

    name: str
    every_seconds: float
    run: Callable[[], Awaitable[None]]


class Scheduler:
    """Enqueue one job per cron tick and run periodic tasks while holding the leader lease.

    `lease=None` means "always leader": right for the single-process embedded topology.
    """

    def __init__(
        self,
        queue: DelayQueue,
        entries: Sequence[CronEntry] = (),
        *,
        tasks: Sequence[PeriodicTask] = (),
        lease: LeaderLease | None = None,
        lease_ttl: float = 30.0,
        tick_interval: float = 1.0,
        holder: str | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        names = [e.name for e in entries] + [t.name for t in tasks]
        if len(names) != len(set(names)):
            raise ValueError("schedule entry and task names must be unique")
        self._queue = queue
        self._entries = list(entries)
        self._tasks = list(tasks)
        self._lease = lease
        self._lease_ttl = lease_ttl
        self._tick_interval = tick_interval
        self.holder = holder or f"scheduler-{uuid.uuid4().hex[:12]}"
        self._clock = clock
        self._leader_until = 0.0
        self._renew_at = 0.0
        self._last_tick: dict[str, float] = {}
        self._next_task_run: dict[str, float] = {}
        self._running_tasks: dict[str, asyncio.Task[None]] = {}
        self._stopping = asyncio.Event()

    @property
    def is_leader(self) -> bool:
        return self._lease is None or self._clock() < self._leader_until

    async def run(self) -> None:
        """Schedule until `stop()`; then let running tasks finish and give the lease up."""
        try:
            while not self._stopping.is_set():
                now = self._clock()
                if await self._lead(now):
                    await self._enqueue_ticks(now)
                    self._start_tasks(now)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stopping.wait(), self._tick_interval)
            await asyncio.gather(*self._running_tasks.values(), return_exceptions=True)
        finally:
            for task in self._running_tasks.values():
                task.cancel()
            await asyncio.gather(*self._running_tasks.values(), return_exceptions=True)
            await self._step_down()

    async def stop(self) -> None:
        self._stopping.set()

    async def _lead(self, now: float) -> bool:
        if self._lease is None:
            return True
        if now >= self._renew_at:
            try:
                acquired = await self._lease.acquire(self.holder, self._lease_ttl)
            except Exception:
                log.exception("leader lease renewal failed")
                acquired = False
            # Measured from before the call, so we always believe our lease ends no later than
            # the store does.
            self._leader_until = now + self._lease_ttl if acquired else 0.0
            self._renew_at = now + self._lease_ttl / 3
        return now < self._leader_until

    async def _step_down(self) -> None:
        if self._lease is None or self._leader_until == 0.0:
            return
        self._leader_until = 0.0
        try:
            await self._lease.release(self.holder)
        except Exception:
            log.exception("could not release the leader lease; it expires on its own")

    async def _enqueue_ticks(self, now: float) -> None:
        for entry in self._entries:
            tick = previous_tick(entry, now)
            if tick <= self._last_tick.get(entry.name, -math.inf):
                continue
            if now - tick > entry.grace:
                log.warning("skipping missed tick %s of %s", tick, entry.name)
                self._last_tick[entry.name] = tick
                continue
            try:
                await self._queue.enqueue(
                    entry.job_type,
                    entry.payload,
                    run_at=tick,
                    job_id=tick_job_id(entry.name, tick),
                    headers=entry.headers,
                )
            except Exception:
                log.exception("could not enqueue tick %s of %s; retrying", tick, entry.name)
                continue
            self._last_tick[entry.name] = tick

    def _start_tasks(self, now: float) -> None:
        for task in self._tasks:
            if task.name in self._running_tasks or now < self._next_task_run.get(task.name, 0.0):
                continue
            self._next_task_run[task.name] = (math.floor(now / task.every_seconds) + 1) * task.every_seconds
            running = asyncio.create_task(self._run_task(task), name=f"periodic:{task.name}")
            self._running_tasks[task.name] = running
            running.add_done_callback(functools.partial(self._task_done, task.name))

    def _task_done(self, name: str, _task: asyncio.Task[None]) -> None:
        self._running_tasks.pop(name, None)

    @staticmethod
    async def _run_task(task: PeriodicTask) -> None:
        try:
            await task.run()
        except Exception:
            log.exception("periodic task %s failed", task.name)
