"""Retry / dead-letter logic shared by every bus adapter, so they cannot drift apart."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import msgspec

from yys.kit.events.bus import Subscription, dlq_topic
from yys.kit.events.envelope import Event
from yys.kit.events.metrics import observe_processing
from yys.kit.observability import tracing

log = logging.getLogger(__name__)

DeadLetter = Callable[[Event], Awaitable[None]]

# A dead-letter publish that fails is retried (the message must not be committed before it is
# parked somewhere); this caps the pause between those retries.
_DLQ_RETRY_MAX = 5.0


async def sleep_unless(stopping: asyncio.Event, seconds: float) -> bool:
    """Sleep `seconds`; return True early if `stopping` got set meanwhile."""
    try:
        await asyncio.wait_for(stopping.wait(), timeout=seconds)
    except TimeoutError:
        return False
    return True


def dead_letter_event(event: Event, *, group_id: str, attempts: int, error: BaseException) -> Event:
    """The event as parked on `<topic>.dlq`: same id, key and payload, plus why it failed."""
    headers = {
        **event.headers,
        "dlq-original-topic": event.topic,
        "dlq-group": group_id,
        "dlq-attempts": str(attempts),
        "dlq-error": f"{type(error).__name__}: {error}"[:500],
    }
    return msgspec.structs.replace(event, topic=dlq_topic(event.topic), headers=headers)


async def deliver(
    event: Event, sub: Subscription, *, dead_letter: DeadLetter, stopping: asyncio.Event
) -> bool:
    """Run the handler with retries; dead-letter after the last failure.

    Returns True when the event is finished (handled or parked) and may be committed, False when
    a stop request interrupted a back-off: the caller must then not commit, so it is redelivered.
    """
    policy = sub.retry
    for attempt in range(1, policy.max_attempts + 1):
        started = time.perf_counter()
        try:
            # One span per attempt, child of the publish that carried the event's context.
            with tracing.consumer_span(event.topic, event.headers, group=sub.group_id,
                                       event_id=event.id, attempt=attempt):
                await sub.handler(event)
            observe_processing(event.topic, sub.group_id, time.perf_counter() - started, ok=True)
            return True
        except Exception as exc:  # a handler bug or outage must not kill the consumer
            observe_processing(event.topic, sub.group_id, time.perf_counter() - started, ok=False)
            log.warning(
                "event handler failed",
                extra={"group": sub.group_id, "topic": event.topic, "event_id": event.id,
                       "attempt": attempt, "error": repr(exc)},
            )
            if attempt == policy.max_attempts:
                parked = dead_letter_event(event, group_id=sub.group_id, attempts=attempt, error=exc)
                return await _park(parked, dead_letter, stopping)
            if await sleep_unless(stopping, policy.backoff(attempt)):
                return False
    raise AssertionError("unreachable: the loop returns on its last attempt")


async def _park(event: Event, dead_letter: DeadLetter, stopping: asyncio.Event) -> bool:
    pause = 0.1
    while True:
        try:
            await dead_letter(event)
        except Exception as exc:
            log.error("dead-letter publish failed", extra={"topic": event.topic, "event_id": event.id,
                                                           "error": repr(exc)})
            if await sleep_unless(stopping, pause):
                return False
            pause = min(_DLQ_RETRY_MAX, pause * 2)
        else:
            log.error("event dead-lettered", extra={"topic": event.topic, "event_id": event.id})
            return True
