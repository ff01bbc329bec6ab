"""Delay-queue metrics on every backend (SQLite, MariaDB, Redis): counts by state, and what a
worker with a `service` records — runs by result, lateness, duration and the depth gauges."""

from __future__ import annotations

import asyncio
import time
import uuid

from prometheus_client import REGISTRY

from yys.kit.delayqueue import CountsJobs, Job, JobCounts, RetryPolicy

from .conftest import Backend
from .test_behaviour import eventually, make_worker, running


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


async def test_counts_by_state(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=30)
    assert isinstance(queue, CountsJobs)
    assert await queue.counts() == JobCounts(due=0, scheduled=0, running=0)
    past = time.time() - 5
    for i in range(3):
        await queue.enqueue("t", {"i": i}, run_at=past)
    await queue.enqueue("t", {}, delay=3600)
    await queue.enqueue("t", {}, delay=7200)
    assert await queue.counts() == JobCounts(due=3, scheduled=2, running=0)
    claimed = await queue.claim("w1", 2)
    assert len(claimed) == 2
    assert await queue.counts() == JobCounts(due=1, scheduled=2, running=2)
    await queue.ack(claimed[0])
    await queue.bury(claimed[1], error="boom")  # dead jobs are not counted
    assert await queue.counts() == JobCounts(due=1, scheduled=2, running=0)


async def test_expired_lease_counts_as_due(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=0.2)
    await queue.enqueue("t", {})
    assert len(await queue.claim("w1", 1)) == 1
    assert (await queue.counts()).running == 1
    await asyncio.sleep(0.35)
    assert await queue.counts() == JobCounts(due=1, scheduled=0, running=0)


async def test_worker_records_runs_lateness_duration_and_depth(backend: Backend) -> None:
    service = f"svc-{backend.name}-{uuid.uuid4().hex[:6]}"  # own label: the registry is global
    queue = backend.make_queue(lease_seconds=5)
    release = asyncio.Event()
    attempts: dict[str, int] = {}

    async def ok(job: Job) -> None:
        await asyncio.sleep(0.05)

    async def flaky(job: Job) -> None:
        attempts[job.id] = attempts.get(job.id, 0) + 1
        if attempts[job.id] == 1:
            raise RuntimeError("first try fails")

    async def broken(job: Job) -> None:
        raise RuntimeError("always")

    async def slow(job: Job) -> None:
        await release.wait()

    await queue.enqueue("ok", {}, run_at=time.time() - 2)  # 2 s late when picked up
    await queue.enqueue("flaky", {})
    await queue.enqueue("broken", {})
    await queue.enqueue("slow", {})
    await queue.enqueue("ok", {}, delay=3600)  # scheduled
    worker = make_worker(queue, {"ok": ok, "flaky": flaky, "broken": broken, "slow": slow},
                         service=service, metrics_interval=0.05,
                         retry=RetryPolicy(max_attempts=2, base=0.05, factor=1.0, jitter=0.0))

    def runs(task: str, result: str) -> float:
        return sample("yys_jobs_total", service=service, task=task, result=result)

    def depth(state: str) -> float:
        return sample("yys_jobs_depth", service=service, state=state)

    async with running(worker):
        try:
            await eventually(lambda: runs("flaky", "ok") == 1)
            await eventually(lambda: runs("broken", "failed") == 1)
            # The gauge follows within a refresh: the slow job runs, one waits for tomorrow.
            await eventually(lambda: (depth("due"), depth("scheduled"), depth("running"))
                             == (0, 1, 1))
        finally:
            release.set()  # or stopping the worker would wait for the slow job forever
        await eventually(lambda: runs("slow", "ok") == 1)
        await eventually(lambda: depth("running") == 0)

    assert runs("ok", "ok") == 1
    assert runs("flaky", "retry") == 1 and runs("flaky", "ok") == 1
    assert runs("broken", "retry") == 1 and runs("broken", "failed") == 1
    assert sample("yys_jobs_lateness_seconds_count", service=service, task="ok") == 1
    late = sample("yys_jobs_lateness_seconds_sum", service=service, task="ok")
    assert 1.9 <= late < 10, late
    assert sample("yys_jobs_duration_seconds_count", service=service, task="broken") == 2
    assert sample("yys_jobs_duration_seconds_sum", service=service, task="ok") >= 0.05


async def test_worker_without_service_records_nothing(backend: Backend) -> None:
    queue = backend.make_queue(lease_seconds=5)
    done = asyncio.Event()

    async def handler(job: Job) -> None:
        done.set()

    before = sum(s.value for m in REGISTRY.collect() if m.name == "yys_jobs"
                 for s in m.samples if s.name == "yys_jobs_total" and s.labels["task"] == "quiet")
    await queue.enqueue("quiet", {})
    async with running(make_worker(queue, {"quiet": handler})):
        await asyncio.wait_for(done.wait(), 5)
    after = sum(s.value for m in REGISTRY.collect() if m.name == "yys_jobs"
                for s in m.samples if s.name == "yys_jobs_total" and s.labels["task"] == "quiet")
    assert before == after == 0
