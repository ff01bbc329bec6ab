"""One behaviour suite for every bus adapter (memory and Kafka on the real broker)."""

from __future__ import annotations

import asyncio
from collections import defaultdict

from tests.integration.kit.events.helpers import FAST_RETRY, Collector, Running, until
from yys.kit.events import Bus, Event, Handler, RetryPolicy, dlq_topic


def make(topic: str, n: int, key: str = "k") -> Event:
    return Event(topic=topic, key=key, payload={"n": n}, headers={"traceparent": f"t-{n}"})


async def test_every_group_gets_every_event_intact(bus: Bus, topic: str) -> None:
    sent = [make(topic, n, key=f"k{n % 3}") for n in range(6)]
    groups = {"billing": Collector(), "notify": Collector()}
    running = Running(bus)
    for group_id, collector in groups.items():
        running.start(group_id, [topic], collector)
    for event in sent:
        await bus.publish(event)
    await until(lambda: all(len(c.events) >= len(sent) for c in groups.values()))
    await asyncio.sleep(0.2)  # nothing extra trickles in
    await running.stop_all()
    for collector in groups.values():
        assert sorted(collector.ids) == sorted(e.id for e in sent)
        by_id = {e.id: e for e in collector.events}
        assert all(by_id[e.id] == e for e in sent)  # payload, headers, timestamps survive


async def test_a_failing_handler_is_retried_until_it_succeeds(bus: Bus, topic: str) -> None:
    calls: list[str] = []

    async def flaky(event: Event) -> None:
        calls.append(event.id)
        if len(calls) < 3:
            raise RuntimeError("database briefly away")

    running = Running(bus)
    running.start("g", [topic], flaky, retry=RetryPolicy(max_attempts=3, initial_backoff=0.01))
    parked = Collector()
    running.start("dlq-watch", [dlq_topic(topic)], parked)
    event = make(topic, 1)
    await bus.publish(event)
    await until(lambda: len(calls) == 3)
    await asyncio.sleep(0.3)
    await running.stop_all()
    assert calls == [event.id] * 3
    assert parked.events == []


async def test_after_max_attempts_the_event_is_dead_lettered_and_consumption_goes_on(
    bus: Bus, topic: str
) -> None:
    handled = Collector()
    attempts: defaultdict[int, int] = defaultdict(int)

    async def poisoned_first(event: Event) -> None:
        n = event.payload["n"]
        if n == 1:
            attempts[n] += 1
            raise ValueError("bad payload")
        await handled(event)

    running = Running(bus)
    running.start("g", [topic], poisoned_first, retry=FAST_RETRY)
    parked = Collector()
    running.start("dlq-watch", [dlq_topic(topic)], parked)
    first, second = make(topic, 1), make(topic, 2)
    await bus.publish(first)
    await bus.publish(second)
    await until(lambda: len(parked.events) == 1 and len(handled.events) == 1)
    await running.stop_all()
    assert attempts[1] == FAST_RETRY.max_attempts
    assert handled.ids == [second.id]
    dead = parked.events[0]
    assert (dead.id, dead.topic, dead.payload) == (first.id, dlq_topic(topic), first.payload)
    assert dead.headers["dlq-original-topic"] == topic
    assert dead.headers["dlq-group"] == "g"
    assert dead.headers["dlq-attempts"] == str(FAST_RETRY.max_attempts)
    assert "ValueError: bad payload" in dead.headers["dlq-error"]


async def test_a_consumer_killed_mid_handler_leaves_the_event_to_the_next_instance(
    bus: Bus, topic: str
) -> None:
    entered = asyncio.Event()

    async def hangs(_: Event) -> None:
        entered.set()
        await asyncio.sleep(3600)

    doomed = bus.subscribe(group_id="g", topics=[topic], handler=hangs)
    task = asyncio.create_task(doomed.run())
    event = make(topic, 1)
    await bus.publish(event)
    await asyncio.wait_for(entered.wait(), 10)
    task.cancel()  # a crash: the handler never returns, nothing is committed
    await asyncio.gather(task, return_exceptions=True)

    survivor = Collector()
    running = Running(bus)
    running.start("g", [topic], survivor)
    await until(lambda: len(survivor.events) == 1)
    await running.stop_all()
    assert survivor.ids == [event.id]


async def test_a_graceful_stop_finishes_and_commits_the_event_in_hand(bus: Bus, topic: str) -> None:
    entered, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow(event: Event) -> None:
        entered.set()
        await release.wait()
        finished.append(event.id)

    member = bus.subscribe(group_id="g", topics=[topic], handler=slow)
    task = asyncio.create_task(member.run())
    event = make(topic, 1)
    await bus.publish(event)
    await asyncio.wait_for(entered.wait(), 10)
    stopping = asyncio.create_task(member.stop())
    await asyncio.sleep(0.05)
    release.set()
    await stopping
    await task
    assert finished == [event.id]

    later = Collector()
    running = Running(bus)
    running.start("g", [topic], later)
    second = make(topic, 2)
    await bus.publish(second)
    await until(lambda: len(later.events) >= 1)
    await asyncio.sleep(0.2)
    await running.stop_all()
    assert later.ids == [second.id]  # the first one was committed, not redelivered


async def test_events_of_one_key_arrive_in_publish_order(bus: Bus, topic: str) -> None:
    keys = [f"order-{i}" for i in range(4)]
    sent = [make(topic, n, key=keys[n % len(keys)]) for n in range(40)]
    got = Collector()
    running = Running(bus)
    running.start("g", [topic], got)
    for event in sent:
        await bus.publish(event)
    await until(lambda: len(got.events) == len(sent))
    await running.stop_all()
    for key in keys:
        expected = [e.payload["n"] for e in sent if e.key == key]
        assert [e.payload["n"] for e in got.events if e.key == key] == expected


async def test_members_of_one_group_share_the_work_without_losing_events(bus: Bus, topic: str) -> None:
    seen: defaultdict[str, list[str]] = defaultdict(list)

    def handler_for(name: str) -> Handler:
        async def handle(event: Event) -> None:
            seen[name].append(event.id)
            await asyncio.sleep(0.001)

        return handle

    running = Running(bus)
    running.start("g", [topic], handler_for("a"))
    sent = [make(topic, n, key=f"k{n}") for n in range(60)]
    for event in sent[:30]:
        await bus.publish(event)
    running.start("g", [topic], handler_for("b"))  # joins mid-stream: a rebalance on Kafka
    for event in sent[30:]:
        await bus.publish(event)
    await until(lambda: {i for ids in seen.values() for i in ids} >= {e.id for e in sent}, within=15)
    await running.stop_all()
