"""Domain-free event plumbing: envelope, transactional outbox + relay, bus ports and adapters.

The Kafka adapter lives in `yys.kit.events.kafka` and is imported only where it is wired, so
processes on the in-process bus never load aiokafka.
"""

from yys.kit.events.bus import (
    Bus,
    ConsumerGroup,
    Handler,
    Publisher,
    RetryPolicy,
    Subscription,
    dlq_topic,
)
from yys.kit.events.envelope import Event, EventDecodeError, decode_event, encode_event, new_event_id
from yys.kit.events.memory import MemoryBus
from yys.kit.events.outbox import Backlog, OutboxRelay, add_to_outbox, outbox_table

__all__ = [
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
