"""OpenTelemetry traces: off by default, one setting exports them over OTLP/HTTP.

Off (`YYS_OTEL_ENABLED=false`), nothing is installed: no SDK, no instrumentation, and every
helper here returns after one `None` check, so the hot paths pay nothing. On, one
`TracerProvider` per process (parent-based ratio sampler, batch export) backs:
- the HTTP edge (`asgi_middleware`), SQLAlchemy engines (`instrument_engine`), Redis clients
  (`instrument_redis`) and outbound aiohttp (instrumented globally at `configure_tracing`);
  gRPC calls are traced by `kit.rpc` through the global provider installed here;
- context that crosses a queue: `inject` writes the W3C `traceparent` of the current span into
  a header mapping (outbox rows, delay-job headers), `producer_span`/`consumer_span`/`job_span`
  continue the trace on the other side of Kafka, the in-process bus and the delay queue.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, MutableMapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from sqlalchemy.ext.asyncio import AsyncEngine

    from yys.kit.settings import Settings

_TRACES_PATH = "/v1/traces"


@dataclass(slots=True)
class _Tracing:
    provider: TracerProvider
    tracer: trace.Tracer


class _State:
    active: _Tracing | None = None  # set by configure_tracing; None means tracing is off


_state = _State()
_NULL: contextlib.nullcontext[None] = contextlib.nullcontext()


def enabled() -> bool:
    return _state.active is not None


def configure_tracing(settings: Settings, *, service: str,
                      exporter: SpanExporter | None = None) -> bool:
    """Install tracing for this process when `settings.otel_enabled` (or an `exporter` is
    given, as tests do: spans then go to it synchronously). Returns whether tracing is on."""
    if _state.active is not None:
        return True
    if not settings.otel_enabled and exporter is None:
        return False
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor
    from opentelemetry.sdk.resources import SERVICE_NAME, Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor
    from opentelemetry.sdk.trace.sampling import ParentBased, TraceIdRatioBased

    resource = Resource.create({SERVICE_NAME: settings.otel_service_name or service})
    root = _no_orphan_clients(TraceIdRatioBased(settings.otel_sample_ratio))
    provider = TracerProvider(resource=resource, sampler=ParentBased(root))
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    else:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=_endpoint(settings))))
    # The global provider serves code that does not take one: kit.rpc's CLIENT/SERVER spans
    # (context in the gRPC metadata) look it up per call.
    trace.set_tracer_provider(provider)
    AioHttpClientInstrumentor().instrument(tracer_provider=provider)
    _state.active = _Tracing(provider, provider.get_tracer("yys"))
    return True


def _no_orphan_clients(ratio: Any) -> Any:
    """The root sampler: a CLIENT span without a parent (an SQL statement, Redis command or RPC
    of a background poll: the outbox relay's scan, the workers' claims, lease renewals, readiness
    pings) would start a one-span trace several times a second. Those are dropped; every other
    new trace is kept at the configured ratio."""
    from opentelemetry.sdk.trace.sampling import Decision, Sampler, SamplingResult

    class NoOrphanClients(Sampler):
        def should_sample(self, parent_context: Any, trace_id: int, name: str,  # noqa: PLR0917 (the SDK signature)
                          kind: SpanKind | None = None, attributes: Any = None,
                          links: Any = None, trace_state: Any = None) -> SamplingResult:
            if kind == SpanKind.CLIENT:
                return SamplingResult(Decision.DROP)
            return ratio.should_sample(parent_context, trace_id, name, kind, attributes, links,  # type: ignore[no-any-return]
                                       trace_state)

        def get_description(self) -> str:
            return f"NoOrphanClients{{{ratio.get_description()}}}"

    return NoOrphanClients()


def tracer() -> trace.Tracer:
    """This process's tracer (the API's no-op one when tracing is off)."""
    return _state.active.tracer if _state.active is not None else trace.NoOpTracer()


def shutdown_tracing() -> None:
    """Flush pending spans and uninstall (the end of a process, or of a test)."""
    if _state.active is None:
        return
    from opentelemetry.instrumentation.aiohttp_client import AioHttpClientInstrumentor

    AioHttpClientInstrumentor().uninstrument()
    _state.active.provider.shutdown()
    _state.active = None
    _reset_global_provider()


def _reset_global_provider() -> None:
    """Back to the API's proxy provider, so code that reads the global one (kit.rpc) sees
    tracing off again. The API lets a process set the global provider only once; a process that
    stops and restarts tracing (tests do, with a fresh exporter each) needs this private reset,
    the one OpenTelemetry's own test utilities perform."""
    from opentelemetry.util._once import Once

    trace._TRACER_PROVIDER_SET_ONCE = Once()
    trace._TRACER_PROVIDER = None


def _endpoint(settings: Settings) -> str | None:
    base = settings.otel_exporter_otlp_endpoint
    if not base:
        return None  # the exporter reads OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT itself
    base = base.rstrip("/")
    return base if base.endswith(_TRACES_PATH) else base + _TRACES_PATH


