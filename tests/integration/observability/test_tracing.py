"""One booking, one trace: the whole process in this test's event loop (uvicorn on a free port,
MariaDB, Redis, the Kafka-protocol broker) with spans going to OpenTelemetry's in-memory
exporter. The client's root span sends `traceparent` on every request; the pay request's
context must then cross the sandbox's notify job, the callback over HTTP, the outbox, Kafka,
the order consumer and the pay-success job without a break."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import uvicorn
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from tests.support.servers import free_port
from yys.contracts.trade import TOPIC_PAYMENT_STATUS
from yys.kit.observability import tracing
from yys.kit.settings import Settings
from yys.kit.wechatpay.settings import CALLBACK_PATH
from yys.runtime.app import build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES
from yys.runtime.seed import seed_demo_if_empty

pytestmark = [pytest.mark.mariadb, pytest.mark.redis, pytest.mark.kafka]

PAY_NOTIFY_JOB = "msg:pay_success:notify_user"
SANDBOX_NOTIFY_JOB = "paysandbox.notify"


@dataclass
class Running:
    base: str  # every service's HTTP routes, but order's when split
    order_base: str
    exporter: InMemorySpanExporter
    split: bool


def _settings(tmp_path: Path, mariadb_url: str, redis_url: str, kafka_bootstrap: str, *,
              port: int, **extra: Any) -> Settings:
    return Settings(
        data_dir=tmp_path, database_url=mariadb_url, redis_url=redis_url,
        redis_key_prefix=f"trace{port}:", kafka_bootstrap_servers=kafka_bootstrap,
        host="127.0.0.1", port=port, job_poll_interval_seconds=0.2,
        # The test broker makes a joining member wait about a rebalance timeout.
        kafka_session_timeout_ms=3000, kafka_heartbeat_interval_ms=1000,
        kafka_rebalance_timeout_ms=3000, password_hash_memory_kib=8 * 1024, password_hash_time_cost=1,
        **extra)


@asynccontextmanager
async def _serving(settings: Settings, names: list[str], *, rpc: bool) -> AsyncIterator[str]:
    """One yys process's worth of services (HTTP, and gRPC when `rpc`) in this event loop."""
    process = build_process(build_platform(settings), names)
    if rpc:
        from yys.runtime.rpc import attach_rpc

        process.rpc = attach_rpc(settings, process.services, process.clients, serve=True)
    await process.migrate()
    await seed_demo_if_empty(process)
    server = uvicorn.Server(uvicorn.Config(create_app(process), host="127.0.0.1", port=settings.port,
                                           log_config=None, access_log=False, lifespan="on"))
    serving = asyncio.create_task(server.serve())
    base = f"http://127.0.0.1:{settings.port}"
    try:
        await _wait_ready(base, serving)
        yield base
    finally:
        server.should_exit = True
        await asyncio.wait_for(serving, 30)


@pytest.fixture(params=["one process", "split over gRPC"])
async def running(request: pytest.FixtureRequest, tmp_path: Path, mariadb_url: str, redis_url: str,
                  kafka_bootstrap: str) -> AsyncIterator[Running]:
    exporter = InMemorySpanExporter()
    port = free_port()
    split = request.param == "split over gRPC"
    settings = _settings(tmp_path, mariadb_url, redis_url, kafka_bootstrap, port=port)
    assert tracing.configure_tracing(settings, service="yys", exporter=exporter)
    try:
        async with AsyncExitStack() as stack:
            if not split:
                base = order_base = await stack.enter_async_context(
                    _serving(settings, list(SERVICES), rpc=False))
            else:
                # order alone in "process" B; everything else in A; each calls the other over gRPC.
                grpc_a, grpc_b, port_b = free_port(), free_port(), free_port()
                others = [n for n in SERVICES if n != "order"]
                targets_a = {"order_grpc_target": f"127.0.0.1:{grpc_b}"}
                targets_b = {f"{n}_grpc_target": f"127.0.0.1:{grpc_a}"
                             for n in ("usercenter", "travel", "payment", "mqueue", "admin")}
                base = await stack.enter_async_context(_serving(
                    _settings(tmp_path, mariadb_url, redis_url, kafka_bootstrap, port=port,
                              grpc_port=grpc_a, **targets_a), others, rpc=True))
                order_base = await stack.enter_async_context(_serving(
                    _settings(tmp_path, mariadb_url, redis_url, kafka_bootstrap, port=port_b,
                              grpc_port=grpc_b, **targets_b), ["order"], rpc=True))
            exporter.clear()  # startup work (migrations, seeding) is not the flow under test
            yield Running(base, order_base, exporter, split)
    finally:
        tracing.shutdown_tracing()


