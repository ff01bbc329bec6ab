"""Kafka adapter (aiokafka). Everything is built in `start()`/`run()`, inside the running loop.

The whole envelope travels as the JSON message value; the Kafka key is `Event.key` (same key,
same partition, same order) and the Kafka headers repeat `Event.headers` plus `event-id`, so
tracing instrumentation and tools can read them without parsing the value.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import (
    AIOKafkaConsumer,
    AIOKafkaProducer,
    ConsumerRebalanceListener,
    ConsumerRecord,
    TopicPartition,
)
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from yys.kit.events._delivery import deliver
from yys.kit.events._lifecycle import Lifecycle
from yys.kit.events.bus import ConsumerGroup, Handler, RetryPolicy, Subscription, dlq_topic
from yys.kit.events.envelope import Event, EventDecodeError, decode_event, encode_event
from yys.kit.events.metrics import REFRESH_SECONDS, LagGauge, refresh_every

log = logging.getLogger(__name__)

_TOPIC_EXISTS = 36  # Kafka error code TOPIC_ALREADY_EXISTS


@dataclass(frozen=True, slots=True)
class KafkaConsumerSettings:
    """Group membership timings. Production keeps the defaults; tests shrink them for speed."""

    session_timeout_ms: int = 10_000
    heartbeat_interval_ms: int = 3_000
    max_poll_interval_ms: int = 300_000
    rebalance_timeout_ms: int = 30_000
    poll_timeout_ms: int = 500
    # How long the broker may hold a fetch open waiting for data. Real Kafka answers as soon as
    # data arrives; some brokers (tansu, the test broker) only answer when this runs out, so it
    # bounds consume latency there.
    fetch_max_wait_ms: int = 100
    max_poll_records: int = 100
    # Keys of one fetch handled at the same time (each key's messages stay in order); bounded
    # so a backlog cannot take every database connection of the process.
    max_concurrent_keys: int = 8
    stop_grace: float = 10.0
    lag_interval: float = REFRESH_SECONDS  # how often the member refreshes its lag gauges


class KafkaBus:
    """Publisher (one shared producer) and consumer group members. Implements `Bus`."""

    messaging_system = "kafka"  # OpenTelemetry's name, on the relay's publish spans

    def __init__(
        self,
        bootstrap_servers: str | list[str],
        *,
        client_id: str = "yys",
        enable_idempotence: bool = False,
        create_topics: bool = True,
        num_partitions: int = 3,
        replication_factor: int = 1,
        consumer: KafkaConsumerSettings | None = None,
    ) -> None:
        self.bootstrap_servers = bootstrap_servers
        self.client_id = client_id
        self.consumer_settings = consumer or KafkaConsumerSettings()
        self._enable_idempotence = enable_idempotence
        self._create_topics = create_topics
        self._num_partitions = num_partitions
        self._replication_factor = replication_factor
        self._producer: AIOKafkaProducer | None = None
        self._known_topics: set[str] = set()
        self._topics_lock = asyncio.Lock()
        self._members: list[KafkaConsumerGroup] = []

    async def start(self) -> None:
        if self._producer is not None:
            return
        producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap_servers,
            client_id=self.client_id,
            acks="all",  # the outbox marks a row published on this ack: it must be durable
            enable_idempotence=self._enable_idempotence,
        )
        await producer.start()
        self._producer = producer

    async def close(self) -> None:
        """Stop every member created by `subscribe`, then the producer."""
        await asyncio.gather(*(m.stop() for m in self._members))
        self._members.clear()
        if self._producer is not None:
            producer, self._producer = self._producer, None
            await producer.stop()

    async def publish(self, event: Event) -> None:
        headers = {**event.headers, "event-id": event.id}
        await self.send_raw(event.topic, encode_event(event), key=event.key, headers=headers)

    async def send_raw(self, topic: str, value: bytes, *, key: str | None, headers: dict[str, str]) -> None:
        """Produce bytes and wait for the broker's ack (also used to dead-letter undecodable ones)."""
        if self._producer is None:
            raise RuntimeError("KafkaBus.start() was not awaited")
        await self.ensure_topics([topic])
        await self._producer.send_and_wait(
            topic,
            value,
            key=None if key is None else key.encode(),
            headers=[(k, v.encode()) for k, v in headers.items()],
        )

    async def ensure_topics(self, topics: Iterable[str]) -> None:
        """Create missing topics once per process (a no-op if topic creation is disabled)."""
        missing = [t for t in topics if t not in self._known_topics]
        if not missing or not self._create_topics:
            return
        async with self._topics_lock:
            missing = [t for t in missing if t not in self._known_topics]
            if missing:
                await self._create(missing)
                self._known_topics.update(missing)

    async def _create(self, topics: list[str]) -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap_servers, client_id=self.client_id)
        await admin.start()
        try:
            response = await admin.create_topics(
                [NewTopic(t, self._num_partitions, self._replication_factor) for t in topics]
            )
        finally:
            await admin.close()
        for topic, code, message in response.topic_errors:
            if code not in (0, _TOPIC_EXISTS):
                raise KafkaError(f"cannot create topic {topic}: {code} {message}")

    def subscribe(
        self,
        *,
        group_id: str,
        topics: Iterable[str],
        handler: Handler,
        retry: RetryPolicy | None = None,
    ) -> ConsumerGroup:
        sub = Subscription(group_id, tuple(topics), handler, retry or RetryPolicy())
        member = KafkaConsumerGroup(self, sub)
        self._members.append(member)
        return member


