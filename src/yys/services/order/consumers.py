"""The order consumer of `payment-update-paystatus` (group `order`)."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable

import msgspec

from yys.contracts.trade import TOPIC_PAYMENT_STATUS, PaymentStatusChanged, PayStatus
from yys.kit.events import Bus, ConsumerGroup, Event
from yys.services.order.domain import Payment
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.metrics import PAYMENT_SETTLE

log = logging.getLogger(__name__)

GROUP_ID = "order"


def decode_payment_event(event: Event) -> PaymentStatusChanged:
    """Raises on a malformed payload: after the bus retries it lands on the dead-letter topic."""
    return msgspec.convert(event.payload, PaymentStatusChanged)


class PaymentStatusHandler:
    """Applies payment events. At-least-once delivery is fine: the order update is conditional
    and commits before the handler returns (the bus then commits the offset).

    Each order it pays is observed in `yys_order_payment_settle_seconds`: now minus the event's
    `created_at`. Both are `time.time()` (CLOCK_REALTIME): exact within one process or host,
    and off by the clock skew when payment and order run on different hosts (NTP keeps that to
    milliseconds; a negative difference is counted as 0)."""

    def __init__(self, lifecycle: OrderLifecycle, *,
                 clock: Callable[[], float] = time.time) -> None:
        self._lifecycle = lifecycle
        self._clock = clock

    async def __call__(self, event: Event) -> None:
        changed = decode_payment_event(event)
        if changed.pay_status != PayStatus.PAID:
            # Failed or refunded payments do not move an order; refunds go through order itself.
            log.info("payment status ignored", extra={"order_sn": changed.order_sn,
                                                      "pay_status": changed.pay_status})
            return
        action = await self._lifecycle.apply_payment(Payment(
            order_sn=changed.order_sn, pay_sn=changed.pay_sn, total=changed.pay_total,
            pay_time=changed.pay_time))
        if action is None:  # this delivery paid the order (committed): once per order
            PAYMENT_SETTLE.observe(max(0.0, self._clock() - event.created_at))


class PaymentConsumer:
    """Joins the consumer group only when the consumer role actually runs: on the in-process
    bus a registered group that never consumes would hold every publish of the topic."""

    def __init__(self, bus: Bus, handler: PaymentStatusHandler) -> None:
        self._bus = bus
        self._handler = handler
        self._member: ConsumerGroup | None = None
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        if self._stopped.is_set():
            return
        self._member = self._bus.subscribe(group_id=GROUP_ID, topics=[TOPIC_PAYMENT_STATUS],
                                           handler=self._handler)
        await self._member.run()

    async def stop(self) -> None:
        self._stopped.set()
        if self._member is not None:
            await self._member.stop()

    def joined(self) -> bool:
        """Ready once the group member took its partitions (see `BackgroundTask.ready`)."""
        return self._member is not None and self._member.joined
