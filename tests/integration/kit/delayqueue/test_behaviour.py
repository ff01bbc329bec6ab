"""The delay-queue behaviour suite, run against every backend of the `backend` fixture."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

import pytest

from yys.kit.delayqueue import (
    CronEntry,
    DelayQueue,
    Handler,
    Job,
    PeriodicTask,
    RetryPolicy,
    Scheduler,
    Worker,
)

from .conftest import Backend

LEASE = 0.4
POLL = 0.02
FAST_RETRY = RetryPolicy(max_attempts=3, base=0.1, factor=2.0, jitter=0.0)


async def eventually(check: Callable[[], bool | Awaitable[bool]], within: float = 5.0) -> None:
    deadline = time.monotonic() + within
    while True:
        result = check()
        if not isinstance(result, bool):
            result = await result
        if result:
            return
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(worker: Worker | Scheduler) -> Any:
    task = asyncio.create_task(worker.run())
    try:
        yield task
    finally:
        await worker.stop()
        await asyncio.wait_for(task, 5)


def make_worker(queue: DelayQueue, handlers: Mapping[str, Handler], **kwargs: Any) -> Worker:
    kwargs.setdefault("poll_interval", POLL)
    kwargs.setdefault("retry", FAST_RETRY)
    return Worker(queue, handlers, **kwargs)


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[float, Job]] = []

    async def __call__(self, job: Job) -> None:
        self.calls.append((time.time(), job))


async def test_never_before_due_and_soon_after(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    seen = Recorder()
    job_id = await queue.enqueue("t", {"n": 1}, delay=0.3)
    job = await queue.get(job_id)
    assert job is not None
    async with running(make_worker(queue, {"t": seen})):
        await asyncio.sleep(0.2)
        assert seen.calls == []
        await eventually(lambda: len(seen.calls) >= 1)
        await asyncio.sleep(0.05)
    assert len(seen.calls) == 1, seen.calls
    fired_at, fired = seen.calls[0]
    assert fired_at >= job.run_at
    assert fired_at - job.run_at < 0.3
    assert fired.attempts == 1
    assert 0 <= fired.lateness < 0.3
    assert await queue.depth() == 0
    assert await queue.get(job_id) is None


async def test_survives_restart_with_payload_and_headers(backend: Backend) -> None:
    before = backend.make_queue(lease_seconds=LEASE)
    payload = {"order_sn": "HS1", "items": [], "nested": {"a": [1, 2]}, "fen": 12_300}
    headers = {"traceparent": "00-abc-def-01"}
    job_id = await before.enqueue("close", payload, delay=0.2, headers=headers)
    after = backend.make_queue(lease_seconds=LEASE)
    seen = Recorder()
    async with running(make_worker(after, {"close": seen})):
        await eventually(lambda: len(seen.calls) == 1)
    job = seen.calls[0][1]
    assert (job.id, job.type, job.payload, job.headers) == (job_id, "close", payload, headers)


async def test_killed_worker_job_reruns_after_lease_expiry(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    calls: list[tuple[float, Job]] = []
    first_started = asyncio.Event()

    async def handler(job: Job) -> None:
        calls.append((time.monotonic(), job))
        if len(calls) == 1:
            first_started.set()
            await asyncio.sleep(60)

    await queue.enqueue("t", {})
    doomed = make_worker(queue, {"t": handler})
    task = asyncio.create_task(doomed.run())
    await asyncio.wait_for(first_started.wait(), 5)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    restarted = backend.make_queue(lease_seconds=LEASE)
    async with running(make_worker(restarted, {"t": handler})):
        await eventually(lambda: len(calls) == 2)
        await eventually(lambda: _is(restarted.depth(), 0))
    assert calls[1][0] - calls[0][0] >= LEASE * 0.8
    assert calls[1][1].attempts == 2
    assert await restarted.depth() == 0


async def test_long_job_keeps_its_lease_by_heartbeat(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=0.3)
    calls: list[Job] = []

    async def slow(job: Job) -> None:
        calls.append(job)
        await asyncio.sleep(0.9)

    await queue.enqueue("t", {})
    async with running(make_worker(queue, {"t": slow})), running(make_worker(queue, {"t": slow})):
        await eventually(lambda: len(calls) == 1)
        await eventually(lambda: _is(queue.depth(), 0), within=3)
    assert len(calls) == 1


async def _is(value: Awaitable[int], expected: int) -> bool:
    return await value == expected


async def test_stop_is_graceful_in_flight_jobs_finish_and_are_acked(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    started, finished = asyncio.Event(), asyncio.Event()

    async def slow(job: Job) -> None:
        started.set()
        await asyncio.sleep(0.3)
        finished.set()

    await queue.enqueue("t", {})
    await queue.enqueue("t", {}, delay=0.5)
    worker = make_worker(queue, {"t": slow})
    task = asyncio.create_task(worker.run())
    await asyncio.wait_for(started.wait(), 5)
    await worker.stop()
    assert finished.is_set()
    assert task.done() and task.exception() is None
    assert await queue.depth() == 1  # the first job was acked, the later one was never claimed


async def test_retry_with_backoff_then_success(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    times: list[float] = []

    async def flaky(job: Job) -> None:
        times.append(time.monotonic())
        if len(times) < 3:
            raise RuntimeError(f"boom {len(times)}")

    await queue.enqueue("t", {})
    retry = RetryPolicy(max_attempts=5, base=0.1, factor=2.0, jitter=0.0)
    async with running(make_worker(queue, {"t": flaky}, retry=retry)):
        await eventually(lambda: len(times) == 3)
        await eventually(lambda: _is(queue.depth(), 0))
    assert times[1] - times[0] >= 0.1
    assert times[2] - times[1] >= 0.2
    assert await queue.dead_count() == 0


async def test_dead_after_max_attempts_and_kept_for_inspection(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    attempts: list[int] = []

    async def broken(job: Job) -> None:
        attempts.append(job.attempts)
        raise ValueError("bad payload")

    job_id = await queue.enqueue("t", {"k": "v"})
    async with running(make_worker(queue, {"t": broken})):
        await eventually(lambda: _is(queue.dead_count(), 1))
        await asyncio.sleep(0.3)
    assert attempts == [1, 2, 3]
    assert await queue.depth() == 0
    [dead] = await queue.dead_jobs()
    assert dead.job.id == job_id
    assert dead.job.payload == {"k": "v"}
    assert "bad payload" in dead.error
    assert await queue.get(job_id) is None
    assert await queue.cancel(job_id) is True
    assert await queue.dead_count() == 0


async def test_unknown_job_type_is_retried_then_dead(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    await queue.enqueue("nobody-handles-this", {})
    async with running(make_worker(queue, {}, retry=RetryPolicy(max_attempts=2, base=0.05, jitter=0))):
        await eventually(lambda: _is(queue.dead_count(), 1))
    [dead] = await queue.dead_jobs()
    assert "no handler" in dead.error


async def test_dedup_by_job_id_even_after_completion(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    seen = Recorder()
    assert await queue.enqueue("t", {"v": 1}, job_id="order:42:close", delay=0.1) == "order:42:close"
    assert await queue.enqueue("t", {"v": 2}, job_id="order:42:close") == "order:42:close"
    assert await queue.depth() == 1
    async with running(make_worker(queue, {"t": seen})):
        await eventually(lambda: len(seen.calls) == 1)
        await eventually(lambda: _is(queue.depth(), 0))
        await queue.enqueue("t", {"v": 3}, job_id="order:42:close")
        await asyncio.sleep(0.2)
    assert [job.payload for _, job in seen.calls] == [{"v": 1}]


async def test_cancel(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    seen = Recorder()
    job_id = await queue.enqueue("t", {}, delay=0.2)
    assert await queue.cancel(job_id) is True
    assert await queue.cancel(job_id) is False
    assert await queue.depth() == 0
    async with running(make_worker(queue, {"t": seen})):
        await asyncio.sleep(0.35)
    assert seen.calls == []
    # A cancelled caller-given id may be enqueued again (it left no tombstone).
    await queue.enqueue("t", {}, job_id="again")
    await queue.cancel("again")
    assert await queue.enqueue("t", {}, job_id="again") == "again"
    assert await queue.depth() == 1


async def test_two_workers_run_each_of_twenty_jobs_exactly_once(backend: Backend) -> None:
    runs: list[tuple[str, str]] = []
    attempts: list[int] = []

    def handler_for(name: str) -> Handler:
        async def handler(job: Job) -> None:
            await asyncio.sleep(0.01)
            runs.append((name, f"{job.id}"))
            attempts.append(job.attempts)

        return handler

    # Claims, not lease expiry, are under test: a lease long enough that a loaded machine never
    # lets one run out (an expired lease re-runs a job by design: at-least-once).
    lease = 10.0
    producer = backend.make_queue(lease_seconds=lease)
    ids = {await producer.enqueue("t", {"i": i}) for i in range(20)}
    one = make_worker(backend.make_queue(lease_seconds=lease), {"t": handler_for("one")}, concurrency=4)
    two = make_worker(backend.make_queue(lease_seconds=lease), {"t": handler_for("two")}, concurrency=4)
    async with running(one) as t1, running(two) as t2:
        await eventually(lambda: len(runs) >= 20)
        await eventually(lambda: _is(producer.depth(), 0))
        assert not t1.done() and not t2.done()
    assert sorted(job_id for _, job_id in runs) == sorted(ids), attempts


async def test_metrics(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    assert await queue.oldest_due_lateness() == 0.0
    await queue.enqueue("t", {}, run_at=time.time() - 2)
    await queue.enqueue("t", {}, delay=60)
    assert await queue.depth() == 2
    assert 2.0 <= await queue.oldest_due_lateness() < 3.0
    assert await queue.dead_count() == 0


@pytest.mark.parametrize("with_lease", [True, False], ids=["leader-lease", "dedup-only"])
async def test_two_schedulers_enqueue_each_tick_once(backend: Backend, with_lease: bool) -> None:
    queue = backend.make_queue(lease_seconds=LEASE)
    seen = Recorder()
    entry = CronEntry("tick", "t", payload={"x": 1}, every_seconds=0.2)
    schedulers = [
        Scheduler(
            backend.make_queue(lease_seconds=LEASE),
            [entry],
            lease=backend.make_lease() if with_lease else None,
            lease_ttl=2.0,
            tick_interval=0.03,
        )
        for _ in range(2)
    ]
    async with running(make_worker(queue, {"t": seen})):
        async with running(schedulers[0]), running(schedulers[1]):
            await asyncio.sleep(1.1)
            if with_lease:
                assert sum(s.is_leader for s in schedulers) == 1
        await eventually(lambda: _is(queue.depth(), 0))
    ids = [job.id for _, job in seen.calls]
    assert len(ids) == len(set(ids))
    assert 4 <= len(ids) <= 8
    assert all(job.id.startswith("tick:") and job.payload == {"x": 1} for _, job in seen.calls)


async def test_periodic_task_runs_on_the_leader_only(backend: Backend) -> None:
    runs: list[str] = []

    def task_for(name: str) -> PeriodicTask:
        async def sweep() -> None:
            runs.append(name)

        return PeriodicTask("sweep", 0.1, sweep)

    schedulers = [
        Scheduler(backend.make_queue(), tasks=[task_for(name)], lease=backend.make_lease(),
                  lease_ttl=2.0, tick_interval=0.02, holder=name)
        for name in ("a", "b")
    ]
    async with running(schedulers[0]), running(schedulers[1]):
        await asyncio.sleep(0.6)
    assert len(set(runs)) == 1
    assert 4 <= len(runs) <= 8
