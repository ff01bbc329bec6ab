"""Booking and payment over HTTP against a real `yys up` — embedded, and on MariaDB + Redis +
Kafka: order → pay in the sandbox → paid; unpaid → closed; duplicates and crashes are harmless."""

from __future__ import annotations

import json
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.api import call
from tests.e2e.conftest import clean_env, start_up
from tests.support.process import YysProcess
from tests.support.servers import free_port, redis_test_url, tansu_broker, throwaway_mariadb_database

pytestmark = pytest.mark.e2e

CLOSE_DELAY = 4  # seconds; short so the close path is observable in a test

FAST = {
    "YYS_ORDER_CLOSE_DELAY_SECONDS": str(CLOSE_DELAY),
    "YYS_JOB_POLL_INTERVAL_SECONDS": "0.2",
    "YYS_ORDER_SWEEP_INTERVAL_SECONDS": "2",
}


@pytest.fixture(scope="module")
def booking_embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YysProcess]:
    with start_up(tmp_path_factory.mktemp("book-embedded"), clean_env(**FAST)) as proc:
        yield proc


@pytest.fixture(scope="module")
def booking_servers(tmp_path_factory: pytest.TempPathFactory,
                    kafka_bootstrap: str) -> Iterator[YysProcess]:
    import asyncio

    import redis.asyncio as aioredis

    async def flush() -> None:
        client = aioredis.from_url(redis_test_url())
        await client.flushdb()
        await client.aclose()

    with throwaway_mariadb_database() as url:
        asyncio.run(flush())
        env = clean_env(**FAST, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
                        # The test broker makes a joining member wait about a rebalance timeout.
                        YYS_KAFKA_SESSION_TIMEOUT_MS="3000", YYS_KAFKA_HEARTBEAT_INTERVAL_MS="1000",
                        YYS_KAFKA_REBALANCE_TIMEOUT_MS="3000")
        with start_up(tmp_path_factory.mktemp("book-servers"), env) as proc:
            # The duplicate-delivery test reads the outbox and re-publishes from it.
            proc.database_url = url  # type: ignore[attr-defined]
            proc.kafka_bootstrap = kafka_bootstrap  # type: ignore[attr-defined]
            yield proc
        asyncio.run(flush())


@pytest.fixture(scope="module", params=["booking_embedded", pytest.param("booking_servers", marks=[
    pytest.mark.mariadb, pytest.mark.redis, pytest.mark.kafka])])
def yys(request: pytest.FixtureRequest) -> YysProcess:
    proc: YysProcess = request.getfixturevalue(request.param)
    return proc


_counter = iter(range(10_000_000))


def user_token(base: str) -> str:
    mobile = f"136{int(time.time() * 1000) % 10_000_000:07d}{next(_counter) % 10}"
    reg = call(base, "/usercenter/v1/user/register", {"mobile": mobile[:11], "password": "booking-pass"})
    assert reg.status == 200, reg.body
    return str(reg.body["accessToken"])


