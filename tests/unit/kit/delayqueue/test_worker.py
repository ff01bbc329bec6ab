"""Worker decisions against an in-memory fake queue (no IO)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

from yys.kit.delayqueue import DeadJob, Job, Outcome, RetryPolicy, Worker


class FakeQueue:
    """Hands out the given jobs once and records what the worker decides."""

    lease_seconds = 10.0

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = jobs
        self.settled: list[tuple[str, str, Any]] = []
        self.changed = asyncio.Event()

    def _record(self, verdict: str, job_id: str, detail: Any) -> bool:
        self.settled.append((verdict, job_id, detail))
        self.changed.set()
        return True

    async def enqueue(self, job_type: str, payload: Mapping[str, Any], **_: Any) -> str:
        raise NotImplementedError

    async def cancel(self, job_id: str) -> bool:
        return False

    async def get(self, job_id: str) -> Job | None:
        return None

    async def claim(self, worker_id: str, limit: int) -> list[Job]:
        taken, self.jobs = self.jobs[:limit], self.jobs[limit:]
        return taken

    async def extend(self, jobs: list[Job]) -> None:
        return None

    async def ack(self, job: Job) -> bool:
        return self._record("ack", job.id, None)

    async def retry(self, job: Job, *, run_at: float, error: str) -> bool:
        return self._record("retry", job.id, run_at)

    async def bury(self, job: Job, *, error: str) -> bool:
        return self._record("bury", job.id, error)

    async def purge_tombstones(self) -> int:
        return 0

    async def depth(self) -> int:
        return len(self.jobs)

    async def oldest_due_lateness(self) -> float:
        return 0.0

    async def dead_count(self) -> int:
        return 0

    async def dead_jobs(self, limit: int = 100) -> list[DeadJob]:
        return []


class Observed:
    def __init__(self) -> None:
        self.finished: list[tuple[str, Outcome]] = []

    def job_started(self, job: Job) -> None:
        pass

    def job_finished(self, job: Job, outcome: Outcome, duration: float, error: str | None) -> None:
        self.finished.append((job.id, outcome))


def job(job_id: str, attempts: int = 1) -> Job:
    return Job(id=job_id, type="t", payload={}, headers={}, run_at=0.0, attempts=attempts)


async def run_until_settled(queue: FakeQueue, count: int, **kwargs: Any) -> Observed:
    observed = Observed()

    async def handler(j: Job) -> None:
        if j.id.startswith("fail"):
            raise RuntimeError("nope")

    worker = Worker(queue, {"t": handler}, poll_interval=0.01, observer=observed, clock=lambda: 100.0,
                    **kwargs)
    task = asyncio.create_task(worker.run())
    while len(queue.settled) < count:
        queue.changed.clear()
        await asyncio.wait_for(queue.changed.wait(), 5)
    await worker.stop()
    await task
    return observed


async def test_success_is_acked_and_failure_retried_with_backoff_from_the_clock() -> None:
    queue = FakeQueue([job("ok"), job("fail", attempts=2)])
    retry = RetryPolicy(max_attempts=5, base=1.0, factor=3.0, jitter=0.0)
    observed = await run_until_settled(queue, 2, retry=retry)
    assert sorted(queue.settled) == [("ack", "ok", None), ("retry", "fail", 103.0)]
    assert sorted(observed.finished) == [("fail", "retry"), ("ok", "ok")]


async def test_last_failed_attempt_is_buried() -> None:
    queue = FakeQueue([job("fail", attempts=3)])
    await run_until_settled(queue, 1, retry=RetryPolicy(max_attempts=3))
    assert queue.settled == [("bury", "fail", "RuntimeError: nope")]


async def test_job_redelivered_past_max_attempts_is_buried_without_running() -> None:
    queue = FakeQueue([job("ok", attempts=4)])
    await run_until_settled(queue, 1, retry=RetryPolicy(max_attempts=3))
    [(verdict, job_id, error)] = queue.settled
    assert (verdict, job_id) == ("bury", "ok")
    assert "lease expired" in error


async def test_concurrency_limits_claims() -> None:
    queue = FakeQueue([job(f"ok{i}") for i in range(10)])
    await run_until_settled(queue, 10, concurrency=3)
    assert len({job_id for _, job_id, _ in queue.settled}) == 10