class KafkaConsumerGroup:
    """One member of a Kafka consumer group. Implements `ConsumerGroup`.

    Offsets are committed once per fetch (every partition it returned, one request), after the
    handlers of its messages returned (or they were dead-lettered), never before: at-least-once.
    A crash redelivers at most the fetch in hand (`max_poll_records`), which the idempotent
    handlers absorb. Committing per message cost a broker round trip each (7.5 ms p50 on the
    test broker), which capped one member below 100 messages/s; a backlog now makes fetches,
    and commits, fewer and larger. Within a fetch, different keys run concurrently
    (`_handle_fetch`).
    """

    def __init__(self, bus: KafkaBus, sub: Subscription) -> None:
        self._bus = bus
        self._sub = sub
        self._settings = bus.consumer_settings
        self._life = Lifecycle(self._settings.stop_grace)
        self._idle = asyncio.Event()
        self._idle.set()
        self._joined = False

    @property
    def subscription(self) -> Subscription:
        return self._sub

    @property
    def joined(self) -> bool:
        return self._joined

    def mark_joined(self, joined: bool) -> None:
        self._joined = joined

    async def stop(self) -> None:
        await self._life.stop()

    async def run(self) -> None:
        self._life.enter()
        try:
            await self._bus.ensure_topics([*self._sub.topics, *map(dlq_topic, self._sub.topics)])
            consumer = self._new_consumer()
            await consumer.start()
            try:
                consumer.subscribe(list(self._sub.topics), listener=_Listener(self))
                await self._consume(consumer)
            finally:
                # No commit here (auto-commit is off): an interrupted message is redelivered.
                self._joined = False
                await consumer.stop()
        finally:
            self._life.exit()

    def _new_consumer(self) -> AIOKafkaConsumer:
        s = self._settings
        return AIOKafkaConsumer(
            bootstrap_servers=self._bus.bootstrap_servers,
            client_id=self._bus.client_id,
            group_id=self._sub.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            session_timeout_ms=s.session_timeout_ms,
            heartbeat_interval_ms=s.heartbeat_interval_ms,
            max_poll_interval_ms=s.max_poll_interval_ms,
            rebalance_timeout_ms=s.rebalance_timeout_ms,
            fetch_max_wait_ms=s.fetch_max_wait_ms,
            max_poll_records=s.max_poll_records,
        )

    async def _consume(self, consumer: AIOKafkaConsumer) -> None:
        stopping = self._life.stopping
        lag = LagGauge(self._sub.group_id)

        async def refresh_lag() -> None:
            lag.update(await partition_lag(consumer))

        gauges = asyncio.create_task(refresh_every(self._settings.lag_interval, refresh_lag,
                                                   stopping, what="consumer lag"))
        try:
            while not stopping.is_set():
                batch = await consumer.getmany(timeout_ms=self._settings.poll_timeout_ms)
                if batch and (stopping.is_set() or not await self._handle_fetch(consumer, batch)):
                    return
        finally:
            gauges.cancel()
            lag.clear()

    async def _handle_fetch(self, consumer: AIOKafkaConsumer,
                            batch: dict[TopicPartition, list[ConsumerRecord[bytes, bytes]]]) -> bool:
        """Handle what one fetch returned, then commit each partition past its longest handled
        prefix, in one commit. One key's messages run in offset order; different keys (and
        partitions) run concurrently, at most `max_concurrent_keys` at a time. False when
        stopping: what was handled is committed, the rest is redelivered.

        Per-key order is the guarantee consumers rely on (an order's events), and nothing
        orders two different keys. One message at a time made a member as slow as the sum of
        its handlers' round trips: on a busy process the order consumer fell behind at 100
        payment events/s, queueing them for hundreds of milliseconds."""
        handled: dict[TopicPartition, set[int]] = {tp: set() for tp in batch}
        interrupted = False
        slots = asyncio.Semaphore(max(1, self._settings.max_concurrent_keys))

        async def run_key(tp: TopicPartition, messages: list[ConsumerRecord[bytes, bytes]]) -> None:
            nonlocal interrupted
            async with slots:
                for msg in messages:
                    if self._life.stopping.is_set():
                        interrupted = True
                        return
                    if tp not in consumer.assignment():
                        return  # revoked by a rebalance: its new owner starts at our last commit
                    if not await self._handle(msg.topic, msg.value, msg.key):
                        interrupted = True
                        return
                    handled[tp].add(msg.offset)

        runs = []
        for tp, messages in batch.items():
            by_key: dict[bytes | None, list[ConsumerRecord[bytes, bytes]]] = {}
            for msg in messages:
                by_key.setdefault(msg.key, []).append(msg)
            runs += [run_key(tp, key_messages) for key_messages in by_key.values()]
        # Busy until the commit: a rebalance waits for it (`wait_idle`), so the partition's new
        # owner starts after what this member handled.
        self._idle.clear()
        try:
            outcomes = await asyncio.gather(*runs, return_exceptions=True)
            offsets: dict[TopicPartition, int] = {}
            for tp, messages in batch.items():
                for msg in messages:  # offset order: stop at the first one not handled
                    if msg.offset not in handled[tp]:
                        break
                    offsets[tp] = msg.offset + 1
            if offsets:
                await self._commit(consumer, offsets)
        finally:
            self._idle.set()
        for outcome in outcomes:
            if isinstance(outcome, BaseException):
                raise outcome  # as before: the member stops; the unhandled rest is redelivered
        return not interrupted

    async def _handle(self, topic: str, value: bytes | None, key: bytes | None) -> bool:
        try:
            event = decode_event(value or b"")
        except EventDecodeError as exc:
            # A poison message must not block its partition: park the raw bytes and move on.
            log.error("undecodable message dead-lettered", extra={"topic": topic, "error": str(exc)})
            await self._bus.send_raw(
                dlq_topic(topic), value or b"", key=None if key is None else key.decode(errors="replace"),
                headers={"dlq-original-topic": topic, "dlq-group": self._sub.group_id,
                         "dlq-error": str(exc)[:500]},
            )
            return True
        return await deliver(event, self._sub, dead_letter=self._bus.publish, stopping=self._life.stopping)

    async def _commit(self, consumer: AIOKafkaConsumer, offsets: dict[TopicPartition, int]) -> None:
        try:
            await consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError) as exc:
            # A partition moved to another member; it redelivers these messages (at-least-once).
            log.warning("offset commit lost to a rebalance",
                        extra={"group": self._sub.group_id,
                               "partitions": sorted(map(str, offsets)), "error": str(exc)})

    async def wait_idle(self) -> None:
        """Let the message in hand finish and commit before a rebalance takes its partition."""
        # Bounded by the session timeout so a slow handler cannot stall the whole group.
        try:
            await asyncio.wait_for(self._idle.wait(), self._settings.session_timeout_ms / 1000)
        except TimeoutError:
            log.warning("rebalance proceeds while a handler is still running",
                        extra={"group": self._sub.group_id})


