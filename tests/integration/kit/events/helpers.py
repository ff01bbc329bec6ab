"""Small async helpers shared by the event plumbing suites."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from yys.kit.events import Bus, ConsumerGroup, Event, Handler, RetryPolicy

FAST_RETRY = RetryPolicy(max_attempts=3, initial_backoff=0.01, max_backoff=0.05)


async def until(predicate: Callable[[], bool], within: float = 10.0) -> None:
    """Poll `predicate` until it holds; fail the test after `within` seconds."""
    async with asyncio.timeout(within):
        while not predicate():  # noqa: ASYNC110 - polling a plain predicate is the point
            await asyncio.sleep(0.01)


class Collector:
    """A handler that records what it got."""

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def __call__(self, event: Event) -> None:
        self.events.append(event)

    @property
    def ids(self) -> list[str]:
        return [e.id for e in self.events]


class Running:
    """Members started as tasks; `stop_all` stops them and surfaces any crash."""

    def __init__(self, bus: Bus) -> None:
        self.bus = bus
        self.tasks: dict[ConsumerGroup, asyncio.Task[None]] = {}

    def start(
        self, group_id: str, topics: list[str], handler: Handler, retry: RetryPolicy = FAST_RETRY
    ) -> ConsumerGroup:
        member = self.bus.subscribe(group_id=group_id, topics=topics, handler=handler, retry=retry)
        self.tasks[member] = asyncio.create_task(member.run())
        return member

    async def stop_all(self) -> None:
        for member, task in self.tasks.items():
            await member.stop()
            await task
