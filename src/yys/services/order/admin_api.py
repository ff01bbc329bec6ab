"""Back-office routes of order (`/admin/v1/orders`, `/admin/v1/stats`): thin adapters around
`OrderBackoffice` (reads, any manager) and `OrderActions` (moves, operator and up)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, TypeAlias

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from yys.contracts.trade import PaymentView
from yys.kit.http.admin import AdminPrincipal
from yys.services.order.actions import OrderActions
from yys.services.order.api import OrderDetail, order_detail
from yys.services.order.backoffice import OrderBackoffice, OrderRecord
from yys.services.order.backoffice_rules import (
    Actor,
    RefundRequest,
    order_filter,
    page_request,
)
from yys.services.order.domain import Order, fen_to_yuan
from yys.services.order.stats import OrderStats


class AdminOrder(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    sn: str
    user_id: int
    homestay_id: int
    homestay_business_id: int
    title: str
    cover: str
    live_start_date: int
    live_end_date: int
    live_people_num: int
    order_total_price: float
    trade_state: int
    create_time: int
    pay_time: int
    update_time: int
    version: int


class PaymentItem(msgspec.Struct, rename="camel", kw_only=True):
    sn: str
    order_sn: str
    user_id: int
    pay_status: int
    pay_total: float
    pay_mode: str
    transaction_id: str
    pay_time: int


class RefundItem(msgspec.Struct, rename="camel", kw_only=True):
    state: str  # "pending" | "done"
    reason: str
    requested_by: str
    attempts: int
    last_error: str
    pay_sn: str
    create_time: int
    done_time: int


class AdminOrderDetail(OrderDetail, rename="camel", kw_only=True):
    id: int
    update_time: int
    version: int
    pay_sn: str
    pay_note: str
    refund: RefundItem | None
    payments: list[PaymentItem]


class OrderList(msgspec.Struct):
    total: int
    items: list[AdminOrder] = msgspec.field(name="list")


class CheckInReq(msgspec.Struct, rename="camel"):
    trade_code: str


class DayItem(msgspec.Struct, rename="camel", kw_only=True):
    date: str
    orders: int
    paid_orders: int
    revenue: float


class StateCount(msgspec.Struct, rename="camel", kw_only=True):
    trade_state: int
    count: int


class StatsResp(msgspec.Struct, rename="camel", kw_only=True):
    from_: int = msgspec.field(name="from")
    to: int  # exclusive
    time_zone: str
    days: list[DayItem]
    by_trade_state: list[StateCount]
    total_orders: int
    total_paid_orders: int
    total_revenue: float


def admin_order(o: Order) -> AdminOrder:
    h = o.homestay
    return AdminOrder(id=o.id, sn=o.sn, user_id=o.user_id, homestay_id=h.id,
                      homestay_business_id=h.homestay_business_id, title=h.title, cover=h.cover,
                      live_start_date=o.live_start, live_end_date=o.live_end,
                      live_people_num=o.live_people_num,
                      order_total_price=fen_to_yuan(o.price.order_total),
                      trade_state=o.trade_state, create_time=o.create_time, pay_time=o.pay_time,
                      update_time=o.update_time, version=o.version)


def payment_item(p: PaymentView) -> PaymentItem:
    return PaymentItem(sn=p.sn, order_sn=p.order_sn, user_id=p.user_id, pay_status=p.pay_status,
                       pay_total=fen_to_yuan(p.pay_total), pay_mode=p.pay_mode,
                       transaction_id=p.transaction_id, pay_time=p.pay_time)


def refund_item(r: RefundRequest) -> RefundItem:
    return RefundItem(state="done" if r.done else "pending", reason=r.reason,
                      requested_by=r.requested_by, attempts=r.attempts, last_error=r.last_error,
                      pay_sn=r.pay_sn, create_time=r.create_time, done_time=r.done_time)


def admin_detail(record: OrderRecord) -> AdminOrderDetail:
    o = record.order
    public = msgspec.structs.asdict(order_detail(o))
    return AdminOrderDetail(
        **public, id=o.id, update_time=o.update_time, version=o.version, pay_sn=o.pay_sn,
        pay_note=o.pay_note, refund=None if record.refund is None else refund_item(record.refund),
        payments=[payment_item(p) for p in record.payments])


def stats_resp(stats: OrderStats) -> StatsResp:
    return StatsResp(
        from_=stats.range.start, to=stats.range.end, time_zone=stats.range.tz,
        days=[DayItem(date=d.day.isoformat(), orders=d.orders, paid_orders=d.paid_orders,
                      revenue=fen_to_yuan(d.revenue)) for d in stats.days],
        by_trade_state=[StateCount(trade_state=s, count=n) for s, n in stats.by_state.items()],
        total_orders=stats.total_orders, total_paid_orders=stats.total_paid_orders,
        total_revenue=fen_to_yuan(stats.total_revenue))


@dataclass(frozen=True)
class OrderAdmin:
    backoffice: OrderBackoffice
    actions: OrderActions


Admin: TypeAlias = NamedDependency[OrderAdmin]
Viewer: TypeAlias = NamedDependency[AdminPrincipal]  # any manager (reads)
Operator: TypeAlias = NamedDependency[AdminPrincipal]  # operator or superadmin (actions)
OptInt: TypeAlias = int | None


def actor(manager: AdminPrincipal) -> Actor:
    return Actor(id=manager.id, name=manager.username)


@get("/orders", summary="Orders, filtered and paged")
async def list_orders(
    *, viewer: Viewer, admin: Admin,
    page: OptInt = None,
    page_size: Annotated[OptInt, QueryParameter(name="pageSize")] = None,
    trade_state: Annotated[OptInt, QueryParameter(name="tradeState")] = None,
    user_id: Annotated[OptInt, QueryParameter(name="userId")] = None,
    homestay_id: Annotated[OptInt, QueryParameter(name="homestayId")] = None,
    sn: str | None = None,
    created_from: Annotated[OptInt, QueryParameter(name="from")] = None,
    created_to: Annotated[OptInt, QueryParameter(name="to")] = None,
    sort: str | None = None,
) -> OrderList:
    flt = order_filter(trade_state=trade_state, user_id=user_id, homestay_id=homestay_id, sn=sn,
                       created_from=created_from, created_to=created_to, sort=sort)
    found = await admin.backoffice.list_orders(flt=flt, page=page_request(page, page_size))
    return OrderList(total=found.total, items=[admin_order(o) for o in found.orders])


@get("/orders/{sn:str}", summary="One order with its payments and refund")
async def get_order(sn: str, viewer: Viewer, admin: Admin) -> AdminOrderDetail:
    return admin_detail(await admin.backoffice.order_record(sn=sn))


@post("/orders/{sn:str}/check-in", status_code=200, summary="Check the guest in (1 → 2)")
async def check_in(sn: str, data: JSONBody[CheckInReq], operator: Operator,
                   admin: Admin) -> AdminOrder:
    order = await admin.actions.check_in(actor=actor(operator), sn=sn, trade_code=data.trade_code)
    return admin_order(order)


@post("/orders/{sn:str}/refund", status_code=200, summary="Refund a paid order (1 → 3)")
async def refund(sn: str, operator: Operator, admin: Admin) -> AdminOrder:
    return admin_order(await admin.actions.admin_refund(actor=actor(operator), sn=sn))


@post("/orders/{sn:str}/cancel", status_code=200, summary="Cancel an unpaid order (0 → -1)")
async def cancel(sn: str, operator: Operator, admin: Admin) -> AdminOrder:
    return admin_order(await admin.actions.cancel(actor=actor(operator), sn=sn))


@get("/stats", summary="Orders and revenue per day, orders per trade state")
async def stats(viewer: Viewer, admin: Admin,
                start: Annotated[str | None, QueryParameter(name="from")] = None,
                end: Annotated[str | None, QueryParameter(name="to")] = None) -> StatsResp:
    return stats_resp(await admin.backoffice.stats(start=start, end=end))


def admin_router(admin: OrderAdmin, *, reader: Provide, writer: Provide) -> Router:
    """`reader`/`writer`: the admin guards (any manager / operator and up)."""

    def provide() -> OrderAdmin:
        return admin

    return Router(
        path="/admin/v1",
        route_handlers=[list_orders, get_order, check_in, refund, cancel, stats],
        dependencies={
            "admin": Provide(provide, sync_to_thread=False),
            "viewer": reader,
            "operator": writer,
        },
        tags=["admin: orders"],
    )
