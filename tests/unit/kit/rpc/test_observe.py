"""gRPC metrics and traces over real local gRPC: counted per call and status on both sides, and
one trace across caller and callee."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from prometheus_client import REGISTRY

from tests.unit.kit.rpc.support import SERVICE, remote, serving
from yys.kit.errors import NotFound, Unavailable
from yys.kit.observability.tracing import configure_tracing, shutdown_tracing
from yys.kit.rpc import observe
from yys.kit.settings import Settings


def _sample(name: str, side: str, method: str, code: str | None = None) -> float:
    labels = {"rpc_service": SERVICE, "rpc_method": method}
    if code is not None:
        labels["grpc_code"] = code
    return REGISTRY.get_sample_value(f"yys_rpc_{side}_{name}", labels) or 0.0


def _counts(method: str, code: str) -> tuple[float, float]:
    return (_sample("requests_total", "server", method, code),
            _sample("requests_total", "client", method, code))


async def test_every_call_is_counted_with_its_status_and_timed_on_both_sides() -> None:
    async def ok(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return b"ok"

    async def missing(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise NotFound("no such thing")

    async def down(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise Unavailable("dependency down")

    before = {m: _counts(m, c) for m, c in (("Ok", "OK"), ("Missing", "NOT_FOUND"),
                                             ("Down", "UNAVAILABLE"))}
    timed_before = (_sample("duration_seconds_count", "server", "Ok"),
                    _sample("duration_seconds_count", "client", "Ok"))
    async with serving({"Ok": ok, "Missing": missing, "Down": down}) as server:
        client = remote(server.port or 0, ["Ok", "Missing", "Down"])
        for _ in range(3):
            assert await client.call(client.stub.Ok, b"") == b"ok"
        with pytest.raises(NotFound):
            await client.call(client.stub.Missing, b"")
        with pytest.raises(Unavailable):  # not idempotent: no retry, one call
            await client.call(client.stub.Down, b"")
        await client.close()

    def delta(method: str, code: str) -> tuple[float, float]:
        after = _counts(method, code)
        return after[0] - before[method][0], after[1] - before[method][1]

    assert delta("Ok", "OK") == (3, 3)
    assert delta("Missing", "NOT_FOUND") == (1, 1)
    assert delta("Down", "UNAVAILABLE") == (1, 1)
    assert _sample("duration_seconds_count", "server", "Ok") - timed_before[0] == 3
    assert _sample("duration_seconds_count", "client", "Ok") - timed_before[1] == 3


async def test_a_callee_that_is_down_counts_unavailable_on_the_caller() -> None:
    async with serving({}) as server:
        port = server.port or 0
    # The server is gone: the channel cannot connect, the caller sees UNAVAILABLE.
    before = _sample("requests_total", "client", "Gone", "UNAVAILABLE")
    client = remote(port, ["Gone"], default_timeout=1.0)
    with pytest.raises(Unavailable):
        await client.call(client.stub.Gone, b"")
    await client.close()
    assert _sample("requests_total", "client", "Gone", "UNAVAILABLE") - before == 1


async def test_a_call_past_its_deadline_counts_deadline_exceeded_on_both_sides() -> None:
    async def slow(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        await asyncio.sleep(5)
        return b""

    client_before = _sample("requests_total", "client", "Slow", "DEADLINE_EXCEEDED")
    server_before = _sample("requests_total", "server", "Slow", "DEADLINE_EXCEEDED")
    async with serving({"Slow": slow}) as server:
        client = remote(server.port or 0, ["Slow"], default_timeout=0.2)
        with pytest.raises(Unavailable):
            await client.call(client.stub.Slow, b"")
        await client.close()
        for _ in range(50):  # the callee's handler is cancelled at its deadline too
            if _sample("requests_total", "server", "Slow", "DEADLINE_EXCEEDED") > server_before:
                break
            await asyncio.sleep(0.05)
    assert _sample("requests_total", "client", "Slow", "DEADLINE_EXCEEDED") - client_before == 1
    assert _sample("requests_total", "server", "Slow", "DEADLINE_EXCEEDED") - server_before == 1


@pytest.fixture
def spans(tmp_path: Path) -> Iterator[InMemorySpanExporter]:
    """Tracing on for this test, as the platform installs it, with spans kept in memory."""
    exporter = InMemorySpanExporter()
    configure_tracing(Settings(data_dir=tmp_path), service="test", exporter=exporter)
    yield exporter
    shutdown_tracing()


async def test_client_and_server_spans_of_one_call_share_the_trace(
        spans: InMemorySpanExporter) -> None:
    seen: list[str | None] = []

    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        seen.append(dict(context.invocation_metadata() or ()).get("traceparent"))
        return request

    async def missing(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise NotFound()

    tracer = trace.get_tracer("test")
    async with serving({"Echo": echo, "Missing": missing}) as server:
        client = remote(server.port or 0, ["Echo", "Missing"])
        # Inside a request, as in a service (a parentless CLIENT span is not sampled).
        with tracer.start_as_current_span("POST /order", kind=trace.SpanKind.SERVER) as request:
            assert await client.call(client.stub.Echo, b"hi") == b"hi"
            with pytest.raises(NotFound):
                await client.call(client.stub.Missing, b"")
        await client.close()

    finished = {(s.name, s.kind): s for s in spans.get_finished_spans()}
    name = f"{SERVICE}/Echo"
    client_span = finished[(name, trace.SpanKind.CLIENT)]
    server_span = finished[(name, trace.SpanKind.SERVER)]
    assert client_span.context is not None and server_span.context is not None
    assert server_span.context.trace_id == client_span.context.trace_id
    assert client_span.context.trace_id == request.get_span_context().trace_id
    assert server_span.parent is not None and server_span.parent.span_id == client_span.context.span_id
    assert seen[0] is not None and f"{client_span.context.trace_id:032x}" in seen[0]
    assert server_span.attributes is not None
    assert server_span.attributes["rpc.method"] == "Echo"
    assert server_span.attributes["rpc.grpc.status_code"] == 0
    # NOT_FOUND is an error for the caller, an answer for the server (OpenTelemetry's rule).
    missing_client = finished[(f"{SERVICE}/Missing", trace.SpanKind.CLIENT)]
    missing_server = finished[(f"{SERVICE}/Missing", trace.SpanKind.SERVER)]
    assert missing_client.status.status_code is trace.StatusCode.ERROR
    assert missing_server.status.status_code is trace.StatusCode.UNSET


async def test_tracing_off_sends_no_trace_context_and_back_on_is_seen(
        tmp_path: Path) -> None:
    assert observe.tracer() is None  # nothing installed: tracing off
    seen: list[dict[str, str]] = []

    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        seen.append(dict(context.invocation_metadata() or ()))
        return request

    async with serving({"Echo": echo}) as server:
        client = remote(server.port or 0, ["Echo"])
        assert await client.call(client.stub.Echo, b"x") == b"x"
        # Installed after the channel and server were built: the next call is traced.
        exporter = InMemorySpanExporter()
        configure_tracing(Settings(data_dir=tmp_path), service="test", exporter=exporter)
        try:
            with trace.get_tracer("test").start_as_current_span("request"):
                assert await client.call(client.stub.Echo, b"y") == b"y"
        finally:
            shutdown_tracing()
        assert observe.tracer() is None
        await client.close()
    assert "traceparent" not in seen[0]
    assert "traceparent" in seen[1]
    assert {s.kind for s in exporter.get_finished_spans()} >= {trace.SpanKind.CLIENT,
                                                               trace.SpanKind.SERVER}
