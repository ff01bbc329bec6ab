"""In-process bus for the one-process (embedded) mode.

Each topic is an append-only log; each consumer group keeps a committed offset per topic, like
Kafka with one partition per topic. One member of a group consumes at a time; further members of
the same group stand by and take over when it stops or crashes, resuming from the last commit.
Events live in memory only: the outbox table, not this bus, is what survives a process restart.
A group sees every event published after its first `subscribe()`, plus whatever older events
are still retained (the log is trimmed once every registered group has committed past them).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

from yys.kit.events._delivery import deliver
from yys.kit.events._lifecycle import Lifecycle
from yys.kit.events.bus import ConsumerGroup, Handler, RetryPolicy, Subscription
from yys.kit.events.envelope import Event
from yys.kit.events.metrics import REFRESH_SECONDS, LagGauge, refresh_every

log = logging.getLogger(__name__)


@dataclass(slots=True)
class _TopicLog:
    start: int = 0  # offset of entries[0]; the prefix every group has committed is trimmed
    entries: list[Event] = field(default_factory=list)

    @property
    def end(self) -> int:
        return self.start + len(self.entries)


@dataclass(slots=True)
class _GroupState:
    committed: dict[str, int] = field(default_factory=dict)
    active: MemoryConsumerGroup | None = None


class MemoryBus:
    """Publisher and consumer groups over in-process logs. Implements `Bus`."""

    messaging_system = "in_process"  # on the relay's publish spans (OTel has no name for it)

    def __init__(
        self, *, max_retained: int = 100_000, stop_grace: float = 10.0, ack_after_consumed: bool = False
    ) -> None:
        """`ack_after_consumed=True` makes `publish` return only once every group subscribed to the
        topic has committed the event. The outbox relay then marks a row published only after it
        was handled, so a process crash cannot lose an event that sat in memory. Only use it when
        every registered group is running in this process, or publishes wait for the relay's
        publish timeout.
        """
        self._ack_after_consumed = ack_after_consumed
        self._logs: dict[str, _TopicLog] = {}
        self._groups: dict[str, _GroupState] = {}
        self._max_retained = max_retained
        self._stop_grace = stop_grace
        self._members: list[MemoryConsumerGroup] = []
        self._wakeup = asyncio.Event()
        self._closed = False

    async def start(self) -> None:
        self._closed = False

    async def close(self) -> None:
        """Stop every member created by `subscribe`; later publishes fail."""
        self._closed = True
        await asyncio.gather(*(m.stop() for m in self._members))
        self._members.clear()

    async def publish(self, event: Event) -> None:
        if self._closed:
            raise RuntimeError("bus is closed")
        topic_log = self._logs.setdefault(event.topic, _TopicLog())
        topic_log.entries.append(event)
        offset = topic_log.end - 1
        self._enforce_cap(event.topic, topic_log)
        self.notify()
        if self._ack_after_consumed:
            await self._until_consumed(event.topic, offset)

    async def _until_consumed(self, topic: str, offset: int) -> None:
        while True:
            wakeup = self._wakeup
            groups = [g for g in self._groups.values() if topic in g.committed]
            if all(g.committed[topic] > offset for g in groups):
                return
            await wakeup.wait()

    def subscribe(
        self,
        *,
        group_id: str,
        topics: Iterable[str],
        handler: Handler,
        retry: RetryPolicy | None = None,
    ) -> ConsumerGroup:
        sub = Subscription(group_id, tuple(topics), handler, retry or RetryPolicy())
        # The group is registered now, not when the member runs: events published in between
        # must be retained for it rather than trimmed once the other groups committed them.
        member = MemoryConsumerGroup(self, sub, self.join(sub), stop_grace=self._stop_grace)
        self._members.append(member)
        return member

    def backlog(self, group_id: str, topic: str) -> int:
        """Events of `topic` the group has not committed yet (for metrics and tests)."""
        topic_log = self._logs.get(topic, _TopicLog())
        group = self._groups.get(group_id)
        committed = group.committed.get(topic, topic_log.start) if group else topic_log.start
        return topic_log.end - max(committed, topic_log.start)

    # -- used by members -------------------------------------------------------------------

    @property
    def wakeup(self) -> asyncio.Event:
        """Set on the next change; grab it before checking state so no wake-up is lost."""
        return self._wakeup

    def notify(self) -> None:
        self._wakeup.set()
        self._wakeup = asyncio.Event()

    def join(self, sub: Subscription) -> _GroupState:
        group = self._groups.setdefault(sub.group_id, _GroupState())
        for topic in sub.topics:
            # A new group starts at the oldest retained event (Kafka's "earliest").
            group.committed.setdefault(topic, self._logs.setdefault(topic, _TopicLog()).start)
        return group

    def fetch(self, group: _GroupState, topic: str) -> tuple[int, Event] | None:
        topic_log = self._logs[topic]
        offset = max(group.committed[topic], topic_log.start)
        if offset >= topic_log.end:
            return None
        return offset, topic_log.entries[offset - topic_log.start]

    def commit(self, group: _GroupState, topic: str, offset: int) -> None:
        group.committed[topic] = offset + 1
        self._trim(topic)
        if self._ack_after_consumed:
            self.notify()  # wake publishers waiting for this commit

    def _trim(self, topic: str) -> None:
        topic_log = self._logs[topic]
        positions = [g.committed[topic] for g in self._groups.values() if topic in g.committed]
        if not positions:
            return
        drop = min(positions) - topic_log.start
        if drop > 0:
            del topic_log.entries[:drop]
            topic_log.start += drop

    def _enforce_cap(self, topic: str, topic_log: _TopicLog) -> None:
        excess = len(topic_log.entries) - self._max_retained
        if excess > 0:
            # Unbounded memory would take the whole process down; losing the oldest is the
            # lesser evil, and the outbox still holds every event for a replay.
            log.error("in-memory topic over capacity; dropping oldest events",
                      extra={"topic": topic, "dropped": excess})
            del topic_log.entries[:excess]
            topic_log.start += excess


class MemoryConsumerGroup:
    """One member of a consumer group on a `MemoryBus`. Implements `ConsumerGroup`."""

    def __init__(self, bus: MemoryBus, sub: Subscription, group: _GroupState, *, stop_grace: float) -> None:
        self._bus = bus
        self._sub = sub
        self._group = group
        self._life = Lifecycle(stop_grace)
        self._next_topic = 0  # round-robin across topics so one busy topic cannot starve another

    @property
    def subscription(self) -> Subscription:
        return self._sub

    @property
    def joined(self) -> bool:
        # In-process groups exist from `subscribe()` on; nothing to wait for.
        return True

    async def stop(self) -> None:
        self._life.stopping.set()
        self._bus.notify()
        await self._life.stop()

    async def run(self) -> None:
        self._life.enter()
        group = self._group
        # Lag as on Kafka, with one partition per topic ("0").
        lag = LagGauge(self._sub.group_id)

        async def refresh_lag() -> None:
            lag.update({(t, 0): self._bus.backlog(self._sub.group_id, t) for t in self._sub.topics})

        gauges = asyncio.create_task(refresh_every(REFRESH_SECONDS, refresh_lag,
                                                   self._life.stopping, what="consumer lag"))
        try:
            await self._consume(group)
        finally:
            gauges.cancel()
            if group.active is self:
                group.active = None
                self._bus.notify()  # wake a standby member of the same group
            self._life.exit()

    async def _consume(self, group: _GroupState) -> None:
        stopping = self._life.stopping
        while not stopping.is_set():
            wakeup = self._bus.wakeup
            if group.active not in (None, self):
                await wakeup.wait()
                continue
            group.active = self
            item = self._next(group)
            if item is None:
                await wakeup.wait()
                continue
            topic, offset, event = item
            if not await deliver(event, self._sub, dead_letter=self._bus.publish, stopping=stopping):
                return
            self._bus.commit(group, topic, offset)

    def _next(self, group: _GroupState) -> tuple[str, int, Event] | None:
        topics = self._sub.topics
        for i in range(len(topics)):
            topic = topics[(self._next_topic + i) % len(topics)]
            found = self._bus.fetch(group, topic)
            if found is not None:
                self._next_topic = (self._next_topic + i + 1) % len(topics)
                return topic, found[0], found[1]
        return None
