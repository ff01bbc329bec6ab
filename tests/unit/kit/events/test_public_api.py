"""Pin the public surface of `yys.kit.events`, so changing it is a deliberate act."""

from __future__ import annotations

from yys.kit import events


def test_public_names() -> None:
    assert sorted(events.__all__) == [
        "Backlog",
        "Bus",
        "ConsumerGroup",
        "Event",
        "EventDecodeError",
        "Handler",
        "MemoryBus",
        "OutboxRelay",
        "Publisher",
        "RetryPolicy",
        "Subscription",
        "add_to_outbox",
        "decode_event",
        "dlq_topic",
        "encode_event",
        "new_event_id",
        "outbox_table",
    ]
    assert all(hasattr(events, name) for name in events.__all__)


def test_the_memory_bus_satisfies_the_port() -> None:
    bus: events.Bus = events.MemoryBus()  # mypy checks the structural match
    assert callable(bus.publish)