def some_homestay(base: str) -> dict[str, Any]:
    listing = call(base, "/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 5})
    assert listing.status == 200 and listing.body["list"]
    return dict(listing.body["list"][0])


def create_order(base: str, token: str, homestay: dict[str, Any], *, nights: int = 2,
                 key: str | None = None) -> str:
    start = int(time.time()) + 86400
    body = {"homestayId": homestay["id"], "isFood": True, "liveStartTime": start,
            "liveEndTime": start + nights * 86400, "livePeopleNum": 1, "remark": "e2e"}
    headers = {"Idempotency-Key": key} if key else None
    r = call(base, "/order/v1/homestayOrder/createHomestayOrder", body, token=token, headers=headers)
    assert r.status == 200, r.body
    return str(r.body["orderSn"])


def detail(base: str, token: str, sn: str) -> dict[str, Any]:
    r = call(base, "/order/v1/homestayOrder/userHomestayOrderDetail", {"sn": sn}, token=token)
    assert r.status == 200, r.body
    return dict(r.body)


def pay(base: str, token: str, sn: str, result: str = "SUCCESS") -> dict[str, Any]:
    r = call(base, "/payment/v1/thirdPayment/thirdPaymentWxPay",
             {"orderSn": sn, "serviceType": "homestayOrder"}, token=token)
    assert r.status == 200, r.body
    prepay_id = r.body["package"].removeprefix("prepay_id=")
    paid = call(base, "/paysandbox/v1/pay", {"prepayId": prepay_id, "result": result})
    assert paid.status == 200, paid.body
    return dict(r.body)


def wait_state(base: str, token: str, sn: str, state: int, timeout: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if detail(base, token, sn)["tradeState"] == state:
            return time.monotonic() - start
        time.sleep(0.05)
    raise AssertionError(f"order {sn} not in state {state} after {timeout}s: {detail(base, token, sn)}")


def test_book_pay_paid_within_a_second(yys: YysProcess) -> None:
    base = yys.base_url
    token = user_token(base)
    homestay = some_homestay(base)
    sn = create_order(base, token, homestay)
    order = detail(base, token, sn)
    assert order["tradeState"] == 0 and order["orderTotalPrice"] > 0
    assert order["orderTotalPrice"] == pytest.approx(order["homestayTotalPrice"] + order["foodTotalPrice"])

    params = pay(base, token, sn)
    assert params["package"].startswith("prepay_id=") and params["signType"] == "RSA"
    waited = wait_state(base, token, sn, 1, timeout=5)
    assert waited < 1.0, f"paid only after {waited:.2f}s"
    paid = detail(base, token, sn)
    assert paid["payTime"] > 0

    listing = call(base, "/order/v1/homestayOrder/userHomestayOrderList",
                   {"lastId": 0, "pageSize": 10, "tradeState": 1}, token=token)
    assert [o["sn"] for o in listing.body["list"]] == [sn]


def test_unpaid_order_is_closed(yys: YysProcess) -> None:
    base = yys.base_url
    token = user_token(base)
    sn = create_order(base, token, some_homestay(base))
    wait_state(base, token, sn, -1, timeout=CLOSE_DELAY + 10)
    # A closed order cannot be paid any more.
    r = call(base, "/payment/v1/thirdPayment/thirdPaymentWxPay",
             {"orderSn": sn, "serviceType": "homestayOrder"}, token=token)
    assert r.status == 409


def test_idempotency_key_returns_the_same_order(yys: YysProcess) -> None:
    base = yys.base_url
    token = user_token(base)
    homestay = some_homestay(base)
    first = create_order(base, token, homestay, key="same-key-1")
    again = create_order(base, token, homestay, key="same-key-1")
    assert first == again


def test_other_users_cannot_see_or_pay_an_order(yys: YysProcess) -> None:
    base = yys.base_url
    owner, stranger = user_token(base), user_token(base)
    sn = create_order(base, owner, some_homestay(base))
    r = call(base, "/order/v1/homestayOrder/userHomestayOrderDetail", {"sn": sn}, token=stranger)
    assert r.status == 404
    r = call(base, "/payment/v1/thirdPayment/thirdPaymentWxPay",
             {"orderSn": sn, "serviceType": "homestayOrder"}, token=stranger)
    assert r.status == 404


def test_payerror_leaves_the_order_payable(yys: YysProcess) -> None:
    base = yys.base_url
    token = user_token(base)
    sn = create_order(base, token, some_homestay(base))
    pay(base, token, sn, result="PAYERROR")
    time.sleep(0.5)
    assert detail(base, token, sn)["tradeState"] == 0
    pay(base, token, sn)
    wait_state(base, token, sn, 1, timeout=5)


@pytest.fixture(params=["embedded", pytest.param("servers", marks=[
    pytest.mark.mariadb, pytest.mark.redis, pytest.mark.kafka])])
def crash_env(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """The environment of a `yys up` that the crash test kills and restarts."""
    if request.param == "embedded":
        yield clean_env(**FAST)
        return
    import uuid

    # Its own broker and Redis key prefix: the module's other `yys up` (booking_servers) is alive
    # too, in the same consumer groups on the shared broker and the same Redis database, and would
    # otherwise take some of this run's events and jobs.
    with tansu_broker() as kafka, throwaway_mariadb_database() as url:
        yield clean_env(**FAST, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_REDIS_KEY_PREFIX=f"yys-crash-{uuid.uuid4().hex[:8]}:",
                        YYS_KAFKA_BOOTSTRAP_SERVERS=kafka, YYS_KAFKA_SESSION_TIMEOUT_MS="3000",
                        YYS_KAFKA_HEARTBEAT_INTERVAL_MS="1000", YYS_KAFKA_REBALANCE_TIMEOUT_MS="3000")


def test_crash_after_payment_loses_nothing(tmp_path: Path, crash_env: dict[str, str]) -> None:
    """SIGKILL the whole process (API, relay, consumer, worker) right after the sandbox accepted
    a payment and an order was created: after a restart the paid order is paid and the unpaid
    one is closed."""
    port = free_port()
    with start_up(tmp_path, crash_env, port=port) as first:
        base = first.base_url
        token = user_token(base)
        homestay = some_homestay(base)
        paid_sn = create_order(base, token, homestay)
        unpaid_sn = create_order(base, token, homestay)
        pay(base, token, paid_sn)
        first.kill()
    with start_up(tmp_path, crash_env, port=port) as second:
        wait_state(second.base_url, token, paid_sn, 1, timeout=15)
        wait_state(second.base_url, token, unpaid_sn, -1, timeout=CLOSE_DELAY + 15)
        assert second.stop(signal.SIGINT) == 0


def test_duplicate_notify_changes_nothing(yys: YysProcess) -> None:
    """Paying again in the sandbox makes it send the (signed) notify once more."""
    base = yys.base_url
    token = user_token(base)
    sn = create_order(base, token, some_homestay(base))
    params = pay(base, token, sn)
    wait_state(base, token, sn, 1, timeout=5)
    before = detail(base, token, sn)
    again = call(base, "/paysandbox/v1/pay", {"prepayId": params["package"].removeprefix("prepay_id=")})
    assert again.status == 200
    time.sleep(1.0)
    assert detail(base, token, sn) == before


@pytest.mark.mariadb
@pytest.mark.kafka
def test_duplicate_kafka_deliveries_change_nothing(booking_servers: YysProcess) -> None:
    """Re-publish the exact `payment-update-paystatus` event three times: the order stays paid
    once, nothing is refunded."""
    import asyncio

    import sqlalchemy as sa
    from aiokafka import AIOKafkaProducer
    from sqlalchemy.ext.asyncio import create_async_engine

    from yys.contracts.trade import TOPIC_PAYMENT_STATUS
    from yys.kit.events.envelope import Event, encode_event

    base = booking_servers.base_url
    token = user_token(base)
    sn = create_order(base, token, some_homestay(base))
    pay(base, token, sn)
    wait_state(base, token, sn, 1, timeout=5)
    before = detail(base, token, sn)

    async def republish() -> int:
        engine = create_async_engine(booking_servers.database_url)  # type: ignore[attr-defined]
        async with engine.connect() as conn:
            row = (await conn.execute(sa.text(
                "SELECT event_id, topic, `key`, payload, headers FROM payment_outbox WHERE `key` = :sn"),
                {"sn": sn})).one()
            paid_payments = (await conn.execute(sa.text(
                "SELECT COUNT(*) FROM payment_third_payment WHERE order_sn = :sn AND pay_status = 1"),
                {"sn": sn})).scalar_one()
        await engine.dispose()
        event = Event(id=row.event_id, topic=row.topic, key=row.key,
                      payload=json.loads(row.payload), headers=json.loads(row.headers))
        producer = AIOKafkaProducer(
            bootstrap_servers=booking_servers.kafka_bootstrap)  # type: ignore[attr-defined]
        await producer.start()
        try:
            for _ in range(3):
                await producer.send_and_wait(TOPIC_PAYMENT_STATUS, encode_event(event),
                                             key=sn.encode(), headers=[("event-id", row.event_id.encode())])
        finally:
            await producer.stop()
        return int(paid_payments)

    async def consumed() -> int:
        """Sum of the `order` group's committed offsets (read without joining the group)."""
        from aiokafka import AIOKafkaConsumer, TopicPartition

        reader = AIOKafkaConsumer(bootstrap_servers=booking_servers.kafka_bootstrap,  # type: ignore[attr-defined]
                                  group_id="order", enable_auto_commit=False)
        await reader.start()
        try:
            parts = reader.partitions_for_topic(TOPIC_PAYMENT_STATUS) or set()
            offsets = [await reader.committed(TopicPartition(TOPIC_PAYMENT_STATUS, p)) for p in parts]
        finally:
            await reader.stop()
        return sum(o or 0 for o in offsets)

    start = asyncio.run(consumed())
    assert asyncio.run(republish()) == 1
    deadline = time.monotonic() + 10
    while asyncio.run(consumed()) < start + 3:  # the consumer really handled the copies
        assert time.monotonic() < deadline, "the order consumer did not commit the duplicates"
        time.sleep(0.2)
    assert detail(base, token, sn) == before
