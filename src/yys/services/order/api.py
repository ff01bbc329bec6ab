"""HTTP routes of order (`/order/v1/homestayOrder`): thin adapters around `OrderService`."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import msgspec
from litestar import Router, post
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, JSONBody

from yys.kit.auth.tokens import TokenService
from yys.kit.http.auth import ClaimsCheck, provide_user_id
from yys.services.order.actions import OrderActions
from yys.services.order.domain import BookingRequest, Order, fen_to_yuan
from yys.services.order.service import OrderService


class CreateReq(msgspec.Struct, rename="camel", kw_only=True):
    homestay_id: int
    is_food: bool = False
    live_start_time: int = 0
    live_end_time: int = 0
    live_people_num: int = 0
    remark: str = ""


class CreateResp(msgspec.Struct, rename="camel"):
    order_sn: str


class ListReq(msgspec.Struct, rename="camel", kw_only=True):
    last_id: int = 0
    page_size: int = 0
    trade_state: int = -99


class ListItem(msgspec.Struct, rename="camel", kw_only=True):
    # `id` is not in the original's list item, but it is the keyset cursor `lastId` refers to.
    id: int
    sn: str
    title: str
    sub_title: str
    homestay_id: int
    cover: str
    order_total_price: float
    create_time: int
    trade_state: int
    live_start_date: int
    live_end_date: int
    trade_code: str


class ListResp(msgspec.Struct):
    items: list[ListItem] = msgspec.field(name="list")


class DetailReq(msgspec.Struct, rename="camel"):
    sn: str


class RefundReq(msgspec.Struct, rename="camel"):
    sn: str


class Empty(msgspec.Struct):
    pass


class OrderDetail(msgspec.Struct, rename="camel", kw_only=True):
    sn: str
    user_id: int
    homestay_id: int
    title: str
    sub_title: str
    cover: str
    info: str
    people_num: int
    row_type: int
    need_food: int
    food_info: str
    food_price: float
    homestay_price: float
    market_homestay_price: float
    homestay_business_id: int
    homestay_user_id: int
    live_start_date: int
    live_end_date: int
    live_people_num: int
    trade_state: int
    trade_code: str
    remark: str
    order_total_price: float
    food_total_price: float
    homestay_total_price: float
    create_time: int
    pay_time: int
    pay_type: str


def list_item(o: Order) -> ListItem:
    return ListItem(id=o.id, sn=o.sn, title=o.homestay.title, sub_title=o.homestay.sub_title,
                    homestay_id=o.homestay.id, cover=o.homestay.cover,
                    order_total_price=fen_to_yuan(o.price.order_total), create_time=o.create_time,
                    trade_state=o.trade_state, live_start_date=o.live_start,
                    live_end_date=o.live_end, trade_code=o.trade_code)


def order_detail(o: Order) -> OrderDetail:
    h = o.homestay
    return OrderDetail(
        sn=o.sn, user_id=o.user_id, homestay_id=h.id, title=h.title, sub_title=h.sub_title,
        cover=h.cover, info=h.info, people_num=h.people_num, row_type=h.row_type,
        need_food=int(o.need_food), food_info=h.food_info, food_price=fen_to_yuan(h.food_price),
        homestay_price=fen_to_yuan(h.homestay_price),
        market_homestay_price=fen_to_yuan(h.market_homestay_price),
        homestay_business_id=h.homestay_business_id, homestay_user_id=h.homestay_user_id,
        live_start_date=o.live_start, live_end_date=o.live_end,
        live_people_num=o.live_people_num, trade_state=o.trade_state, trade_code=o.trade_code,
        remark=o.remark, order_total_price=fen_to_yuan(o.price.order_total),
        food_total_price=fen_to_yuan(o.price.food_total),
        homestay_total_price=fen_to_yuan(o.price.homestay_total), create_time=o.create_time,
        pay_time=o.pay_time, pay_type=o.pay_type,
    )


Orders: TypeAlias = NamedDependency[OrderService]
Actions: TypeAlias = NamedDependency[OrderActions]
UserId: TypeAlias = NamedDependency[int]  # the caller, from the bearer token (see router)
IdempotencyKey: TypeAlias = Annotated[str | None, HeaderParameter(name="Idempotency-Key")]


@post("/createHomestayOrder", status_code=200, summary="Book a homestay (optional Idempotency-Key)")
async def create_homestay_order(data: JSONBody[CreateReq], user_id: UserId, orders: Orders,
                                idempotency_key: IdempotencyKey = None) -> CreateResp:
    request = BookingRequest(homestay_id=data.homestay_id, with_food=data.is_food,
                             live_start=data.live_start_time, live_end=data.live_end_time,
                             people=data.live_people_num, remark=data.remark)
    sn = await orders.create_order(user_id=user_id, request=request,
                                   idempotency_key=idempotency_key)
    return CreateResp(order_sn=sn)


@post("/userHomestayOrderList", status_code=200, summary="The caller's orders, newest first")
async def user_homestay_order_list(data: JSONBody[ListReq], user_id: UserId,
                                   orders: Orders) -> ListResp:
    found = await orders.list_orders(user_id=user_id, trade_state=data.trade_state,
                                     last_id=data.last_id, size=data.page_size)
    return ListResp(items=[list_item(o) for o in found])


@post("/userHomestayOrderDetail", status_code=200, summary="One of the caller's orders")
async def user_homestay_order_detail(data: JSONBody[DetailReq], user_id: UserId,
                                     orders: Orders) -> OrderDetail:
    # Flat, as API.md lists it: every order field at the top level of the body.
    order = await orders.order_detail(user_id=user_id, sn=data.sn)
    return order_detail(order)


@post("/refund", status_code=200, summary="Refund the caller's paid order before the stay starts")
async def refund(data: JSONBody[RefundReq], user_id: UserId, actions: Actions) -> Empty:
    await actions.user_refund(user_id=user_id, sn=data.sn)
    return Empty()


def router(service: OrderService, tokens: TokenService, actions: OrderActions,
           user_check: ClaimsCheck | None = None) -> Router:
    def provide_orders() -> OrderService:
        return service

    def provide_actions() -> OrderActions:
        return actions

    return Router(
        path="/order/v1/homestayOrder",
        route_handlers=[create_homestay_order, user_homestay_order_list, user_homestay_order_detail,
                        refund],
        dependencies={"orders": Provide(provide_orders, sync_to_thread=False),
                      "actions": Provide(provide_actions, sync_to_thread=False),
                      "user_id": provide_user_id(tokens, check=user_check)},
        tags=["order"],
    )
