"""Order use cases over in-memory fakes: booking, idempotency, queries, and the lifecycle
(close, sweep, payments, notification, settlement)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.unit.services.order.fakes import (
    FakeMqueue,
    FakePayment,
    FakeStore,
    FakeTravel,
    clients,
    homestay,
    paid_view,
)
from yys.contracts.trade import TradeState
from yys.services.order import domain as d
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.service import OrderService
from yys.services.order.settlement import day_window

NOW = 1_800_000_000.0
START = int(NOW) + 86400
USER = 11


class World:
    def __init__(self, *, travel: FakeTravel | None = None) -> None:
        self.now = NOW
        self.store = FakeStore()
        self.travel = travel or FakeTravel(homestay(), homestay(id=8, row_state=0),
                                           homestay(id=9, row_type=1, people_num=2))
        self.payment = FakePayment()
        self.mqueue = FakeMqueue()
        bound = clients(self.travel, self.payment, self.mqueue)
        self.service = OrderService(reads=self.store.reads, writes=self.store.writes,
                                    clients=bound, clock=lambda: self.now, close_delay=1800)
        self.lifecycle = OrderLifecycle(reads=self.store.reads, writes=self.store.writes,
                                        clients=bound, clock=lambda: self.now, close_delay=1800,
                                        commission_bps=500, settle_tz="Asia/Shanghai")

    async def book(self, key: str | None = None, user: int = USER, **overrides: object) -> str:
        values: dict[str, object] = dict(homestay_id=7, with_food=True, live_start=START,
                                         live_end=START + 2 * 86400, people=2, remark="late")
        values.update(overrides)
        return await self.service.create_order(user_id=user, request=d.BookingRequest(**values),  # type: ignore[arg-type]
                                               idempotency_key=key)

    def order(self, sn: str) -> d.Order:
        return self.store.repo.orders[sn]

    def payment_of(self, sn: str, *, pay_sn: str = "PAY1", total: int | None = None) -> d.Payment:
        return d.Payment(order_sn=sn, pay_sn=pay_sn, total=total or self.order(sn).price.order_total,
                         pay_time=int(self.now))


@pytest.fixture
def world() -> World:
    return World()


# --- create ----------------------------------------------------------------------------------


async def test_create_snapshots_prices_and_schedules_close(world: World) -> None:
    sn = await world.book()
    order = world.order(sn)
    assert order.trade_state == TradeState.WAIT_PAY
    assert order.homestay.title == "Lakeside" and order.homestay.cover == "a.jpg"
    assert order.homestay.homestay_user_id == 90
    # per room: 250.00 × 2 nights; food 30.00 × 2 people × 2 nights
    assert order.price == d.Price(homestay_total=50000, food_total=12000, order_total=62000)
    assert world.store.jobs.scheduled == [("close", sn, 1800)]
    world.travel.homestays[7] = homestay(homestay_price=1)  # a later price change...
    assert world.order(sn).price.order_total == 62000  # ...does not touch the order


async def test_create_per_person(world: World) -> None:
    sn = await world.book(homestay_id=9, with_food=False)
    assert world.order(sn).price.order_total == 25000 * 2 * 2


@pytest.mark.parametrize(("overrides", "error"), [
    (dict(homestay_id=404), d.HomestayNotFound),
    (dict(homestay_id=8), d.HomestayOffShelf),
    (dict(people=5), d.InvalidPeopleNum),
    (dict(homestay_id=9, people=3), d.InvalidPeopleNum),
    (dict(live_start=int(NOW) - 2 * 86400), d.InvalidLiveTime),
    (dict(live_end=START), d.InvalidLiveTime),
])
async def test_create_rejects(world: World, overrides: dict[str, object], error: type[Exception]) -> None:
    with pytest.raises(error):
        await world.book(**overrides)
    assert world.store.repo.orders == {} and world.store.jobs.scheduled == []


async def test_travel_down_is_unavailable() -> None:
    world = World(travel=FakeTravel(fail=True))
    with pytest.raises(d.CatalogueUnavailable) as err:
        await world.book()
    assert err.value.kind.value == "unavailable"


async def test_idempotency_key_replay_returns_the_same_order(world: World) -> None:
    first = await world.book(key="k1")
    world.travel.homestays[7] = homestay(row_state=0)  # even if it went off shelf since
    assert await world.book(key="k1") == first
    assert len(world.store.repo.orders) == 1
    assert len(world.store.jobs.scheduled) == 1


async def test_idempotency_key_with_another_body_is_409(world: World) -> None:
    await world.book(key="k1")
    with pytest.raises(d.IdempotencyKeyReused):
        await world.book(key="k1", people=1)


async def test_idempotency_keys_are_per_user(world: World) -> None:
    mine = await world.book(key="k1")
    theirs = await world.book(key="k1", user=USER + 1)
    assert mine != theirs


async def test_bad_idempotency_key(world: World) -> None:
    with pytest.raises(d.InvalidIdempotencyKey):
        await world.book(key="has space")


# --- queries ---------------------------------------------------------------------------------


async def test_list_is_keyset_newest_first(world: World) -> None:
    sns = [await world.book() for _ in range(5)]
    await world.book(user=USER + 1)
    first = await world.service.list_orders(user_id=USER, trade_state=-99, last_id=0, size=2)
    assert [o.sn for o in first] == sns[:-3:-1]
    rest = await world.service.list_orders(user_id=USER, trade_state=-99, last_id=first[-1].id,
                                           size=10)
    assert [o.sn for o in rest] == sns[2::-1]


async def test_list_by_state(world: World) -> None:
    paid, _unpaid = await world.book(), await world.book()
    await world.lifecycle.apply_payment(world.payment_of(paid))
    found = await world.service.list_orders(user_id=USER, trade_state=1, last_id=0, size=0)
    assert [o.sn for o in found] == [paid]
    with pytest.raises(d.InvalidField):
        await world.service.list_orders(user_id=USER, trade_state=7, last_id=0, size=0)


async def test_detail_only_for_the_owner(world: World) -> None:
    sn = await world.book()
    assert (await world.service.order_detail(user_id=USER, sn=sn)).sn == sn
    for user, asked in [(USER + 1, sn), (USER, "HSO-missing"), (USER, "")]:
        with pytest.raises(d.OrderNotFound):
            await world.service.order_detail(user_id=user, sn=asked)


# --- lifecycle -------------------------------------------------------------------------------


async def test_close_only_from_wait_pay(world: World) -> None:
    sn = await world.book()
    assert await world.lifecycle.close_order(sn)
    assert world.order(sn).trade_state == TradeState.CANCELLED
    assert not await world.lifecycle.close_order(sn)  # a second delivery changes nothing
    assert world.order(sn).version == 1


async def test_close_asks_payment_first_and_a_late_notify_pays(world: World) -> None:
    sn = await world.book()
    world.payment.paid[sn] = paid_view(sn, world.order(sn).price.order_total)
    assert not await world.lifecycle.close_order(sn)
    order = world.order(sn)
    assert (order.trade_state, order.pay_sn, order.pay_time) == (1, "PMT1", 1_900_000_000)
    assert world.payment.refunds == []
    # The notify's event arriving later is a redelivery of the same payment.
    late = d.Payment(order_sn=sn, pay_sn="PMT1", total=order.price.order_total, pay_time=1)
    assert await world.lifecycle.apply_payment(late) is d.PaymentAction.ALREADY_APPLIED


async def test_close_ignores_a_refunded_payment(world: World) -> None:
    sn = await world.book()
    world.payment.paid[sn] = paid_view(sn, world.order(sn).price.order_total, status=2)
    assert await world.lifecycle.close_order(sn)
    assert world.order(sn).trade_state == TradeState.CANCELLED


async def test_close_does_not_ask_payment_about_settled_orders(world: World) -> None:
    sn = await world.book()
    await world.lifecycle.close_order(sn)
    await world.lifecycle.close_order(sn)
    assert world.payment.reconciled == [sn]


async def test_close_retries_while_payment_is_down(world: World) -> None:
    sn = await world.book()
    world.payment.down = True
    with pytest.raises(ConnectionError):
        await world.lifecycle.close_order(sn)  # the job fails and the worker retries it
    assert world.order(sn).trade_state == TradeState.WAIT_PAY
    world.now += 3600
    assert await world.lifecycle.sweep_unpaid() == 0  # the sweeper logs and carries on
    world.payment.down = False
    assert await world.lifecycle.sweep_unpaid() == 1


async def test_close_after_payment_is_a_no_op(world: World) -> None:
    sn = await world.book()
    assert await world.lifecycle.apply_payment(world.payment_of(sn)) is None
    assert not await world.lifecycle.close_order(sn)
    assert world.order(sn).trade_state == TradeState.WAIT_USE
    assert world.payment.refunds == []


async def test_payment_after_close_is_refunded(world: World) -> None:
    sn = await world.book()
    await world.lifecycle.close_order(sn)
    action = await world.lifecycle.apply_payment(world.payment_of(sn))
    assert action is d.PaymentAction.REFUND
    assert world.payment.refunds == [(sn, "order closed before payment")]
    order = world.order(sn)
    assert order.trade_state == TradeState.CANCELLED and order.pay_time == 0
    assert order.pay_sn == "PAY1" and "closed" in order.pay_note


async def test_payment_is_applied_once(world: World) -> None:
    sn = await world.book()
    payment = world.payment_of(sn)
    assert await world.lifecycle.apply_payment(payment) is None
    paid = world.order(sn)
    assert (paid.trade_state, paid.pay_sn, paid.pay_time, paid.pay_type) == (
        1, "PAY1", int(NOW), d.PAY_TYPE_WECHAT)
    for _ in range(3):
        assert await world.lifecycle.apply_payment(payment) is d.PaymentAction.ALREADY_APPLIED
    assert world.order(sn) == paid
    assert world.payment.refunds == []
    assert {kind for kind, _, _ in world.store.jobs.scheduled} == {"close", "notify"}


async def test_wrong_amount_is_refunded_not_paid(world: World) -> None:
    sn = await world.book()
    action = await world.lifecycle.apply_payment(world.payment_of(sn, total=1))
    assert action is d.PaymentAction.REFUND
    assert world.order(sn).trade_state == TradeState.WAIT_PAY
    assert world.payment.refunds == [(sn, d.REASON_AMOUNT)]


async def test_unknown_order_payment_is_refunded(world: World) -> None:
    action = await world.lifecycle.apply_payment(
        d.Payment(order_sn="HSO-nope", pay_sn="P", total=1, pay_time=1))
    assert action is d.PaymentAction.REFUND
    assert world.payment.refunds == [("HSO-nope", d.REASON_UNKNOWN)]


async def test_second_payment_of_a_paid_order_is_left_for_review(world: World) -> None:
    sn = await world.book()
    await world.lifecycle.apply_payment(world.payment_of(sn))
    action = await world.lifecycle.apply_payment(world.payment_of(sn, pay_sn="PAY2"))
    assert action is d.PaymentAction.REVIEW
    assert world.payment.refunds == []  # refunding "the order's payment" would undo PAY1
    assert world.order(sn).trade_state == TradeState.WAIT_USE


async def test_notify_paid(world: World) -> None:
    sn = await world.book()
    await world.lifecycle.notify_paid(sn)
    assert world.mqueue.sent == {}  # unpaid: nothing to say
    await world.lifecycle.apply_payment(world.payment_of(sn))
    await world.lifecycle.notify_paid(sn)
    await world.lifecycle.notify_paid(sn)
    note = world.mqueue.sent[f"pay_success:{sn}"]
    assert note.user_id == USER and note.kind == "pay_success" and note.data["orderSn"] == sn


async def test_sweeper_closes_only_old_unpaid_orders(world: World) -> None:
    old, paid = await world.book(), await world.book()
    await world.lifecycle.apply_payment(world.payment_of(paid))
    world.now += 1000
    young = await world.book()
    world.now += 900  # old is 1900 s old, young 900 s
    assert await world.lifecycle.sweep_unpaid() == 1
    states = {sn: world.order(sn).trade_state for sn in (old, paid, young)}
    assert states == {old: -1, paid: 1, young: 0}


@pytest.mark.parametrize("target", [2, 3, 4])
async def test_transitions_from_wait_use(world: World, target: int) -> None:
    sn = await world.book()
    with pytest.raises(d.IllegalStateChange):
        await world.lifecycle.transition(sn, target)  # not paid yet
    await world.lifecycle.apply_payment(world.payment_of(sn))
    assert await world.lifecycle.transition(sn, target)
    assert not await world.lifecycle.transition(sn, target)  # already there: no-op
    assert world.order(sn).trade_state == target
    with pytest.raises(d.IllegalStateChange):
        await world.lifecycle.transition(sn, -1)


async def test_transition_of_unknown_order(world: World) -> None:
    with pytest.raises(d.OrderNotFound):
        await world.lifecycle.transition("HSO-nope", 2)
    with pytest.raises(d.IllegalStateChange):
        await world.lifecycle.transition("HSO-nope", 0)


async def test_settle_day_once_per_business(world: World) -> None:
    day = date(2027, 1, 16)
    # One night from the 15th 12:00 to the 16th 12:00 (UTC+8): the stays end on the 16th.
    start = int(day_window(date(2027, 1, 15), "Asia/Shanghai")[0]) + 12 * 3600
    sns = [await world.book(live_start=start, live_end=start + 86400, homestay_id=h)
           for h in (7, 7, 9)]
    other_business = await world.book(live_start=start, live_end=start + 86400)
    for sn in [*sns, other_business]:
        await world.lifecycle.apply_payment(world.payment_of(sn))
    for sn in sns:
        await world.lifecycle.transition(sn, 2)
    # Homestays 7 and 9 both belong to business 3; other_business is paid but never used.
    assert await world.lifecycle.settle_day(day) == 1
    assert await world.lifecycle.settle_day(day) == 0
    (rec,) = world.store.repo.settlements.values()
    gross = sum(world.order(sn).price.order_total for sn in sns)
    assert (rec.business_id, rec.order_count, rec.gross) == (3, 3, gross)
    assert rec.commission == (gross * 500 + 5000) // 10000 and rec.net == gross - rec.commission
    assert await world.lifecycle.settle_day(date(2027, 1, 15)) == 0
