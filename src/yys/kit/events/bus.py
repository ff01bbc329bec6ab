"""Ports of the event bus. Adapters: `memory.MemoryBus` (one process) and `kafka.KafkaBus`.

Semantics every adapter honours:
- at-least-once: a message is acknowledged (offset committed) only after its handler returned,
  so handlers must be idempotent (dedupe by `Event.id` or use conditional state updates);
- a handler exception is retried with bounded exponential back-off; after
  `RetryPolicy.max_attempts` the event goes to `<topic>.dlq` and consumption continues;
- events with the same key reach a group's handler in publish order (one at a time per member).
"""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol

from yys.kit.events.envelope import Event

Handler = Callable[[Event], Awaitable[None]]

DLQ_SUFFIX = ".dlq"


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of `topic`."""
    return topic + DLQ_SUFFIX


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded exponential back-off between handler attempts of one message.

    Keep the total back-off well below the broker's max poll interval, or the member is
    evicted from its group while it sleeps.
    """

    max_attempts: int = 5
    initial_backoff: float = 0.2
    max_backoff: float = 5.0
    multiplier: float = 2.0
    jitter: float = 0.1  # ± fraction, so replicas that failed together do not retry in lockstep

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be >= 1")

    def backoff(self, attempt: int) -> float:
        """Seconds to wait after failed attempt number `attempt` (1-based)."""
        base = min(self.max_backoff, self.initial_backoff * self.multiplier ** (attempt - 1))
        spread = base * self.jitter
        return max(0.0, base + random.uniform(-spread, spread))


@dataclass(frozen=True, slots=True)
class Subscription:
    """What a consumer group wants: its id, its topics and the handler."""

    group_id: str
    topics: tuple[str, ...]
    handler: Handler
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if not self.topics:
            raise ValueError("a subscription needs at least one topic")


class Publisher(Protocol):
    async def publish(self, event: Event) -> None:
        """Return once the broker has durably accepted the event; raise otherwise."""
        ...


class ConsumerGroup(Protocol):
    """One member of a consumer group. Several members of one group share the work."""

    @property
    def subscription(self) -> Subscription: ...

    async def run(self) -> None:
        """Consume until `stop()`; cancelling the task instead simulates a crash (no commit)."""
        ...

    async def stop(self) -> None:
        """Finish the message in hand, commit it, leave the group and make `run()` return."""
        ...

    @property
    def joined(self) -> bool:
        """True once the member takes part in its group (Kafka: partitions were assigned), so
        readiness can wait for it: events published before that wait in the topic anyway."""
        ...


class Bus(Publisher, Protocol):
    """A publisher plus a factory of consumer group members, with a lifecycle."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    def subscribe(
        self,
        *,
        group_id: str,
        topics: Iterable[str],
        handler: Handler,
        retry: RetryPolicy | None = None,
    ) -> ConsumerGroup: ...
