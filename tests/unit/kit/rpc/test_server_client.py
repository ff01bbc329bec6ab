"""The kit's server and channels over real local gRPC: errors, retries, drain, health, sizes."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from tests.unit.kit.rpc.support import SERVICE, remote, serving
from yys.kit.errors import AppError, Conflict, NotFound, Unavailable


class SeatTaken(Conflict):
    code = 400321
    default_msg = "seat taken"


async def test_app_errors_arrive_as_the_same_class_code_and_message() -> None:
    async def taken(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise SeatTaken("seat 12 is taken")

    async def missing(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise NotFound("no such thing", code=300001)

    async def crash(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        raise RuntimeError("secret internals")

    async with serving({"Taken": taken, "Missing": missing, "Crash": crash}) as server:
        client = remote(server.port or 0, ["Taken", "Missing", "Crash"])
        with pytest.raises(SeatTaken) as taken_err:
            await client.call(client.stub.Taken, b"")
        assert (taken_err.value.code, taken_err.value.msg) == (400321, "seat 12 is taken")
        with pytest.raises(NotFound) as missing_err:
            await client.call(client.stub.Missing, b"")
        assert missing_err.value.code == 300001
        with pytest.raises(AppError) as crash_err:
            await client.call(client.stub.Crash, b"")
        assert type(crash_err.value) is AppError
        assert crash_err.value.msg == "server error" and "secret" not in str(crash_err.value)
        await client.close()


async def test_only_idempotent_methods_are_retried_on_unavailable() -> None:
    calls = {"Read": 0, "Write": 0}

    def flaky(name: str):  # type: ignore[no-untyped-def]
        async def handler(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            calls[name] += 1
            if calls[name] == 1:
                await context.abort(grpc.StatusCode.UNAVAILABLE, "warming up")
            return name.encode()
        return handler

    async with serving({"Read": flaky("Read"), "Write": flaky("Write")}) as server:
        client = remote(server.port or 0, ["Read", "Write"], idempotent=frozenset({"Read"}))
        assert await client.call(client.stub.Read, b"") == b"Read"
        assert calls["Read"] == 2
        with pytest.raises(Unavailable):
            await client.call(client.stub.Write, b"")
        assert calls["Write"] == 1
        await client.close()


async def test_stop_drains_an_in_flight_call() -> None:
    entered = asyncio.Event()

    async def slow(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        entered.set()
        await asyncio.sleep(0.5)
        return b"done"

    async with serving({"Slow": slow}) as server:
        client = remote(server.port or 0, ["Slow"])
        in_flight = asyncio.create_task(client.call(client.stub.Slow, b""))
        await entered.wait()
        await server.stop(grace=5)
        assert await in_flight == b"done"
        late = remote(server.port or 0, ["Slow"], default_timeout=0.5)
        with pytest.raises(Unavailable):  # no new calls once stopped
            await late.call(late.stub.Slow, b"")
        await client.close()
        await late.close()


async def test_health_reports_serving_then_not_serving_on_stop() -> None:
    async def noop(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return b""

    async with serving({"Noop": noop}, not_serving_delay=1.0) as server:
        client = remote(server.port or 0, ["Noop"])
        health = health_pb2_grpc.HealthStub(client.channel)
        for name in ("", SERVICE):
            reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING
        await client.check_health()

        stopping = asyncio.create_task(server.stop(grace=1))
        await asyncio.sleep(0.2)  # inside the not-serving delay: still answering, NOT_SERVING
        reply = await health.Check(health_pb2.HealthCheckRequest(service=SERVICE), timeout=2)
        assert reply.status == health_pb2.HealthCheckResponse.NOT_SERVING
        with pytest.raises(Unavailable):
            await client.check_health()
        await stopping
        await client.close()


async def test_message_size_limit_is_enforced() -> None:
    async def echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        return request

    async with serving({"Echo": echo}, max_message_bytes=1024) as server:
        channel = grpc.aio.insecure_channel(f"127.0.0.1:{server.port}")
        echo_call = channel.unary_unary(f"/{SERVICE}/Echo")
        assert await echo_call(b"x" * 512, timeout=2) == b"x" * 512
        with pytest.raises(grpc.aio.AioRpcError) as err:
            await echo_call(b"x" * 4096, timeout=2)
        assert err.value.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
        await channel.close()

        # The client enforces its own limit too, on what it receives.
        small = remote(server.port or 0, ["Echo"], max_message_bytes=256)
        with pytest.raises(AppError):
            await small.call(small.stub.Echo, b"y" * 512)
        await small.close()
