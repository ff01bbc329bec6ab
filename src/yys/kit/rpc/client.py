"""Client side: one lazily built channel per remote service, with deadlines, retries of
idempotent methods only, and errors mapped back to `AppError`.

Channels are plaintext on purpose: in production the Istio sidecars carry the traffic over mTLS,
and the embedded topology never leaves the process. A headless-Service target (`dns:///name:port`)
resolves to every pod and the round-robin policy spreads calls over them (Envoy balances per
request as well when the mesh is on).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from opentelemetry import propagate, trace

from yys.kit.errors import Unavailable
from yys.kit.rpc import observe
from yys.kit.rpc.deadline import outgoing_timeout
from yys.kit.rpc.errors import from_rpc_error
from yys.kit.rpc.observe import CLIENT_DURATION, CLIENT_REQUESTS, MethodMetrics
from yys.kit.rpc.options import DEFAULT_MAX_MESSAGE_BYTES, client_options

OK = grpc.StatusCode.OK
_MAX_METHODS = 256

StubT = TypeVar("StubT")
RequestT = TypeVar("RequestT")
ResponseT = TypeVar("ResponseT")


@dataclass(frozen=True)
class ServiceSpec:
    """A remote service: its full proto name and the methods that are safe to call twice.

    Only those are retried (on UNAVAILABLE, by the gRPC retry policy): a retried call may have
    run once already on the server before the connection broke, so a method belongs here only
    when a repeat has no further effect (a read, or a write deduplicated by a key)."""

    name: str
    idempotent: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_backoff: float = 0.05
    max_backoff: float = 0.5
    multiplier: float = 2.0


def service_config(spec: ServiceSpec, retry: RetryPolicy | None = None) -> str:
    """The gRPC service config (JSON) of a channel to `spec`."""
    retry = retry or RetryPolicy()
    config: dict[str, Any] = {"loadBalancingConfig": [{"round_robin": {}}]}
    if spec.idempotent:
        config["methodConfig"] = [{
            "name": [{"service": spec.name, "method": m} for m in sorted(spec.idempotent)],
            "retryPolicy": {
                "maxAttempts": retry.max_attempts,
                "initialBackoff": f"{retry.initial_backoff}s",
                "maxBackoff": f"{retry.max_backoff}s",
                "backoffMultiplier": retry.multiplier,
                "retryableStatusCodes": ["UNAVAILABLE"],
            },
        }]
        # Retries stop when most calls fail (callee down), so they cannot multiply the load on
        # a struggling service: each failure costs a token, each success refunds 0.1.
        config["retryThrottling"] = {"maxTokens": 10, "tokenRatio": 0.1}
    return json.dumps(config, separators=(",", ":"))


def _method_name(method: Any) -> str:
    """The `/pkg.Service/Method` path of a stub's method (grpc.aio keeps it encoded)."""
    name = getattr(method, "_method", b"/unknown/unknown")
    return name.decode() if isinstance(name, bytes) else str(name)


class RemoteService(Generic[StubT]):
    """The channel and stub of one remote service; built on first use, inside the running loop."""

    def __init__(self, target: str, spec: ServiceSpec, stub_factory: Callable[[grpc.aio.Channel], StubT],
                 *, default_timeout: float, max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                 retry: RetryPolicy | None = None) -> None:
        self.target = target
        self.spec = spec
        self.default_timeout = default_timeout
        self._stub_factory = stub_factory
        self._options = [*client_options(max_message_bytes),
                         ("grpc.service_config", service_config(spec, retry))]
        self._channel: grpc.aio.Channel | None = None
        self._stub: StubT | None = None
        # Keyed by the stub's method objects, which live as long as the stub.
        self._metrics: dict[Any, MethodMetrics] = {}

    @property
    def channel(self) -> grpc.aio.Channel:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.target, options=self._options)
        return self._channel

    @property
    def stub(self) -> StubT:
        if self._stub is None:
            self._stub = self._stub_factory(self.channel)
        return self._stub

    async def call(self, method: Callable[..., Awaitable[ResponseT]], request: Any) -> ResponseT:
        """Call a unary stub method within the propagated deadline; a failure is an AppError.

        Counted and timed per method and status; traced (CLIENT span, W3C trace context in the
        call's metadata) only while tracing is on."""
        timeout = outgoing_timeout(self.default_timeout)
        metrics = self._metrics.get(method)
        if metrics is None:
            if len(self._metrics) >= _MAX_METHODS:  # a caller building method objects per call
                self._metrics.clear()
            metrics = self._metrics[method] = MethodMetrics(_method_name(method), CLIENT_REQUESTS,
                                                            CLIENT_DURATION)
        tracer = observe.tracer()
        if tracer is not None:
            return await self._traced_call(tracer, metrics, method, request, timeout)
        started = time.perf_counter()
        code = OK
        try:
            return await method(request, timeout=timeout)
        except grpc.aio.AioRpcError as exc:
            code = exc.code()
            raise from_rpc_error(exc) from exc
        except asyncio.CancelledError:
            code = grpc.StatusCode.CANCELLED
            raise
        finally:
            metrics.count(code)
            metrics.duration.observe(time.perf_counter() - started)

    async def _traced_call(self, tracer: trace.Tracer, metrics: MethodMetrics,
                           method: Callable[..., Awaitable[ResponseT]], request: Any,
                           seconds: float) -> ResponseT:
        started = time.perf_counter()
        code = OK
        with tracer.start_as_current_span(
                f"{metrics.service}/{metrics.method}", kind=trace.SpanKind.CLIENT,
                attributes={"rpc.system": "grpc", "rpc.service": metrics.service,
                            "rpc.method": metrics.method, "server.address": self.target},
                record_exception=False, set_status_on_exception=False) as span:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            try:
                return await method(request, timeout=seconds, metadata=tuple(carrier.items()))
            except grpc.aio.AioRpcError as exc:
                code = exc.code()
                span.set_status(trace.StatusCode.ERROR, code.name)
                raise from_rpc_error(exc) from exc
            except asyncio.CancelledError:
                code = grpc.StatusCode.CANCELLED
                raise
            finally:
                span.set_attribute("rpc.grpc.status_code", code.value[0])
                metrics.count(code)
                metrics.duration.observe(time.perf_counter() - started)

    async def check_health(self, probe_timeout: float = 1.0) -> None:
        """The standard health check of this service; raises `Unavailable` unless SERVING."""
        stub = health_pb2_grpc.HealthStub(self.channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=self.spec.name),
                                     timeout=probe_timeout)
        except grpc.aio.AioRpcError as exc:
            raise Unavailable(f"{self.spec.name}: {exc.code().name}") from exc
        if reply.status != health_pb2.HealthCheckResponse.SERVING:
            status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
            raise Unavailable(f"{self.spec.name}: {status}")

    async def close(self, grace: float | None = None) -> None:
        channel, self._channel, self._stub = self._channel, None, None
        self._metrics.clear()
        if channel is not None:
            await channel.close(grace)
