"""What only the Kafka adapter does: wire format, topic creation, undecodable messages."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaConsumer
from aiokafka.admin import AIOKafkaAdminClient

from tests.integration.kit.events.helpers import Collector, Running, until
from yys.kit.events import Event, dlq_topic
from yys.kit.events.kafka import KafkaBus

pytestmark = pytest.mark.kafka


async def read_raw(bootstrap: str, topic: str, count: int) -> list[object]:
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest",
                                group_id=None, enable_auto_commit=False)
    await consumer.start()
    try:
        got: list[object] = []
        async with asyncio.timeout(10):
            while len(got) < count:
                batch = await consumer.getmany(timeout_ms=100)
                got.extend(m for msgs in batch.values() for m in msgs)
        return got
    finally:
        await consumer.stop()


async def test_wire_format_and_topic_creation(kafka_bootstrap: str, topic: str) -> None:
    bus = KafkaBus(kafka_bootstrap, num_partitions=2)
    await bus.start()
    try:
        event = Event(topic=topic, key="order-7", payload={"a": 1}, headers={"traceparent": "00-x"})
        await bus.publish(event)
    finally:
        await bus.close()
    (msg,) = await read_raw(kafka_bootstrap, topic, 1)
    assert msg.key == b"order-7"  # type: ignore[attr-defined]
    assert dict(msg.headers) == {"traceparent": b"00-x", "event-id": event.id.encode()}  # type: ignore[attr-defined]
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        (described,) = await admin.describe_topics([topic])
    finally:
        await admin.close()
    assert len(described["partitions"]) == 2


async def test_an_undecodable_message_is_parked_raw_and_consumption_goes_on(
    kafka_bus: KafkaBus, kafka_bootstrap: str, topic: str
) -> None:
    bus = kafka_bus
    await bus.send_raw(topic, b"\x00 not an envelope", key="k", headers={})
    good = Event(topic=topic, key="k", payload={"ok": True})
    await bus.publish(good)
    got = Collector()
    running = Running(bus)
    running.start("g", [topic], got)
    await until(lambda: len(got.events) == 1)
    await running.stop_all()
    assert got.ids == [good.id]
    (parked,) = await read_raw(kafka_bootstrap, dlq_topic(topic), 1)
    assert parked.value == b"\x00 not an envelope"  # type: ignore[attr-defined]
    assert dict(parked.headers)["dlq-original-topic"] == topic.encode()  # type: ignore[attr-defined]


async def test_keys_of_a_fetch_run_concurrently_each_key_in_order_and_are_committed(
    kafka_bus: KafkaBus, topic: str
) -> None:
    bus = kafka_bus
    keys = [f"order-{i}" for i in range(6)]
    sent = [Event(topic=topic, key=k, payload={"n": n}) for n in range(4) for k in keys]
    for event in sent:  # published before the member starts: it fetches them together
        await bus.publish(event)

    active, peak = 0, 0
    seen: dict[str, list[int]] = {}

    async def slow(event: Event) -> None:
        nonlocal active, peak
        active += 1
        peak = max(peak, active)
        await asyncio.sleep(0.02)  # a database round trip or two
        seen.setdefault(event.key, []).append(int(event.payload["n"]))
        active -= 1

    running = Running(bus)
    running.start("g", [topic], slow)
    await until(lambda: sum(map(len, seen.values())) == len(sent), within=20)
    await running.stop_all()
    assert seen == {k: [0, 1, 2, 3] for k in keys}  # every key in publish order, once
    assert 1 < peak <= bus.consumer_settings.max_concurrent_keys

    again = Collector()  # the same group again: everything was committed, nothing comes back
    late = Event(topic=topic, key=keys[0], payload={"n": 4})
    await bus.publish(late)
    running = Running(bus)
    running.start("g", [topic], again)
    await until(lambda: len(again.events) == 1, within=20)
    await asyncio.sleep(0.3)
    await running.stop_all()
    assert again.ids == [late.id]
