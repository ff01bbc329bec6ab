"""Metrics and traces of gRPC calls, made cheap enough to run on every call.

Metrics (names and labels from docs/METRICS.md): `rpc_service` is the full proto service name,
`rpc_method` the method, `grpc_code` the status code name (`OK`, `NOT_FOUND`, `UNAVAILABLE`, …).
Label children are resolved once per method (and per code on first use), never per call.

Traces: a CLIENT span around each outgoing call with the W3C trace context injected into the
call's metadata by the global OpenTelemetry propagator, and a SERVER span continuing it on the
callee. Until a tracer provider is installed (`yys.kit.observability.tracing` does it when
tracing is on) the global provider is OpenTelemetry's proxy; `tracer()` answers None after one
identity check and the call path skips spans, context extraction and injection altogether.
"""

from __future__ import annotations

from typing import Any

import grpc
from opentelemetry import trace
from prometheus_client import Counter, Histogram

from yys.kit.observability.metrics import LATENCY_BUCKETS

SERVER_REQUESTS = Counter(
    "yys_rpc_server_requests_total", "gRPC calls handled, by status code.",
    ["rpc_service", "rpc_method", "grpc_code"],
)
SERVER_DURATION = Histogram(
    "yys_rpc_server_duration_seconds", "gRPC handler time, call received to status sent.",
    ["rpc_service", "rpc_method"], buckets=LATENCY_BUCKETS,
)
CLIENT_REQUESTS = Counter(
    "yys_rpc_client_requests_total", "gRPC calls made (after the channel's retries), by status code.",
    ["rpc_service", "rpc_method", "grpc_code"],
)
CLIENT_DURATION = Histogram(
    "yys_rpc_client_duration_seconds", "gRPC call time seen by the caller, retries included.",
    ["rpc_service", "rpc_method"], buckets=LATENCY_BUCKETS,
)

INSTRUMENTATION = "yys.kit.rpc"


def split_method(full: str) -> tuple[str, str]:
    """`/pkg.Service/Method` → (`pkg.Service`, `Method`)."""
    service, _, method = full.lstrip("/").rpartition("/")
    return service, method


class MethodMetrics:
    """The label children of one method on one side (client or server)."""

    __slots__ = ("_codes", "_requests", "duration", "method", "service")

    def __init__(self, full_method: str, requests: Counter, duration: Histogram) -> None:
        self.service, self.method = split_method(full_method)
        self._requests = requests
        self.duration = duration.labels(self.service, self.method)
        self._codes: dict[grpc.StatusCode, Any] = {}

    def count(self, code: grpc.StatusCode) -> None:
        child = self._codes.get(code)
        if child is None:
            child = self._codes[code] = self._requests.labels(self.service, self.method, code.name)
        child.inc()


class _Tracers:
    """The tracer of the global provider, or None while that is OpenTelemetry's proxy (nothing
    installed: tracing off). Re-checked per call by identity, so a provider installed after
    the channels and servers were built is picked up."""

    provider: object = None
    tracer: trace.Tracer | None = None


_tracers = _Tracers()
_NOT_INSTALLED = (trace.ProxyTracerProvider, trace.NoOpTracerProvider)


def tracer() -> trace.Tracer | None:
    provider = trace.get_tracer_provider()
    if provider is not _tracers.provider:
        _tracers.provider = provider
        _tracers.tracer = (None if isinstance(provider, _NOT_INSTALLED)
                           else provider.get_tracer(INSTRUMENTATION))
    return _tracers.tracer
