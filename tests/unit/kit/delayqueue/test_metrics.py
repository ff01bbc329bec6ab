"""`JobMetrics`: job runs under the catalogue's result names, and the inner observer still runs."""

from __future__ import annotations

from prometheus_client import REGISTRY

from yys.kit.delayqueue import Job, JobCounts
from yys.kit.delayqueue.metrics import JobMetrics
from yys.kit.delayqueue.ports import Outcome


class Inner:
    def __init__(self) -> None:
        self.calls: list[str] = []

    def job_started(self, job: Job) -> None:
        self.calls.append(f"start:{job.id}")

    def job_finished(self, job: Job, outcome: Outcome, duration: float, error: str | None) -> None:
        self.calls.append(f"{outcome}:{job.id}")


def value(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def test_runs_results_lateness_and_depth() -> None:
    inner = Inner()
    metrics = JobMetrics("unit-jobs", inner)
    job = Job(id="j1", type="close", payload={}, headers={}, run_at=0.0, attempts=1, lateness=1.5)
    metrics.job_started(job)
    for outcome in ("retry", "ok", "dead"):
        metrics.job_finished(job, outcome, 0.25, None)  # type: ignore[arg-type]
    assert inner.calls == ["start:j1", "retry:j1", "ok:j1", "dead:j1"]
    runs = {r: value("yys_jobs_total", service="unit-jobs", task="close", result=r)
            for r in ("ok", "retry", "failed", "dead")}
    assert runs == {"ok": 1, "retry": 1, "failed": 1, "dead": 0}  # gave up reads `failed`
    assert value("yys_jobs_lateness_seconds_sum", service="unit-jobs", task="close") == 1.5
    assert value("yys_jobs_duration_seconds_count", service="unit-jobs", task="close") == 3
    metrics.depth(JobCounts(due=2, scheduled=7, running=1))
    assert {s: value("yys_jobs_depth", service="unit-jobs", state=s)
            for s in ("due", "scheduled", "running")} == {"due": 2, "scheduled": 7, "running": 1}
