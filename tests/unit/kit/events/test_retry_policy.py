"""Back-off bounds and the dead-letter envelope."""

from __future__ import annotations

import pytest

from yys.kit.events import Event, RetryPolicy, Subscription, dlq_topic
from yys.kit.events._delivery import dead_letter_event


def test_backoff_grows_exponentially_and_is_capped() -> None:
    policy = RetryPolicy(initial_backoff=0.1, multiplier=2.0, max_backoff=0.5, jitter=0.0)
    assert [policy.backoff(n) for n in range(1, 6)] == pytest.approx([0.1, 0.2, 0.4, 0.5, 0.5])


def test_jitter_stays_within_its_fraction() -> None:
    policy = RetryPolicy(initial_backoff=1.0, jitter=0.1)
    samples = [policy.backoff(1) for _ in range(200)]
    assert all(0.9 <= s <= 1.1 for s in samples)
    assert len(set(samples)) > 1


def test_invalid_settings_are_rejected() -> None:
    with pytest.raises(ValueError, match="max_attempts"):
        RetryPolicy(max_attempts=0)

    async def handler(_: Event) -> None:
        return None

    with pytest.raises(ValueError, match="topic"):
        Subscription("g", (), handler)


def test_dead_letter_event_keeps_identity_and_says_why() -> None:
    event = Event(topic="orders", key="k1", payload={"a": 1}, headers={"traceparent": "x"})
    parked = dead_letter_event(event, group_id="g", attempts=3, error=ValueError("boom"))
    assert parked.topic == dlq_topic("orders") == "orders.dlq"
    assert (parked.id, parked.key, parked.payload) == (event.id, event.key, event.payload)
    assert parked.headers == {
        "traceparent": "x",
        "dlq-original-topic": "orders",
        "dlq-group": "g",
        "dlq-attempts": "3",
        "dlq-error": "ValueError: boom",
    }
