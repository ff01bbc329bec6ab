"""A grpc.aio server with the standard health service, deadline propagation and error mapping.

Build it inside the running event loop (`start`): grpc.aio binds its completion queue to the
loop current at construction. Only unary-unary methods are intercepted; every internal call of
yys is one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import grpc
import structlog
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_health.v1.health import OVERALL_HEALTH
from grpc_health.v1.health import aio as health_aio

from yys.kit.errors import AppError, ErrorKind
from yys.kit.rpc.deadline import deadline_scope
from yys.kit.rpc.errors import to_status
from yys.kit.rpc.options import DEFAULT_MAX_MESSAGE_BYTES, server_options

log = structlog.get_logger("yys.rpc")

Register = Callable[[Any, grpc.aio.Server], None]


class _CallInterceptor(grpc.aio.ServerInterceptor):  # type: ignore[misc]  # untyped base
    """Runs each unary call inside its deadline scope and maps errors to statuses."""

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        handler_call_details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        handler = await continuation(handler_call_details)
        if handler is None or handler.unary_unary is None:
            return handler
        inner = handler.unary_unary
        method = handler_call_details.method

        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            with deadline_scope(context.time_remaining()):
                try:
                    return await inner(request, context)
                except grpc.aio.AbortError:
                    raise  # the servicer set the status itself
                except AppError as exc:
                    code, details, trailers = to_status(exc)
                    if exc.kind in (ErrorKind.INTERNAL, ErrorKind.UNAVAILABLE):
                        log.warning("rpc failed", method=method, code=exc.code, error=exc.msg,
                                    cause=repr(exc.__cause__))
                    await context.abort(code, details, trailers)
                except Exception as exc:
                    # Unexpected: log it here, send nothing internal to the caller.
                    log.exception("rpc crashed", method=method, exc_info=exc)
                    code, details, trailers = to_status(AppError())
                    await context.abort(code, details, trailers)

        return grpc.unary_unary_rpc_method_handler(
            call, request_deserializer=handler.request_deserializer,
            response_serializer=handler.response_serializer)


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
        server = grpc.aio.server(interceptors=[_CallInterceptor()],
                                 options=server_options(self._max_message_bytes))
        health = health_aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(health, server)
        for reg in self._registrations:
            reg.register(reg.servicer, server)
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