# -- instrumentation of clients built by the platform ------------------------------------------


def instrument_engine(engine: AsyncEngine) -> None:
    """Spans for every statement on `engine` (no-op when tracing is off)."""
    if _state.active is None:
        return
    from opentelemetry.instrumentation.sqlalchemy.engine import EngineTracer
    from opentelemetry.metrics import NoOpUpDownCounter

    # One tracer per engine: the instrumentor's own entry point instruments once per process.
    EngineTracer(  # type: ignore[no-untyped-call]
        _state.active.tracer, engine.sync_engine, NoOpUpDownCounter("db.client.connections.usage"))


def instrument_redis(client: Any) -> None:
    """Spans for every command of a redis-py client (no-op when tracing is off)."""
    if _state.active is None:
        return
    from opentelemetry.instrumentation.redis import RedisInstrumentor

    RedisInstrumentor.instrument_client(client, tracer_provider=_state.active.provider)


_UNTRACED_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})  # probes: noise, no value


def asgi_middleware(app: Any) -> Any:
    """The OpenTelemetry ASGI middleware: a SERVER span per request, named after the route
    template (never the raw path), continuing an incoming `traceparent`."""
    if _state.active is None:
        return app
    from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware

    traced = OpenTelemetryMiddleware(app, tracer_provider=_state.active.provider,
                                     default_span_details=_route_span_details,
                                     exclude_spans=["receive", "send"])

    async def middleware(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path") in _UNTRACED_PATHS:
            await app(scope, receive, send)
        else:
            await traced(scope, receive, send)

    return middleware


def _route_span_details(scope: Mapping[str, Any]) -> tuple[str, dict[str, Any]]:
    method = str(scope.get("method", "")).upper()
    route = scope.get("path_template") or "unmatched"
    return f"{method} {route}", {"http.route": route}


# -- context across queues ----------------------------------------------------------------------


def inject(headers: MutableMapping[str, str]) -> MutableMapping[str, str]:
    """Add the current span's `traceparent` (and `tracestate`) to `headers`, in place."""
    if _state.active is not None:
        propagate.inject(headers)
    return headers


def with_trace_context(headers: Mapping[str, str]) -> dict[str, str]:
    """A copy of `headers` carrying the current trace context (the same values when off)."""
    return dict(inject(dict(headers))) if _state.active is not None else dict(headers)


def current_ids(*, sampled_only: bool = False) -> tuple[str, str] | None:
    """(trace_id, span_id) in hex of the current span. Logs take unsampled ones too (they still
    tie one request's lines together across services); exemplars want only traces that exist."""
    if _state.active is None:
        return None
    ctx = trace.get_current_span().get_span_context()
    if not ctx.is_valid or (sampled_only and not ctx.trace_flags.sampled):
        return None
    return format(ctx.trace_id, "032x"), format(ctx.span_id, "016x")


def producer_span(topic: str, headers: Mapping[str, str], *, system: str,
                  event_id: str) -> contextlib.AbstractContextManager[Any]:
    """A PRODUCER span child of the context stored with the event (the request that wrote it).
    Inside it, `with_trace_context(headers)` gives the headers to publish."""
    if _state.active is None:
        return _NULL
    return _span(f"{topic} publish", SpanKind.PRODUCER, headers, {
        "messaging.system": system, "messaging.operation.type": "publish",
        "messaging.destination.name": topic, "messaging.message.id": event_id})


def consumer_span(topic: str, headers: Mapping[str, str], *, group: str, event_id: str,
                  attempt: int) -> contextlib.AbstractContextManager[Any]:
    """A CONSUMER span for one handler attempt, child of the producer's context."""
    if _state.active is None:
        return _NULL
    return _span(f"{topic} process", SpanKind.CONSUMER, headers, {
        "messaging.operation.type": "process", "messaging.destination.name": topic,
        "messaging.consumer.group.name": group, "messaging.message.id": event_id,
        "yys.attempt": attempt})


def job_span(job_type: str, headers: Mapping[str, str], *, job_id: str, attempt: int,
             lateness: float) -> contextlib.AbstractContextManager[Any]:
    """A CONSUMER span for one delay-job run, child of the context it was scheduled in."""
    if _state.active is None:
        return _NULL
    return _span(f"job {job_type}", SpanKind.CONSUMER, headers, {
        "yys.job.type": job_type, "yys.job.id": job_id, "yys.attempt": attempt,
        "yys.job.lateness_s": round(lateness, 3)})


@contextlib.contextmanager
def _span(name: str, kind: SpanKind, headers: Mapping[str, str],
          attributes: dict[str, Any]) -> Iterator[trace.Span]:
    assert _state.active is not None
    parent = propagate.extract(headers)
    # The SDK records an exception that leaves the block and marks the span as an error.
    with _state.active.tracer.start_as_current_span(name, context=parent, kind=kind,
                                              attributes=attributes) as span:
        yield span
