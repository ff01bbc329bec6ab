"""Metrics of the outbox relay and the consumers (names in docs/METRICS.md).

Label children are cached: `labels()` validates and locks on every call, which the per-message
path should not pay. Gauges that need a query (backlog, lag) are refreshed by the component that
owns the data, every `REFRESH_SECONDS`, never on a scrape.
"""

from __future__ import annotations

from typing import Any

from yys.kit.observability.metrics import (
    CONSUMER_LAG,
    OUTBOX_BACKLOG,
    OUTBOX_FAILURES,
    OUTBOX_OLDEST_AGE,
    OUTBOX_PUBLISHED,
    PROCESS_DURATION,
    PROCESSED,
)
from yys.kit.observability.refresh import REFRESH_SECONDS, refresh_every

__all__ = ["REFRESH_SECONDS", "LagGauge", "RelayMetrics", "observe_processing", "refresh_every",
           "service_of_outbox"]

_OUTBOX_SUFFIX = "_outbox"


def service_of_outbox(table_name: str) -> str:
    """`payment_outbox` → `payment` (the service that owns the table)."""
    return table_name.removesuffix(_OUTBOX_SUFFIX)


class RelayMetrics:
    """Counters of one relay plus its backlog gauges."""

    def __init__(self, service: str) -> None:
        self.service = service
        self._published: dict[str, Any] = {}
        self._failures = OUTBOX_FAILURES.labels(service)
        self._backlog = OUTBOX_BACKLOG.labels(service)
        self._oldest = OUTBOX_OLDEST_AGE.labels(service)

    def published(self, topic: str) -> None:
        child = self._published.get(topic)
        if child is None:
            child = self._published[topic] = OUTBOX_PUBLISHED.labels(self.service, topic)
        child.inc()

    def failed(self) -> None:
        self._failures.inc()

    def backlog(self, pending: int, oldest_age: float | None) -> None:
        self._backlog.set(pending)
        self._oldest.set(oldest_age or 0.0)


_processed: dict[tuple[str, str, str], Any] = {}
_durations: dict[tuple[str, str], Any] = {}


def observe_processing(topic: str, group: str, seconds: float, *, ok: bool) -> None:
    """One handler attempt of a message of `topic` in consumer group `group`."""
    key = (topic, group, "ok" if ok else "error")
    counter = _processed.get(key)
    if counter is None:
        counter = _processed[key] = PROCESSED.labels(*key)
    counter.inc()
    histogram = _durations.get(key[:2])
    if histogram is None:
        histogram = _durations[key[:2]] = PROCESS_DURATION.labels(topic, group)
    histogram.observe(seconds)


class LagGauge:
    """`yys_messaging_consumer_lag` of the partitions one member owns. Partitions it no longer
    owns are removed: their new owner (maybe another process) reports them."""

    def __init__(self, group: str) -> None:
        self._group = group
        self._shown: set[tuple[str, str]] = set()

    def update(self, lags: dict[tuple[str, int], int]) -> None:
        now = {(topic, str(partition)): lag for (topic, partition), lag in lags.items()}
        for topic, partition in self._shown - now.keys():
            CONSUMER_LAG.remove(topic, self._group, partition)
        for (topic, partition), lag in now.items():
            CONSUMER_LAG.labels(topic, self._group, partition).set(max(0, lag))
        self._shown = set(now)

    def clear(self) -> None:
        self.update({})
