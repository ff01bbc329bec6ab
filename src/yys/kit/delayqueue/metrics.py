"""Delay-queue metrics (names in docs/METRICS.md): a `WorkerObserver` that counts and times job
runs, and the depth gauges the worker refreshes every few seconds."""

from __future__ import annotations

from typing import Any

from yys.kit.delayqueue.ports import Job, JobCounts, Outcome, WorkerObserver
from yys.kit.observability.metrics import JOBS_DEPTH, JOBS_DURATION, JOBS_LATENESS, JOBS_RUNS

# The catalogue says `failed` for a job that gave up (the queue calls that state dead).
_RESULTS: dict[Outcome, str] = {"ok": "ok", "retry": "retry", "dead": "failed"}


class JobMetrics:
    """Records each run of `service`'s jobs, then hands the call on to `inner` (logging)."""

    def __init__(self, service: str, inner: WorkerObserver | None = None) -> None:
        self._service = service
        self._inner = inner
        self._children: dict[tuple[int, str, str], Any] = {}
        self._depth = {state: JOBS_DEPTH.labels(service, state)
                       for state in ("due", "scheduled", "running")}

    def _child(self, metric: Any, task: str, result: str = "") -> Any:
        key = (id(metric), task, result)
        child = self._children.get(key)
        if child is None:
            labels = (self._service, task, result) if result else (self._service, task)
            child = self._children[key] = metric.labels(*labels)
        return child

    def job_started(self, job: Job) -> None:
        self._child(JOBS_LATENESS, job.type).observe(job.lateness)
        if self._inner is not None:
            self._inner.job_started(job)

    def job_finished(self, job: Job, outcome: Outcome, duration: float, error: str | None) -> None:
        self._child(JOBS_RUNS, job.type, _RESULTS[outcome]).inc()
        self._child(JOBS_DURATION, job.type).observe(duration)
        if self._inner is not None:
            self._inner.job_finished(job, outcome, duration, error)

    def depth(self, counts: JobCounts) -> None:
        self._depth["due"].set(counts.due)
        self._depth["scheduled"].set(counts.scheduled)
        self._depth["running"].set(counts.running)
