"""A raw-bytes gRPC test service (no generated code) served by the kit's RpcServer."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from types import SimpleNamespace
from typing import Any

import grpc

from yys.kit.rpc import RemoteService, RpcServer, ServiceSpec

SERVICE = "yys.test.v1.Probe"
Handler = Callable[[bytes, grpc.aio.ServicerContext], Awaitable[bytes]]


def register(handlers: dict[str, Handler]) -> Callable[[Any, grpc.aio.Server], None]:
    generic = grpc.method_handlers_generic_handler(
        SERVICE, {name: grpc.unary_unary_rpc_method_handler(fn) for name, fn in handlers.items()})

    def add(_servicer: Any, server: grpc.aio.Server) -> None:
        server.add_generic_rpc_handlers((generic,))

    return add


@asynccontextmanager
async def serving(handlers: dict[str, Handler], **server_kwargs: Any) -> AsyncIterator[RpcServer]:
    server = RpcServer(host="127.0.0.1", port=0, **server_kwargs)
    server.add(SERVICE, register(handlers), None)
    await server.start()
    try:
        yield server
    finally:
        await server.stop(0)


def remote(port: int, methods: list[str], *, idempotent: frozenset[str] = frozenset(),
           default_timeout: float = 5.0, **kwargs: Any) -> RemoteService[Any]:
    def stub(channel: grpc.aio.Channel) -> Any:
        return SimpleNamespace(**{m: channel.unary_unary(f"/{SERVICE}/{m}") for m in methods})

    return RemoteService(f"127.0.0.1:{port}", ServiceSpec(SERVICE, idempotent), stub,
                         default_timeout=default_timeout, **kwargs)
