"""Metrics of the event plumbing: the relay's backlog and publish counters (SQLite, MariaDB),
consumer processing on each bus, and consumer lag measured against the real Kafka broker."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.integration.kit.events.helpers import FAST_RETRY, Running, until
from tests.integration.kit.events.test_outbox_relay import RecordingPublisher, write
from yys.kit.events import Bus, Event, MemoryBus, OutboxRelay
from yys.kit.events.kafka import KafkaBus, KafkaConsumerSettings

TOPIC = "payment-update-paystatus"  # what `write` puts in the outbox


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


def lag_of(topic: str, group: str) -> dict[str, float]:
    """Partition → lag, for the series currently exported."""
    return {s.labels["partition"]: s.value for m in REGISTRY.collect()
            if m.name == "yys_messaging_consumer_lag" for s in m.samples
            if s.labels["messaging_destination"] == topic and s.labels["group"] == group}


async def test_relay_backlog_published_and_failures(outbox: tuple[AsyncEngine, Table]) -> None:
    engine, table = outbox
    service = f"svc-{uuid.uuid4().hex[:8]}"
    events = await write(engine, table, 5)
    failing = RecordingPublisher(fail_ids={events[0].id})
    relay = OutboxRelay(engine, table, failing, service=service, poll_interval=0.05,
                        metrics_interval=0.05)
    await asyncio.sleep(0.2)  # the oldest row ages
    await relay.refresh_metrics()
    assert sample("yys_outbox_backlog", service=service) == 5
    assert sample("yys_outbox_oldest_age_seconds", service=service) >= 0.2

    published = await relay.publish_pending_once()
    assert published == 4  # the first key's row failed
    assert sample("yys_outbox_published_total", service=service, messaging_destination=TOPIC) == 4
    assert sample("yys_outbox_publish_failures_total", service=service) == 1

    # The relay loop refreshes the gauges by itself, and they reach 0 once everything is out.
    failing.fail_ids.clear()
    task = asyncio.create_task(relay.run())
    try:
        await until(lambda: sample("yys_outbox_backlog", service=service) == 0
                    and sample("yys_outbox_published_total", service=service,
                               messaging_destination=TOPIC) == 5, within=10)
        assert sample("yys_outbox_oldest_age_seconds", service=service) == 0
    finally:
        await relay.stop()
        await task


def test_relay_service_defaults_to_the_table_owner() -> None:
    from yys.kit.events.metrics import service_of_outbox

    assert service_of_outbox("payment_outbox") == "payment"
    assert service_of_outbox("order_outbox") == "order"


async def test_processing_counts_attempts_by_result(bus: Bus, topic: str) -> None:
    group = f"g-{uuid.uuid4().hex[:8]}"
    seen: dict[str, int] = {}

    async def handler(event: Event) -> None:
        seen[event.id] = seen.get(event.id, 0) + 1
        if event.payload.get("fail") and seen[event.id] == 1:
            raise RuntimeError("first attempt fails")

    running = Running(bus)
    member = running.start(group, [topic], handler, retry=FAST_RETRY)
    try:
        await until(lambda: member.joined, within=30)
        await bus.publish(Event(topic=topic, key="a", payload={"fail": False}))
        await bus.publish(Event(topic=topic, key="a", payload={"fail": True}))
        await until(lambda: sample("yys_messaging_processed_total", messaging_destination=topic,
                                   group=group, result="ok") == 2, within=30)
    finally:
        await running.stop_all()
    assert sample("yys_messaging_processed_total", messaging_destination=topic, group=group,
                  result="error") == 1
    assert sample("yys_messaging_process_duration_seconds_count", messaging_destination=topic,
                  group=group) == 3


async def test_memory_bus_lag(topic: str) -> None:
    bus = MemoryBus()
    await bus.start()
    group = f"g-{uuid.uuid4().hex[:8]}"
    release = asyncio.Event()

    async def handler(event: Event) -> None:
        await release.wait()

    member = bus.subscribe(group_id=group, topics=[topic], handler=handler)
    # A member that starts with a backlog reports it at once (one partition, "0").
    for n in range(4):
        await bus.publish(Event(topic=topic, key=str(n), payload={}))
    task = asyncio.create_task(member.run())
    try:
        await until(lambda: lag_of(topic, group) == {"0": 4})
        release.set()
        await until(lambda: bus.backlog(group, topic) == 0)
    finally:
        release.set()
        await member.stop()
        await task
        await bus.close()


@pytest.mark.kafka
async def test_kafka_lag_is_end_offset_minus_committed(kafka_bootstrap: str, topic: str) -> None:
    """Lag as the broker sees it: a member that holds its first message reports every message
    of its partitions as lag, then 0 once it has committed them; partitions it loses vanish."""
    settings = KafkaConsumerSettings(session_timeout_ms=1000, heartbeat_interval_ms=100,
                                     rebalance_timeout_ms=1000, poll_timeout_ms=50,
                                     stop_grace=5.0, lag_interval=0.1)
    bus = KafkaBus(kafka_bootstrap, num_partitions=3, consumer=settings)
    await bus.start()
    group = f"g-{uuid.uuid4().hex[:8]}"
    release = asyncio.Event()

    async def handler(event: Event) -> None:
        await release.wait()

    await bus.ensure_topics([topic])
    for n in range(9):
        await bus.publish(Event(topic=topic, key=f"k{n}", payload={"n": n}))
    running = Running(bus)
    member = running.start(group, [topic], handler)
    try:
        await until(lambda: member.joined, within=30)
        await until(lambda: sum(lag_of(topic, group).values()) == 9, within=30)
        assert set(lag_of(topic, group)) == {"0", "1", "2"}
        release.set()
        await until(lambda: sum(lag_of(topic, group).values()) == 0, within=30)
        started = time.monotonic()
        await bus.publish(Event(topic=topic, key="late", payload={}))
        await until(lambda: sample("yys_messaging_processed_total", messaging_destination=topic,
                                   group=group, result="ok") == 10, within=30)
        await until(lambda: sum(lag_of(topic, group).values()) == 0, within=30)
        assert time.monotonic() - started < 30
    finally:
        release.set()
        await running.stop_all()
        await bus.close()
    assert lag_of(topic, group) == {}  # a stopped member leaves no stale series
