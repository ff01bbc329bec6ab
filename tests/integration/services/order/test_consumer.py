"""The payment-status consumer through a real bus: the in-process one on SQLite and MariaDB,
and the Kafka adapter against the Kafka-protocol broker."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import msgspec
import pytest
from prometheus_client import REGISTRY

from tests.integration.services.order.conftest import Harness, wait_until
from yys.contracts.trade import TOPIC_PAYMENT_STATUS, PaymentStatusChanged, PayStatus
from yys.kit.events import Bus, Event, MemoryBus, RetryPolicy, dlq_topic
from yys.kit.events.kafka import KafkaBus, KafkaConsumerSettings
from yys.services.order.consumers import GROUP_ID, PaymentConsumer, PaymentStatusHandler
from yys.services.order.domain import REASON_AMOUNT, REASON_CLOSED


def payment_event(sn: str, total: int, *, status: int = PayStatus.PAID, pay_sn: str = "PAY-1") -> Event:
    changed = PaymentStatusChanged(order_sn=sn, pay_status=status, pay_sn=pay_sn, pay_total=total,
                                   pay_time=1_900_000_000)
    return Event(topic=TOPIC_PAYMENT_STATUS, key=sn, payload=msgspec.to_builtins(changed))


async def consuming(bus: Bus, harness: Harness) -> AsyncIterator[PaymentConsumer]:
    consumer = PaymentConsumer(bus, PaymentStatusHandler(harness.lifecycle))
    task = asyncio.create_task(consumer.run())
    try:
        yield consumer
    finally:
        await consumer.stop()
        await asyncio.wait_for(task, 15)


@pytest.fixture
async def memory_bus() -> AsyncIterator[MemoryBus]:
    bus = MemoryBus()
    await bus.start()
    yield bus
    await bus.close()


async def drained(bus: MemoryBus) -> None:
    async def empty() -> bool:
        return bus.backlog(GROUP_ID, TOPIC_PAYMENT_STATUS) == 0

    await wait_until(empty, within=10)


async def test_paid_event_pays_once_and_redelivery_changes_nothing(
        harness: Harness, memory_bus: MemoryBus) -> None:
    sn = await harness.book()
    total = (await harness.get(sn)).price.order_total
    async for _ in consuming(memory_bus, harness):
        event = payment_event(sn, total)
        await memory_bus.publish(event)
        await drained(memory_bus)
        paid = await harness.get(sn)
        assert (paid.trade_state, paid.pay_sn, paid.pay_time) == (1, "PAY-1", 1_900_000_000)
        for _ in range(3):  # the same event again, as a redelivery would bring it
            await memory_bus.publish(event)
        await drained(memory_bus)
    assert await harness.get(sn) == paid
    assert harness.payment.refunds == []
    notify = await harness.queue.get(f"notify:{sn}")
    assert notify is not None and notify.payload == {"orderSn": sn}


def settle_sample(suffix: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(f"yys_order_payment_settle_seconds{suffix}", labels) or 0.0


async def test_settle_time_is_observed_once_per_paid_order(harness: Harness) -> None:
    sn = await harness.book()
    total = (await harness.get(sn)).price.order_total
    event = payment_event(sn, total)
    # 40 ms after the payment event was created, by the handler's clock.
    handler = PaymentStatusHandler(harness.lifecycle, clock=lambda: event.created_at + 0.04)
    count, fast = settle_sample("_count"), settle_sample("_bucket", le="0.05")
    slower = settle_sample("_bucket", le="0.03")
    for _ in range(3):  # redeliveries pay nothing and observe nothing
        await handler(event)
    assert settle_sample("_count") == count + 1
    assert settle_sample("_bucket", le="0.05") == fast + 1
    assert settle_sample("_bucket", le="0.03") == slower
    closed = await harness.book()
    assert await harness.lifecycle.close_order(closed)
    await handler(payment_event(closed, (await harness.get(closed)).price.order_total))
    assert settle_sample("_count") == count + 1  # refunded, not paid: not a settle


async def test_payment_after_close_is_refunded_once_recorded(
        harness: Harness, memory_bus: MemoryBus) -> None:
    sn = await harness.book()
    total = (await harness.get(sn)).price.order_total
    assert await harness.lifecycle.close_order(sn)
    async for _ in consuming(memory_bus, harness):
        for _ in range(3):
            await memory_bus.publish(payment_event(sn, total))
        await drained(memory_bus)
    order = await harness.get(sn)
    assert order.trade_state == -1 and order.pay_sn == "PAY-1" and order.version == 2
    # Every delivery asks again: the refund is idempotent on the payment side, so a lost
    # refund call is retried by redelivery instead of being forgotten.
    assert set(harness.payment.refunds) == {(sn, REASON_CLOSED)}


async def test_wrong_amount_and_unpaid_statuses(harness: Harness, memory_bus: MemoryBus) -> None:
    wrong, failed = await harness.book(), await harness.book()
    async for _ in consuming(memory_bus, harness):
        await memory_bus.publish(payment_event(wrong, 1))
        await memory_bus.publish(payment_event(failed, 1, status=PayStatus.FAILED))
        await drained(memory_bus)
    assert (await harness.get(wrong)).trade_state == 0
    assert (await harness.get(failed)).trade_state == 0
    assert harness.payment.refunds == [(wrong, REASON_AMOUNT)]


async def test_malformed_event_is_dead_lettered(harness: Harness) -> None:
    bus = MemoryBus()
    await bus.start()
    parked: list[Event] = []

    async def collect(event: Event) -> None:
        parked.append(event)

    dlq = bus.subscribe(group_id="inspect", topics=[dlq_topic(TOPIC_PAYMENT_STATUS)], handler=collect)
    dlq_task = asyncio.create_task(dlq.run())
    member = bus.subscribe(group_id=GROUP_ID, topics=[TOPIC_PAYMENT_STATUS],
                           handler=PaymentStatusHandler(harness.lifecycle),
                           retry=RetryPolicy(max_attempts=2, initial_backoff=0.01))
    task = asyncio.create_task(member.run())
    try:
        await bus.publish(Event(topic=TOPIC_PAYMENT_STATUS, key="x", payload={"orderSn": 5}))

        async def parked_one() -> bool:
            return len(parked) == 1

        await wait_until(parked_one, within=5)
    finally:
        await bus.close()
        await asyncio.gather(task, dlq_task)


@pytest.mark.kafka
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_consumer_on_kafka(harness: Harness, kafka_bootstrap: str) -> None:
    fast = KafkaConsumerSettings(session_timeout_ms=1000, heartbeat_interval_ms=100,
                                 rebalance_timeout_ms=1000, poll_timeout_ms=50, stop_grace=5.0)
    bus = KafkaBus(kafka_bootstrap, num_partitions=3, consumer=fast)
    await bus.start()
    try:
        paid, closed = await harness.book(), await harness.book()
        assert await harness.lifecycle.close_order(closed)
        total = (await harness.get(paid)).price.order_total
        async for _ in consuming(bus, harness):
            for _ in range(3):
                await bus.publish(payment_event(paid, total))
            await bus.publish(payment_event(closed, total, pay_sn="PAY-2"))

            async def settled() -> bool:
                return ((await harness.get(paid)).trade_state == 1
                        and (closed, REASON_CLOSED) in harness.payment.refunds)

            await wait_until(settled, within=30)
        order = await harness.get(paid)
        assert (order.trade_state, order.pay_sn, order.version) == (1, "PAY-1", 1)
        # The session's broker may hold other tests' events for unknown orders: look at ours.
        ours = {r for r in harness.payment.refunds if r[0] in (paid, closed)}
        assert ours == {(closed, REASON_CLOSED)}
    finally:
        await bus.close()