async def _wait_ready(base: str, serving: asyncio.Task[None]) -> None:
    deadline = time.monotonic() + 20
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            if serving.done():
                serving.result()
                raise AssertionError("the server stopped before it was ready")
            try:
                async with http.get(base + "/readyz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
    raise AssertionError("not ready within 20 s")


async def _post(http: aiohttp.ClientSession, url: str, body: dict[str, Any], token: str | None = None
                ) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    async with http.post(url, json=body, headers=headers) as resp:
        data = await resp.json()
        assert resp.status == 200, data
        return dict(data)


async def _book_and_pay(base: str, order_base: str) -> None:
    async with aiohttp.ClientSession() as http:
        mobile = f"139{time.time_ns() % 100_000_000:08d}"
        reg = await _post(http, base + "/usercenter/v1/user/register",
                          {"mobile": mobile, "password": "trace-pass"})
        token = str(reg["accessToken"])
        listing = await _post(http, base + "/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 1})
        start = int(time.time()) + 86400
        order = await _post(http, order_base + "/order/v1/homestayOrder/createHomestayOrder", {
            "homestayId": listing["list"][0]["id"], "isFood": False, "liveStartTime": start,
            "liveEndTime": start + 86400, "livePeopleNum": 1, "remark": "trace"}, token)
        sn = str(order["orderSn"])
        params = await _post(http, base + "/payment/v1/thirdPayment/thirdPaymentWxPay",
                             {"orderSn": sn, "serviceType": "homestayOrder"}, token)
        await _post(http, base + "/paysandbox/v1/pay",
                    {"prepayId": params["package"].removeprefix("prepay_id="), "result": "SUCCESS"})


async def _wait_for_span(exporter: InMemorySpanExporter, match: Callable[[ReadableSpan], bool],
                         within: float = 20) -> ReadableSpan:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        found = [s for s in exporter.get_finished_spans() if match(s)]
        if found:
            return found[0]
        await asyncio.sleep(0.05)
    names = sorted({s.name for s in exporter.get_finished_spans()})
    raise AssertionError(f"span not finished within {within}s; seen: {names}")


def _attr(span: ReadableSpan, name: str) -> Any:
    return (span.attributes or {}).get(name)


async def test_booking_is_one_connected_trace(running: Running) -> None:
    with tracing.tracer().start_as_current_span("booking flow") as root:
        await _book_and_pay(running.base, running.order_base)
    trace_id = root.get_span_context().trace_id
    # The flow goes on after the last response: notify job → callback → Kafka → consumer → job.
    await _wait_for_span(running.exporter, lambda s: s.name == f"job {PAY_NOTIFY_JOB}")
    await asyncio.sleep(0.3)  # spans still closing around it (the worker's settle, the relay)

    spans = [s for s in running.exporter.get_finished_spans() if s.context.trace_id == trace_id]
    by_id = {s.context.span_id: s for s in spans}
    orphans = [s.name for s in spans if s.parent is not None and s.parent.span_id not in by_id]
    assert not orphans, f"spans whose parent is not in the trace: {orphans}"
    assert [s.name for s in spans if s.parent is None] == ["booking flow"]

    def one(match: Callable[[ReadableSpan], bool], what: str) -> ReadableSpan:
        found = [s for s in spans if match(s)]
        assert found, f"no {what} span in the trace; names: {sorted({s.name for s in spans})}"
        return found[0]

    def ancestors(span: ReadableSpan) -> list[str]:
        names: list[str] = []
        while span.parent is not None:
            span = by_id[span.parent.span_id]
            names.append(span.name)
        return names

    def server(route: str) -> Callable[[ReadableSpan], bool]:
        return lambda s: s.kind == SpanKind.SERVER and _attr(s, "http.route") == route

    one(server("/order/v1/homestayOrder/createHomestayOrder"), "HTTP server (create order)")
    one(lambda s: s.kind == SpanKind.CLIENT and _attr(s, "db.system") == "mysql", "SQL")
    one(lambda s: s.kind == SpanKind.CLIENT and _attr(s, "db.system") == "redis", "Redis")
    callback = one(server(CALLBACK_PATH), "payment callback")
    produce = one(lambda s: s.kind == SpanKind.PRODUCER and _attr(s, "messaging.system") == "kafka"
                  and _attr(s, "messaging.destination.name") == TOPIC_PAYMENT_STATUS, "Kafka produce")
    consume = one(lambda s: s.kind == SpanKind.CONSUMER
                  and _attr(s, "messaging.destination.name") == TOPIC_PAYMENT_STATUS, "Kafka consume")
    job = one(lambda s: s.name == f"job {PAY_NOTIFY_JOB}", "pay-success delay job")

    # The causal chain, each hop a descendant of the one before.
    assert callback.name in ancestors(produce)
    assert consume.parent is not None and consume.parent.span_id == produce.context.span_id
    assert consume.name in ancestors(job)
    assert f"job {SANDBOX_NOTIFY_JOB}" in ancestors(callback)
    assert "POST /paysandbox/v1/pay" in ancestors(callback)
    for span in (produce, consume, job):
        assert span.resource.attributes["service.name"] == "yys"

    if running.split:  # order ↔ the others over gRPC: the context crosses in the metadata
        client = one(lambda s: s.kind == SpanKind.CLIENT and _attr(s, "rpc.system") == "grpc",
                     "gRPC client")
        served = one(lambda s: s.kind == SpanKind.SERVER and _attr(s, "rpc.system") == "grpc"
                     and s.parent is not None and s.parent.span_id == client.context.span_id,
                     "gRPC server (child of the client call)")
        assert "POST /order/v1/homestayOrder/createHomestayOrder" in ancestors(served) or \
            "POST /payment/v1/thirdPayment/thirdPaymentWxPay" in ancestors(served)


@pytest.mark.parametrize("running", ["one process"], indirect=True)
async def test_exemplars_carry_the_trace_id(running: Running) -> None:
    with tracing.tracer().start_as_current_span("probe") as root:
        async with aiohttp.ClientSession(running.base) as http, \
                http.post("/travel/v1/homestay/guessList", json={}) as resp:
            assert resp.status == 200
    trace_hex = format(root.get_span_context().trace_id, "032x")
    async with aiohttp.ClientSession(running.base) as http:
        async with http.get("/metrics", headers={"Accept": "application/openmetrics-text"}) as resp:
            assert resp.headers["Content-Type"].startswith("application/openmetrics-text")
            text = await resp.text()
        async with http.get("/metrics") as resp:
            assert resp.headers["Content-Type"].startswith("text/plain")
            assert "trace_id" not in await resp.text()
    lines = [line for line in text.splitlines()
             if line.startswith("yys_http_server_request_duration_seconds_bucket")
             and 'route="/travel/v1/homestay/guessList"' in line]
    assert any(f'# {{trace_id="{trace_hex}"}}' in line for line in lines), lines


async def test_outbox_row_and_kafka_headers_carry_the_context(tmp_path: Path, kafka_bootstrap: str) -> None:
    """The stored `traceparent` is the writing request's; the Kafka record's is the publish span's."""
    from aiokafka import AIOKafkaConsumer
    from sqlalchemy import MetaData, select
    from sqlalchemy.ext.asyncio import create_async_engine

    from yys.kit.events import Event, add_to_outbox
    from yys.kit.events.kafka import KafkaBus
    from yys.kit.events.outbox import OutboxRelay, outbox_table

    exporter = InMemorySpanExporter()
    tracing.configure_tracing(Settings(), service="yys", exporter=exporter)
    engine = create_async_engine(f"sqlite+aiosqlite:///{tmp_path / 'outbox.db'}")
    table = outbox_table(MetaData(), "trace_outbox")
    topic = f"trace-{time.time_ns()}"
    bus = KafkaBus(kafka_bootstrap, num_partitions=1)
    try:
        async with engine.begin() as conn:
            await conn.run_sync(table.metadata.create_all)
        with tracing.tracer().start_as_current_span("request") as request:
            async with engine.begin() as conn:
                await add_to_outbox(conn, table, Event(topic=topic, key="k", payload={"a": 1}))
        async with engine.connect() as conn:
            stored = (await conn.execute(select(table.c.headers))).scalar_one()
        ids = request.get_span_context()
        assert f'"traceparent":"00-{ids.trace_id:032x}-{ids.span_id:016x}-' in stored

        await bus.start()
        assert await OutboxRelay(engine, table, bus).publish_pending_once() == 1
        (publish,) = [s for s in exporter.get_finished_spans() if s.name == f"{topic} publish"]
        consumer = AIOKafkaConsumer(topic, bootstrap_servers=kafka_bootstrap,
                                    auto_offset_reset="earliest", group_id=None)
        await consumer.start()
        try:
            record = await asyncio.wait_for(consumer.getone(), 10)
        finally:
            await consumer.stop()
        headers = {k: v.decode() for k, v in record.headers}
        _version, trace_hex, span_hex, flags = headers["traceparent"].split("-")
        assert (trace_hex, span_hex) == (f"{ids.trace_id:032x}", f"{publish.context.span_id:016x}")
        assert int(flags, 16) & 1  # sampled
    finally:
        await bus.close()
        await engine.dispose()
        tracing.shutdown_tracing()
