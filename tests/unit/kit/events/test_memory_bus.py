"""Semantics of the in-process bus that the integration suite does not reach."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest

from yys.kit.events import Event, Handler, MemoryBus, RetryPolicy

FAST = RetryPolicy(max_attempts=3, initial_backoff=0.001, max_backoff=0.001)


async def until(predicate: Callable[[], bool], within: float = 2.0) -> None:
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - polling a plain predicate is the point
            await asyncio.sleep(0.001)


def event(n: int, topic: str = "t", key: str = "k") -> Event:
    return Event(topic=topic, key=key, payload={"n": n})


async def test_a_new_group_starts_at_the_oldest_retained_event() -> None:
    bus = MemoryBus()
    for n in range(3):
        await bus.publish(event(n))
    seen: list[int] = []

    async def handler(e: Event) -> None:
        seen.append(e.payload["n"])

    member = bus.subscribe(group_id="late", topics=["t"], handler=handler)
    task = asyncio.create_task(member.run())
    await until(lambda: len(seen) == 3)
    await member.stop()
    await task
    assert seen == [0, 1, 2]
    assert bus.backlog("late", "t") == 0


async def test_a_standby_member_takes_over_from_the_last_commit() -> None:
    bus = MemoryBus()
    seen: list[tuple[str, int]] = []

    def handler_for(name: str) -> Handler:
        async def handler(e: Event) -> None:
            seen.append((name, e.payload["n"]))
        return handler

    first = bus.subscribe(group_id="g", topics=["t"], handler=handler_for("a"))
    second = bus.subscribe(group_id="g", topics=["t"], handler=handler_for("b"))
    tasks = [asyncio.create_task(first.run()), asyncio.create_task(second.run())]
    await bus.publish(event(1))
    await until(lambda: len(seen) == 1)
    active = seen[0][0]
    await (first if active == "a" else second).stop()
    await bus.publish(event(2))
    await until(lambda: len(seen) == 2)
    assert seen[1] == ("b" if active == "a" else "a", 2)
    await bus.close()
    await asyncio.gather(*tasks)


async def test_stop_during_backoff_leaves_the_event_uncommitted() -> None:
    bus = MemoryBus()
    attempts = 0

    async def failing(_: Event) -> None:
        nonlocal attempts
        attempts += 1
        raise RuntimeError("down")

    slow_retry = RetryPolicy(max_attempts=5, initial_backoff=30.0)
    member = bus.subscribe(group_id="g", topics=["t"], handler=failing, retry=slow_retry)
    task = asyncio.create_task(member.run())
    await bus.publish(event(1))
    await until(lambda: attempts == 1)
    async with asyncio.timeout(1):
        await member.stop()
    await task
    assert bus.backlog("g", "t") == 1
    assert bus.backlog("nobody", "t.dlq") == 0


async def test_stop_cancels_a_stuck_handler_after_the_grace_period() -> None:
    bus = MemoryBus(stop_grace=0.05)
    entered = asyncio.Event()

    async def stuck(_: Event) -> None:
        entered.set()
        await asyncio.sleep(3600)

    member = bus.subscribe(group_id="g", topics=["t"], handler=stuck)
    task = asyncio.create_task(member.run())
    await bus.publish(event(1))
    await entered.wait()
    async with asyncio.timeout(1):
        await member.stop()
    assert task.done()
    assert bus.backlog("g", "t") == 1


async def test_committed_prefix_is_trimmed_and_capacity_is_bounded() -> None:
    bus = MemoryBus(max_retained=5)
    for n in range(8):
        await bus.publish(event(n, topic="nobody-listens"))
    assert bus.backlog("fresh", "nobody-listens") == 5

    done: list[int] = []

    async def handler(e: Event) -> None:
        done.append(e.payload["n"])

    member = bus.subscribe(group_id="g", topics=["nobody-listens"], handler=handler)
    task = asyncio.create_task(member.run())
    await until(lambda: len(done) == 5)
    assert done == [3, 4, 5, 6, 7]
    assert bus._logs["nobody-listens"].entries == []  # every group committed: nothing retained
    await member.stop()
    await task


async def test_topics_of_one_member_are_served_round_robin() -> None:
    bus = MemoryBus()
    for n in range(3):
        await bus.publish(event(n, topic="a"))
        await bus.publish(event(n, topic="b"))
    order: list[str] = []

    async def handler(e: Event) -> None:
        order.append(e.topic)

    member = bus.subscribe(group_id="g", topics=["a", "b"], handler=handler)
    task = asyncio.create_task(member.run())
    await until(lambda: len(order) == 6)
    await member.stop()
    await task
    assert order == ["a", "b"] * 3


async def test_a_member_runs_once_and_a_closed_bus_refuses_publishes() -> None:
    bus = MemoryBus()

    async def handler(_: Event) -> None:
        return None

    member = bus.subscribe(group_id="g", topics=["t"], handler=handler, retry=FAST)
    task = asyncio.create_task(member.run())
    await asyncio.sleep(0)
    with pytest.raises(RuntimeError, match="runs once"):
        await member.run()
    await bus.close()
    await task
    with pytest.raises(RuntimeError, match="closed"):
        await bus.publish(event(1))


async def test_ack_after_consumed_returns_only_once_every_group_committed() -> None:
    bus = MemoryBus(ack_after_consumed=True)
    release = asyncio.Event()
    handled: list[str] = []

    async def fast(e: Event) -> None:
        handled.append("fast")

    async def slow(e: Event) -> None:
        await release.wait()
        handled.append("slow")

    members = [
        bus.subscribe(group_id="fast", topics=["t"], handler=fast),
        bus.subscribe(group_id="slow", topics=["t"], handler=slow),
    ]
    tasks = [asyncio.create_task(m.run()) for m in members]
    publishing = asyncio.create_task(bus.publish(event(1)))
    await until(lambda: handled == ["fast"])
    await asyncio.sleep(0.01)
    assert not publishing.done()  # the slow group has not committed yet
    release.set()
    await asyncio.wait_for(publishing, 1)
    assert sorted(handled) == ["fast", "slow"]
    await bus.publish(event(2, topic="nobody-listens"))  # no group: nothing to wait for
    await bus.close()
    await asyncio.gather(*tasks)
