"""A grpc.aio server with the standard health service, deadline propagation and error mapping.

Build it inside the running event loop (`start`): grpc.aio binds its completion queue to the
loop current at construction. Only unary-unary methods are wrapped (deadline, error mapping,
metrics, trace); every internal call of yys is one. The health service is left as it is.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import OVERALL_HEALTH
from grpc_health.v1.health import aio as health_aio
from opentelemetry import context as otel_context
from opentelemetry import propagate, trace

from yys.kit.errors import AppError, ErrorKind
from yys.kit.rpc import deadline, observe
from yys.kit.rpc.errors import to_status
from yys.kit.rpc.observe import SERVER_DURATION, SERVER_REQUESTS, MethodMetrics
from yys.kit.rpc.options import DEFAULT_MAX_MESSAGE_BYTES, server_options

log = structlog.get_logger("yys.rpc")

Register = Callable[[Any, Any], None]  # a generated `add_*_to_server(servicer, server)`
OK = grpc.StatusCode.OK


def _observed(full_method: str, inner: Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]
              ) -> Callable[[Any, grpc.aio.ServicerContext], Awaitable[Any]]:
    """`inner` run inside its call's deadline, with errors mapped to statuses, counted and timed,
    and (while tracing is on) in a SERVER span continuing the caller's trace.

    Built once per method when the servicer is registered, not per call: a server interceptor
    would be awaited on every call and rebuild the handler each time."""
    metrics = MethodMetrics(full_method, SERVER_REQUESTS, SERVER_DURATION)

    async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
        started = time.perf_counter()
        token = deadline.enter(context.time_remaining())
        tracer = observe.tracer()
        span = None if tracer is None else _server_span(tracer, metrics, context)
        code = OK
        try:
            return await inner(request, context)
        except grpc.aio.AbortError:
            code = context.code() or grpc.StatusCode.UNKNOWN  # the servicer set the status itself
            raise
        except AppError as exc:
            code, details, trailers = to_status(exc)
            if exc.kind in (ErrorKind.INTERNAL, ErrorKind.UNAVAILABLE):
                log.warning("rpc failed", method=full_method, code=exc.code, error=exc.msg,
                            cause=repr(exc.__cause__))
            await context.abort(code, details, trailers)
        except asyncio.CancelledError:
            # Its deadline passed, or the caller went away (gone, or it gave up itself).
            left = context.time_remaining()
            code = (grpc.StatusCode.DEADLINE_EXCEEDED if left is not None and left <= 0
                    else grpc.StatusCode.CANCELLED)
            raise
        except Exception as exc:
            # Unexpected: log it here, send nothing internal to the caller.
            log.exception("rpc crashed", method=full_method, exc_info=exc)
            if span is not None:
                span[0].record_exception(exc)
            code, details, trailers = to_status(AppError())
            await context.abort(code, details, trailers)
        finally:
            deadline.leave(token)
            metrics.count(code)
            metrics.duration.observe(time.perf_counter() - started)
            if span is not None:
                _end_span(span, code)

    return call


def _server_span(tracer: trace.Tracer, metrics: MethodMetrics, context: grpc.aio.ServicerContext
                 ) -> tuple[trace.Span, object]:
    parent = propagate.extract(dict(context.invocation_metadata() or ()))
    span = tracer.start_span(f"{metrics.service}/{metrics.method}", context=parent,
                             kind=trace.SpanKind.SERVER, attributes={
                                 "rpc.system": "grpc", "rpc.service": metrics.service,
                                 "rpc.method": metrics.method})
    return span, otel_context.attach(trace.set_span_in_context(span))


def _end_span(span: tuple[trace.Span, object], code: grpc.StatusCode) -> None:
    # Only these server statuses are errors by the OpenTelemetry conventions: the others
    # (NOT_FOUND, ABORTED, …) are answers the caller asked for.
    span[0].set_attribute("rpc.grpc.status_code", code.value[0])
    if code in _SERVER_ERRORS:
        span[0].set_status(trace.StatusCode.ERROR, code.name)
    span[0].end()
    otel_context.detach(span[1])  # type: ignore[arg-type]


_SERVER_ERRORS = frozenset({grpc.StatusCode.UNKNOWN, grpc.StatusCode.DEADLINE_EXCEEDED,
                            grpc.StatusCode.UNIMPLEMENTED, grpc.StatusCode.INTERNAL,
                            grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DATA_LOSS})


def _wrap(full_method: str, handler: grpc.RpcMethodHandler) -> grpc.RpcMethodHandler:
    if handler is None or handler.unary_unary is None:
        return handler  # only unary-unary calls exist in yys
    return grpc.unary_unary_rpc_method_handler(
        _observed(full_method, handler.unary_unary),
        request_deserializer=handler.request_deserializer,
        response_serializer=handler.response_serializer)


class _WrappedGeneric(grpc.GenericRpcHandler):  # type: ignore[misc]  # untyped base
    """A generic handler whose unary handlers are wrapped once per method, then reused."""

    def __init__(self, inner: grpc.GenericRpcHandler) -> None:
        self._inner = inner
        self._wrapped: dict[str, tuple[grpc.RpcMethodHandler, grpc.RpcMethodHandler]] = {}

    def service(self, details: grpc.HandlerCallDetails) -> grpc.RpcMethodHandler | None:
        handler = self._inner.service(details)
        if handler is None:
            return None
        seen = self._wrapped.get(details.method)
        if seen is None or seen[0] is not handler:
            seen = self._wrapped[details.method] = (handler, _wrap(details.method, handler))
        return seen[1]


class _Registrar:
    """What a servicer's generated `add_*_to_server` sees in place of the server: the handlers
    it registers arrive wrapped (`_observed`), both the registered-method fast path and the
    generic lookup."""

    def __init__(self, server: grpc.aio.Server) -> None:
        self._server = server

    def add_registered_method_handlers(self, service: str,
                                       handlers: dict[str, grpc.RpcMethodHandler]) -> None:
        self._server.add_registered_method_handlers(
            service, {name: _wrap(f"/{service}/{name}", h) for name, h in handlers.items()})

    def add_generic_rpc_handlers(self, handlers: tuple[grpc.GenericRpcHandler, ...]) -> None:
        self._server.add_generic_rpc_handlers(tuple(_WrappedGeneric(h) for h in handlers))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._server, name)  # anything else a registration needs: the server's


@dataclass(frozen=True)
class _Registration:
    name: str  # full proto service name, e.g. "yys.travel.v1.TravelService"
    register: Register
    servicer: Any


class RpcServer:
    """Serves the registered servicers plus `grpc.health.v1.Health` on one port.

    `stop` first reports NOT_SERVING for every service (so probes and watching balancers move
    away), waits `not_serving_delay`, then stops accepting calls and gives in-flight ones up to
    `grace` seconds to finish before cancelling them.
    """

    def __init__(self, *, host: str, port: int,
                 max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES,
                 grace: float = 10.0, not_serving_delay: float = 0.0) -> None:
        self._address = f"{host}:{port}"
        self._max_message_bytes = max_message_bytes
        self._grace = grace
        self._not_serving_delay = not_serving_delay
        self._registrations: list[_Registration] = []
        self._server: grpc.aio.Server | None = None
        self._health: health_aio.HealthServicer | None = None
        self.port: int | None = None

    def add(self, name: str, register: Register, servicer: Any) -> None:
        if self._server is not None:
            raise RuntimeError("add servicers before start()")
        self._registrations.append(_Registration(name, register, servicer))

    @property
    def service_names(self) -> list[str]:
        return [r.name for r in self._registrations]

    async def start(self) -> int:
        """Bind and start serving; returns the bound port (useful with port 0)."""
        server = grpc.aio.server(options=server_options(self._max_message_bytes))
        health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        for reg in self._registrations:
            reg.register(reg.servicer, _Registrar(server))
        port: int = server.add_insecure_port(self._address)
        if port == 0:
            raise RuntimeError(f"could not bind the gRPC server on {self._address}")
        await server.start()
        for name in (OVERALL_HEALTH, *self.service_names):
            await health.set(name, health_pb2.HealthCheckResponse.SERVING)
        self._server, self._health, self.port = server, health, port
        log.info("grpc serving", address=self._address, port=port, services=self.service_names)
        return port

    async def stop(self, grace: float | None = None) -> None:
        server, health = self._server, self._health
        if server is None or health is None:
            return
        self._server = None
        await health.enter_graceful_shutdown()
        if self._not_serving_delay > 0:
            await asyncio.sleep(self._not_serving_delay)
        await server.stop(self._grace if grace is None else grace)
        log.info("grpc stopped", address=self._address)
