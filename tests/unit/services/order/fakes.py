"""In-memory fakes of the order ports and of the clients order calls (no monkeypatching)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace

import msgspec

from yys.clients import Clients
from yys.contracts.admin import AuditEntry
from yys.contracts.mqueue import UserNotification
from yys.contracts.trade import PaymentView
from yys.contracts.travel import HomestaySnapshot
from yys.services.order.backoffice_rules import RefundRequest, is_expired
from yys.services.order.domain import (
    NewOrder,
    Order,
    Payment,
)
from yys.services.order.ports import IdempotencyRecord, OrderUnit
from yys.services.order.settlement import BusinessTotal, Settlement


def homestay(**overrides: object) -> HomestaySnapshot:
    values: dict[str, object] = dict(
        id=7, title="Lakeside", sub_title="quiet", banner="a.jpg,b.jpg", info="nice",
        people_num=4, row_state=1, row_type=0, food_info="breakfast", food_price=3000,
        homestay_price=25000, market_homestay_price=30000, homestay_business_id=3, user_id=90)
    values.update(overrides)
    return HomestaySnapshot(**values)  # type: ignore[arg-type]


class FakeTravel:
    def __init__(self, *homestays: HomestaySnapshot, fail: bool = False) -> None:
        self.homestays = {h.id: h for h in homestays}
        self.fail = fail

    async def get_homestay(self, homestay_id: int) -> HomestaySnapshot | None:
        if self.fail:
            raise ConnectionError("travel is down")
        return self.homestays.get(homestay_id)


class FakePayment:
    """Records refunds; `paid` holds payments the provider knows of (what reconcile finds)."""

    def __init__(self) -> None:
        self.refunds: list[tuple[str, str]] = []
        self.paid: dict[str, PaymentView] = {}
        self.reconciled: list[str] = []
        self.down = False

    async def get_paid_payment(self, order_sn: str) -> PaymentView | None:
        return self.paid.get(order_sn)

    async def list_payments(self, order_sn: str) -> list[PaymentView]:
        found = self.paid.get(order_sn)
        return [] if found is None else [found]

    async def reconcile_order_payment(self, order_sn: str) -> PaymentView | None:
        if self.down:
            raise ConnectionError("payment is down")
        self.reconciled.append(order_sn)
        return self.paid.get(order_sn)

    async def refund_order_payment(self, order_sn: str, *, reason: str) -> PaymentView | None:
        if self.down:
            raise ConnectionError("payment is down")
        self.refunds.append((order_sn, reason))
        paid = self.paid.get(order_sn)
        if paid is None:
            return None
        self.paid[order_sn] = msgspec.structs.replace(paid, pay_status=2)
        return self.paid[order_sn]


class FakeMqueue:
    def __init__(self) -> None:
        self.sent: dict[str, UserNotification] = {}

    async def notify_user(self, notification: UserNotification) -> int:
        self.sent.setdefault(notification.dedup_key, notification)
        return len(self.sent)


def paid_view(order_sn: str, total: int, *, pay_sn: str = "PMT1", pay_time: int = 1_900_000_000,
              status: int = 1) -> PaymentView:
    return PaymentView(sn=pay_sn, order_sn=order_sn, user_id=1, pay_status=status, pay_total=total,
                       pay_mode="WECHAT_PAY", transaction_id="wx-1", pay_time=pay_time)


def clients(travel: FakeTravel, payment: FakePayment | None = None,
            mqueue: FakeMqueue | None = None) -> Clients:
    bound = Clients()
    bound.bind("travel", travel)
    bound.bind("payment", payment or FakePayment())
    bound.bind("mqueue", mqueue or FakeMqueue())
    return bound


@dataclass
class FakeJobs:
    scheduled: list[tuple[str, str, float]] = field(default_factory=list)

    async def schedule_close(self, order_sn: str, *, delay: float) -> None:
        self.scheduled.append(("close", order_sn, delay))

    async def schedule_pay_notify(self, order_sn: str) -> None:
        self.scheduled.append(("notify", order_sn, 0.0))


def _order(new: NewOrder, order_id: int) -> Order:
    return Order(id=order_id, sn=new.sn, user_id=new.user_id, homestay=new.homestay,
                 need_food=new.need_food, live_start=new.live_start, live_end=new.live_end,
                 live_people_num=new.live_people_num, trade_state=0, trade_code=new.trade_code,
                 remark=new.remark, price=new.price, create_time=new.create_time, pay_time=0,
                 pay_type="", pay_sn="", pay_note="", version=0)


class FakeOrderRepository:
    """Same conditional-update semantics as the SQL adapter, over dicts."""

    def __init__(self) -> None:
        self.orders: dict[str, Order] = {}
        self.keys: dict[tuple[int, str], IdempotencyRecord] = {}
        self.settlements: dict[tuple[int, object], Settlement] = {}
        self.audits: list[AuditEntry] = []
        self.refund_requests: dict[str, RefundRequest] = {}

    async def insert(self, order: NewOrder) -> int:
        assert order.sn not in self.orders
        self.orders[order.sn] = _order(order, len(self.orders) + 1)
        return len(self.orders)

    async def get_by_sn(self, sn: str) -> Order | None:
        return self.orders.get(sn)

    async def list_for_user(self, user_id: int, *, trade_state: int | None, before_id: int | None,
                            limit: int) -> list[Order]:
        mine = [o for o in self.orders.values() if o.user_id == user_id
                and (trade_state is None or o.trade_state == trade_state)
                and (before_id is None or o.id < before_id)]
        return sorted(mine, key=lambda o: -o.id)[:limit]

    def _bump(self, order: Order, **changes: object) -> None:
        self.orders[order.sn] = replace(order, version=order.version + 1, **changes)  # type: ignore[arg-type]

    async def transition(self, sn: str, *, from_state: int, to_state: int) -> bool:
        order = self.orders.get(sn)
        if order is None or order.trade_state != from_state:
            return False
        self._bump(order, trade_state=to_state)
        return True

    async def mark_paid(self, payment: Payment) -> bool:
        order = self.orders.get(payment.order_sn)
        if order is None or order.trade_state != 0 or order.price.order_total != payment.total:
            return False
        self._bump(order, trade_state=1, pay_sn=payment.pay_sn, pay_type=payment.pay_type,
                   pay_time=payment.pay_time)
        return True

    async def note_payment(self, sn: str, *, pay_sn: str, note: str) -> None:
        order = self.orders[sn]
        if (order.pay_sn, order.pay_note) != (pay_sn, note):
            self._bump(order, pay_sn=pay_sn, pay_note=note)

    async def wait_pay_created_before(self, cutoff: int, *, limit: int) -> list[str]:
        return [o.sn for o in self.orders.values()
                if o.trade_state == 0 and o.create_time < cutoff][:limit]

    async def count_wait_pay_created_before(self, cutoff: int) -> int:
        return len(await self.wait_pay_created_before(cutoff, limit=len(self.orders)))

    async def claim_idempotency_key(self, *, user_id: int, key: str, fingerprint: str,
                                    order_sn: str) -> IdempotencyRecord | None:
        if (user_id, key) in self.keys:
            return self.keys[(user_id, key)]
        self.keys[(user_id, key)] = IdempotencyRecord(fingerprint=fingerprint, order_sn=order_sn)
        return None

    async def find_idempotency_key(self, *, user_id: int, key: str) -> IdempotencyRecord | None:
        return self.keys.get((user_id, key))

    async def used_order_totals(self, *, ended_from: int, ended_before: int) -> list[BusinessTotal]:
        totals: dict[int, BusinessTotal] = {}
        for o in self.orders.values():
            if o.trade_state == 2 and ended_from <= o.live_end < ended_before:
                bid = o.homestay.homestay_business_id
                prev = totals.get(bid, BusinessTotal(bid, 0, 0))
                totals[bid] = BusinessTotal(bid, prev.order_count + 1,
                                            prev.gross + o.price.order_total)
        return [totals[k] for k in sorted(totals)]

    async def add_settlements(self, records: Sequence[Settlement]) -> int:
        added = 0
        for rec in records:
            if (rec.business_id, rec.day) not in self.settlements:
                self.settlements[(rec.business_id, rec.day)] = rec
                added += 1
        return added


    async def wait_use_ended_before(self, cutoff: int, *, limit: int) -> list[str]:
        due = [o for o in self.orders.values() if is_expired(o, now=cutoff)]
        return [o.sn for o in sorted(due, key=lambda o: o.live_end)][:limit]

    async def expire(self, sns: Sequence[str], *, cutoff: int) -> int:
        done = 0
        for sn in sns:
            order = self.orders.get(sn)
            if order is not None and is_expired(order, now=cutoff):
                self._bump(order, trade_state=4)
                done += 1
        return done

    async def add_audit(self, entry: AuditEntry) -> None:
        self.audits.append(entry)

    async def add_refund_request(self, sn: str, *, reason: str, requested_by: str) -> None:
        assert sn not in self.refund_requests
        self.refund_requests[sn] = RefundRequest(
            order_sn=sn, reason=reason, requested_by=requested_by, done=False, attempts=0,
            last_error="", pay_sn="", create_time=0, done_time=0)

    async def get_refund_request(self, sn: str) -> RefundRequest | None:
        return self.refund_requests.get(sn)

    async def pending_refunds(self, *, created_before: int, limit: int) -> list[RefundRequest]:
        return [r for r in self.refund_requests.values()
                if not r.done and r.create_time < created_before][:limit]

    async def finish_refund(self, sn: str, *, pay_sn: str, note: str = "") -> bool:
        request = self.refund_requests[sn]
        if request.done:
            return False
        self.refund_requests[sn] = replace(request, done=True, pay_sn=pay_sn, last_error=note,
                                           attempts=request.attempts + 1, done_time=1)
        return True

    async def note_refund_attempt(self, sn: str, *, error: str) -> None:
        request = self.refund_requests[sn]
        if not request.done:
            self.refund_requests[sn] = replace(request, attempts=request.attempts + 1,
                                               last_error=error)


class FakeStore:
    """Reads and writes over one fake repository; a failing unit leaves no jobs behind."""

    def __init__(self) -> None:
        self.repo = FakeOrderRepository()
        self.jobs = FakeJobs()

    @asynccontextmanager
    async def reads(self) -> AsyncIterator[FakeOrderRepository]:
        yield self.repo

    @asynccontextmanager
    async def writes(self) -> AsyncIterator[OrderUnit]:
        pending = FakeJobs()
        repo = self.repo
        saved = (dict(repo.orders), dict(repo.refund_requests), list(repo.audits))
        try:
            yield OrderUnit(repo, pending)
        except BaseException:  # a failed unit of work rolls back, like the SQL one
            repo.orders, repo.refund_requests, repo.audits = saved[0], saved[1], saved[2]
            raise
        self.jobs.scheduled.extend(pending.scheduled)
