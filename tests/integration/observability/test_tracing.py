"""One booking, one trace: the whole process in this test's event loop (uvicorn on a free port,
MariaDB, Redis, the Kafka-protocol broker) with spans going to OpenTelemetry's in-memory
exporter. The client's root span sends `traceparent` on every request; the pay request's
context must then cross the sandbox's notify job, the callback over HTTP, the outbox, Kafka,
the order consumer and the pay-success job without a break."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable
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
    base: str
    exporter: InMemorySpanExporter


@pytest.fixture
async def running(tmp_path: Path, mariadb_url: str, redis_url: str,
                  kafka_bootstrap: str) -> AsyncIterator[Running]:
    port = free_port()
    settings = Settings(
        data_dir=tmp_path, database_url=mariadb_url, redis_url=redis_url,
        redis_key_prefix=f"trace{port}:", kafka_bootstrap_servers=kafka_bootstrap,
        host="127.0.0.1", port=port, job_poll_interval_seconds=0.2,
        # The test broker makes a joining member wait about a rebalance timeout.
        kafka_session_timeout_ms=3000, kafka_heartbeat_interval_ms=1000,
        kafka_rebalance_timeout_ms=3000, password_hash_memory_kib=8 * 1024, password_hash_time_cost=1)
    exporter = InMemorySpanExporter()
    assert tracing.configure_tracing(settings, service="yys", exporter=exporter)
    try:
        process = build_process(build_platform(settings), list(SERVICES))
        await process.migrate()
        await seed_demo_if_empty(process)
        server = uvicorn.Server(uvicorn.Config(create_app(process), host="127.0.0.1", port=port,
                                               log_config=None, access_log=False, lifespan="on"))
        serving = asyncio.create_task(server.serve())
        base = f"http://127.0.0.1:{port}"
        try:
            await _wait_ready(base, serving)
            exporter.clear()  # startup work (migrations, seeding) is not the flow under test
            yield Running(base, exporter)
        finally:
            server.should_exit = True
            await asyncio.wait_for(serving, 30)
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


async def _book_and_pay(base: str) -> None:
    async with aiohttp.ClientSession(base) as http:
        mobile = f"139{time.time_ns() % 100_000_000:08d}"
        reg = await _post(http, "/usercenter/v1/user/register", {"mobile": mobile, "password": "trace-pass"})
        token = str(reg["accessToken"])
        listing = await _post(http, "/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 1})
        start = int(time.time()) + 86400
        order = await _post(http, "/order/v1/homestayOrder/createHomestayOrder", {
            "homestayId": listing["list"][0]["id"], "isFood": False, "liveStartTime": start,
            "liveEndTime": start + 86400, "livePeopleNum": 1, "remark": "trace"}, token)
        sn = str(order["orderSn"])
        params = await _post(http, "/payment/v1/thirdPayment/thirdPaymentWxPay",
                             {"orderSn": sn, "serviceType": "homestayOrder"}, token)
        await _post(http, "/paysandbox/v1/pay",
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
        await _book_and_pay(running.base)
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
