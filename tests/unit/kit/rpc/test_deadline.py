"""Deadlines: the incoming call's deadline caps every nested outgoing call."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from tests.unit.kit.rpc.support import remote, serving
from yys.kit.errors import Unavailable
from yys.kit.rpc import deadline_scope, outgoing_timeout, remaining


def test_no_deadline_means_the_default() -> None:
    assert remaining() is None
    assert outgoing_timeout(2.0) == 2.0


def test_a_scope_caps_and_nested_scopes_only_shorten() -> None:
    with deadline_scope(1.0):
        assert 0.9 < outgoing_timeout(5.0) <= 1.0
        assert outgoing_timeout(0.3) == 0.3
        with deadline_scope(10.0):
            left = remaining()
            assert left is not None and left <= 1.0
    assert remaining() is None


def test_an_expired_deadline_refuses_to_start_a_call() -> None:
    with deadline_scope(-0.1), pytest.raises(Unavailable):
        outgoing_timeout(5.0)


async def test_server_interceptor_sets_the_deadline_and_nested_calls_respect_it() -> None:
    seen: dict[str, float | None] = {}

    async def leaf(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        seen["leaf"] = context.time_remaining()
        return b"leaf"

    async with serving({"Leaf": leaf}) as inner:
        downstream = remote(inner.port or 0, ["Leaf"], default_timeout=30.0)

        async def middle(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
            seen["middle_remaining"] = remaining()
            seen["middle_outgoing"] = outgoing_timeout(30.0)
            return await downstream.call(downstream.stub.Leaf, b"")

        async with serving({"Middle": middle}) as outer:
            caller = remote(outer.port or 0, ["Middle"], default_timeout=1.5)
            assert await caller.call(caller.stub.Middle, b"") == b"leaf"
            await caller.close()
        await downstream.close()

    # gRPC rounds the timeout it sends up (coarse grpc-timeout units), so the server may see a
    # few ms more than the caller's budget; far below the middle's 30 s default all the same.
    slack = 0.05
    middle_remaining = seen["middle_remaining"]
    assert middle_remaining is not None and 0 < middle_remaining <= 1.5 + slack
    assert seen["middle_outgoing"] is not None and seen["middle_outgoing"] <= middle_remaining
    leaf_remaining = seen["leaf"]
    # The leaf got the caller's 1.5 s budget (minus time spent), not the middle's 30 s default.
    assert leaf_remaining is not None and 0 < leaf_remaining <= 1.5 + slack


async def test_a_slow_callee_fails_at_the_deadline_as_unavailable() -> None:
    async def slow(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        await asyncio.sleep(5)
        return b""

    async with serving({"Slow": slow}) as server:
        caller = remote(server.port or 0, ["Slow"], default_timeout=0.3)
        started = asyncio.get_running_loop().time()
        with pytest.raises(Unavailable):
            await caller.call(caller.stub.Slow, b"")
        assert asyncio.get_running_loop().time() - started < 1.5
        await caller.close()
