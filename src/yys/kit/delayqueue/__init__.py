"""Durable delay queue, worker and cron scheduler (domain-free).

Adapters live in `yys.kit.delayqueue.sql` and `yys.kit.delayqueue.redis`; import the one the
wiring picks. This package's top level only exposes backend-independent pieces.
"""

from yys.kit.delayqueue.backoff import RetryPolicy
from yys.kit.delayqueue.cron import CronEntry, next_tick, previous_tick, tick_job_id
from yys.kit.delayqueue.ports import (
    CountsJobs,
    DeadJob,
    DelayQueue,
    Handler,
    Job,
    JobCounts,
    LeaderLease,
    Outcome,
    WorkerObserver,
)
from yys.kit.delayqueue.scheduler import PeriodicTask, Scheduler
from yys.kit.delayqueue.worker import LoggingObserver, Worker

__all__ = [
    "CountsJobs",
    "CronEntry",
    "DeadJob",
    "DelayQueue",
    "Handler",
    "Job",
    "JobCounts",
    "LeaderLease",
    "LoggingObserver",
    "Outcome",
    "PeriodicTask",
    "RetryPolicy",
    "Scheduler",
    "Worker",
    "WorkerObserver",
    "next_tick",
    "previous_tick",
    "tick_job_id",
]
