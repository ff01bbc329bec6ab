"""Tracing helpers: nothing at all when off; with an exporter, context crosses a queue through
the headers (publish → consume → a job scheduled there) as one trace."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from yys.kit.observability import tracing
from yys.kit.settings import Settings


def test_off_by_default_costs_nothing() -> None:
    assert not tracing.configure_tracing(Settings(), service="unit")
    assert not tracing.enabled()
    headers = {"a": "b"}
    with tracing.tracer().start_as_current_span("ignored"):
        assert tracing.with_trace_context(headers) == {"a": "b"}
        assert tracing.current_ids() is None
    # The same shared null context manager: no span, no allocation per call.
    assert tracing.consumer_span("t", {}, group="g", event_id="e", attempt=1) is \
        tracing.job_span("j", {}, job_id="1", attempt=1, lateness=0.0)


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    spans = InMemorySpanExporter()
    assert tracing.configure_tracing(Settings(otel_sample_ratio=0.0), service="unit", exporter=spans)
    try:
        yield spans
    finally:
        tracing.shutdown_tracing()
    assert not tracing.enabled()


def test_context_crosses_publish_consume_and_a_job(exporter: InMemorySpanExporter) -> None:
    # Ratio 0 drops traces started here, but a sampled caller's context is always continued
    # (parent-based): the edge decided, every hop follows.
    with tracing.tracer().start_as_current_span("dropped"):
        assert tracing.current_ids(sampled_only=True) is None
        assert tracing.current_ids() is not None  # logs still correlate by it
    caller = "00-" + "ab" * 16 + "-" + "cd" * 8 + "-01"
    with tracing.consumer_span("topic-0", {"traceparent": caller}, group="g", event_id="e0", attempt=1):
        stored = tracing.with_trace_context({"x": "1"})  # what the outbox row keeps
    assert stored["x"] == "1" and stored["traceparent"].startswith("00-" + "ab" * 16)
    with tracing.producer_span("topic-a", stored, system="kafka", event_id="e1"):
        published = tracing.with_trace_context(stored)
    with tracing.consumer_span("topic-a", published, group="g", event_id="e1", attempt=1):
        job_headers = tracing.with_trace_context({})
        trace_hex, _ = tracing.current_ids() or ("", "")
    with pytest.raises(RuntimeError), \
            tracing.job_span("close", job_headers, job_id="j1", attempt=1, lateness=0.2):
        raise RuntimeError("handler failed")

    spans = {s.name: s for s in exporter.get_finished_spans()}
    produce, consume, job = spans["topic-a publish"], spans["topic-a process"], spans["job close"]
    assert produce.kind == SpanKind.PRODUCER and consume.kind == SpanKind.CONSUMER
    assert produce.parent is not None and produce.parent.span_id == spans["topic-0 process"].context.span_id
    assert consume.parent is not None and consume.parent.span_id == produce.context.span_id
    assert job.parent is not None and job.parent.span_id == consume.context.span_id
    assert {format(s.context.trace_id, "032x") for s in spans.values()} == {"ab" * 16} == {trace_hex}
    assert "dropped" not in spans
    assert not job.status.is_ok and job.events[0].name == "exception"


def test_background_client_spans_start_no_trace() -> None:
    spans = InMemorySpanExporter()
    tracing.configure_tracing(Settings(otel_sample_ratio=1.0), service="unit", exporter=spans)
    try:
        t = tracing.tracer()
        with t.start_as_current_span("relay scan", kind=SpanKind.CLIENT) as orphan:
            assert not orphan.is_recording()  # a poll's statement alone: dropped
        with t.start_as_current_span("job close", kind=SpanKind.CONSUMER), \
                t.start_as_current_span("UPDATE", kind=SpanKind.CLIENT) as child:
            assert child.is_recording()  # the same statement inside a traced job: kept
        assert sorted(s.name for s in spans.get_finished_spans()) == ["UPDATE", "job close"]
    finally:
        tracing.shutdown_tracing()