async def partition_lag(consumer: AIOKafkaConsumer) -> dict[tuple[str, int], int]:
    """End offset minus the group's committed offset of each partition assigned to `consumer`,
    both asked of the broker (not this member's view): what the group still has to handle. A
    partition the group never committed counts from its first retained offset."""
    partitions = sorted(consumer.assignment())
    if not partitions:
        return {}
    ends = await consumer.end_offsets(partitions)
    committed = {tp: await consumer.committed(tp) for tp in partitions}
    unset = [tp for tp, offset in committed.items() if offset is None]
    starts = await consumer.beginning_offsets(unset) if unset else {}
    return {(tp.topic, tp.partition): ends[tp] - (committed[tp] or starts.get(tp, 0))
            for tp in partitions}


class _Listener(ConsumerRebalanceListener):  # type: ignore[misc]
    def __init__(self, member: KafkaConsumerGroup) -> None:
        self._member = member

    async def on_partitions_revoked(self, revoked: set[TopicPartition]) -> None:
        await self._member.wait_idle()

    async def on_partitions_assigned(self, assigned: set[TopicPartition]) -> None:
        self._member.mark_joined(True)
        log.info("partitions assigned", extra={"group": self._member.subscription.group_id,
                                               "partitions": sorted(map(str, assigned))})
