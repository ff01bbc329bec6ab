"""order's delay jobs: their types, how they are written next to an order change, and the
handlers the order worker runs."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from yys.kit.delayqueue import CronEntry, DelayQueue, Handler, Job
from yys.kit.delayqueue.sql import SqlDelayQueue
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.settlement import previous_day

# The original's task names, kept so operators recognise them.
CLOSE_ORDER = "defer:homestay_order:close"
PAY_SUCCESS_NOTIFY = "msg:pay_success:notify_user"
SETTLE = "schedule:settle_record:settle"


def close_job_id(order_sn: str) -> str:
    return f"close:{order_sn}"


def notify_job_id(order_sn: str) -> str:
    return f"notify:{order_sn}"


def settle_entry(*, daily_at: str, tz: str) -> CronEntry:
    """One settlement run per day; the job settles the local day before its tick. A scheduler
    that was down at the tick still enqueues it when it comes back the same day: settling is
    idempotent, and a skipped day would leave businesses unpaid."""
    return CronEntry(name="order-settle", job_type=SETTLE, daily_at=daily_at, tz=tz,
                     misfire_grace=23 * 3600.0)


class _Enqueue:
    def __init__(self, enqueue: Callable[..., Awaitable[str]]) -> None:
        self._enqueue = enqueue

    async def schedule_close(self, order_sn: str, *, delay: float) -> None:
        await self._enqueue(CLOSE_ORDER, {"orderSn": order_sn}, delay=delay,
                            job_id=close_job_id(order_sn))

    async def schedule_pay_notify(self, order_sn: str) -> None:
        # A fixed id: a redelivered payment event enqueues it again and the queue keeps one.
        await self._enqueue(PAY_SUCCESS_NOTIFY, {"orderSn": order_sn},
                            job_id=notify_job_id(order_sn))


class TransactionalJobs(_Enqueue):
    """`OrderJobs` written in the order's own transaction: the SQL queue lives in the order
    database, so a job exists if and only if the order change commits."""

    def __init__(self, queue: SqlDelayQueue, conn: AsyncConnection) -> None:
        self._queue = queue
        self._due_now = False

        async def enqueue(job_type: str, payload: Mapping[str, Any], **kw: Any) -> str:
            self._due_now = self._due_now or not kw.get("delay")
            return await queue.enqueue(job_type, payload, connection=conn, **kw)

        super().__init__(enqueue)

    def committed(self) -> None:
        """After the commit: a job due now (the pay-success notification) runs at once in this
        process instead of at the worker's next poll."""
        if self._due_now:
            self._due_now = False
            self._queue.wake()


class DeferredJobs(_Enqueue):
    """`OrderJobs` for a queue outside the database (Redis): collected during the transaction
    and enqueued once it committed. A crash in between loses the job; the close sweeper and the
    redelivered payment event (which enqueues the notification again) cover that window."""

    def __init__(self, queue: DelayQueue) -> None:
        self._queue = queue
        self._pending: list[tuple[str, dict[str, Any], dict[str, Any]]] = []

        async def collect(job_type: str, payload: Mapping[str, Any], **kw: Any) -> str:
            self._pending.append((job_type, dict(payload), kw))
            return str(kw.get("job_id", ""))

        super().__init__(collect)

    async def flush(self) -> None:
        pending, self._pending = self._pending, []
        for job_type, payload, kw in pending:
            await self._queue.enqueue(job_type, payload, **kw)


def job_handlers(lifecycle: OrderLifecycle, *, settle_tz: str) -> dict[str, Handler]:
    async def close(job: Job) -> None:
        await lifecycle.close_order(str(job.payload["orderSn"]))

    async def notify(job: Job) -> None:
        await lifecycle.notify_paid(str(job.payload["orderSn"]))

    async def settle(job: Job) -> None:
        # Derived from the tick, not the clock: a late or repeated run settles the same day.
        await lifecycle.settle_day(previous_day(job.run_at, settle_tz))

    return {CLOSE_ORDER: close, PAY_SUCCESS_NOTIFY: notify, SETTLE: settle}
