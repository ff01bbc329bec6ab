"""The refresh logic behind the query-backed gauges, and the lag gauge's series bookkeeping."""

from __future__ import annotations

import asyncio

from prometheus_client import REGISTRY

from yys.kit.events.metrics import LagGauge, RelayMetrics, observe_processing, refresh_every


def lag_series(group: str) -> dict[tuple[str, str], float]:
    return {(s.labels["messaging_destination"], s.labels["partition"]): s.value
            for m in REGISTRY.collect() if m.name == "yys_messaging_consumer_lag"
            for s in m.samples if s.labels["group"] == group}


def test_lag_gauge_drops_partitions_the_member_lost() -> None:
    gauge = LagGauge("unit-lag")
    gauge.update({("t", 0): 5, ("t", 1): 2, ("u", 0): -1})
    assert lag_series("unit-lag") == {("t", "0"): 5, ("t", "1"): 2, ("u", "0"): 0}
    gauge.update({("t", 1): 0})  # a rebalance took t/0 and u/0 to another member
    assert lag_series("unit-lag") == {("t", "1"): 0}
    gauge.clear()
    assert lag_series("unit-lag") == {}


def test_relay_backlog_without_rows_reads_zero_age() -> None:
    metrics = RelayMetrics("unit-relay")
    metrics.backlog(3, 12.5)
    assert REGISTRY.get_sample_value("yys_outbox_oldest_age_seconds", {"service": "unit-relay"}) == 12.5
    metrics.backlog(0, None)
    assert REGISTRY.get_sample_value("yys_outbox_backlog", {"service": "unit-relay"}) == 0
    assert REGISTRY.get_sample_value("yys_outbox_oldest_age_seconds", {"service": "unit-relay"}) == 0


def test_processing_counts_by_result() -> None:
    labels = {"messaging_destination": "unit-topic", "group": "unit-group"}
    observe_processing("unit-topic", "unit-group", 0.01, ok=True)
    observe_processing("unit-topic", "unit-group", 0.02, ok=False)
    observe_processing("unit-topic", "unit-group", 0.03, ok=True)
    assert REGISTRY.get_sample_value("yys_messaging_processed_total", {**labels, "result": "ok"}) == 2
    assert REGISTRY.get_sample_value("yys_messaging_processed_total", {**labels, "result": "error"}) == 1
    assert REGISTRY.get_sample_value("yys_messaging_process_duration_seconds_count", labels) == 3
    assert abs(REGISTRY.get_sample_value("yys_messaging_process_duration_seconds_sum", labels)  # type: ignore[operator]
               - 0.06) < 1e-9


async def test_refresh_every_survives_failures_and_stops_when_asked() -> None:
    stopping = asyncio.Event()
    calls = 0

    async def refresh() -> None:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("database away")  # logged; the next round runs anyway
        if calls == 4:
            stopping.set()

    await asyncio.wait_for(refresh_every(0.01, refresh, stopping, what="unit"), 5)
    assert calls == 4


async def test_refresh_every_runs_at_once_then_waits() -> None:
    stopping = asyncio.Event()
    calls = 0

    async def refresh() -> None:
        nonlocal calls
        calls += 1

    task = asyncio.create_task(refresh_every(3600, refresh, stopping, what="unit"))
    await asyncio.sleep(0.05)
    assert calls == 1  # the first refresh does not wait for the interval
    stopping.set()
    await asyncio.wait_for(task, 1)  # and a stop does not wait for it either
    assert calls == 1
