"""Typed calls of the public API the storefront makes (paths and shapes: API.md)."""

from __future__ import annotations

from typing import Any, TypeVar

import msgspec

from yys.services.web.api_client import ApiClient, forwarded_for
from yys.services.web.store.models import (
    Boss,
    Comment,
    Homestay,
    OrderDetail,
    OrderItem,
    PayParams,
    Token,
)

T = TypeVar("T")
ALL_STATES = -99


def _as(kind: type[T], value: Any) -> T:
    return msgspec.convert(value, kind)


class StoreApi:
    def __init__(self, api: ApiClient) -> None:
        self.api = api

    async def preferred(self, page_size: int = 8) -> list[Homestay]:
        body = await self.api.post("/travel/v1/homestay/homestayList", {"page": 1, "pageSize": page_size})
        return _as(list[Homestay], body.get("list", []))

    async def guess(self) -> list[Homestay]:
        body = await self.api.post("/travel/v1/homestay/guessList")
        return _as(list[Homestay], body.get("list", []))

    async def good_bosses(self) -> list[Boss]:
        body = await self.api.post("/travel/v1/homestayBussiness/goodBoss")
        return _as(list[Boss], body.get("list", []))

    async def homestay(self, homestay_id: int) -> Homestay:
        body = await self.api.post("/travel/v1/homestay/homestayDetail", {"id": homestay_id})
        return _as(Homestay, body["homestay"])

    async def comments(self, homestay_id: int, page_size: int = 20) -> list[Comment]:
        body = await self.api.post("/travel/v1/homestayComment/commentList",
                                   {"homestayId": homestay_id, "lastId": 0, "pageSize": page_size})
        return _as(list[Comment], body.get("list", []))

    async def add_comment(self, token: str, *, homestay_id: int, order_sn: str, content: str,
                          star: int) -> None:
        await self.api.post("/travel/v1/homestayComment/addComment",
                            {"homestayId": homestay_id, "orderSn": order_sn, "content": content,
                             "star": star}, token=token)

    # `client` is the guest's address: usercenter's per-client login budget is the guest's, not
    # this process's (the API believes it because this process is a trusted proxy).
    async def register(self, mobile: str, password: str, *, client: str) -> Token:
        body = await self.api.post("/usercenter/v1/user/register",
                                   {"mobile": mobile, "password": password},
                                   headers=forwarded_for(client))
        return _as(Token, body)

    async def login(self, mobile: str, password: str, *, client: str) -> Token:
        body = await self.api.post("/usercenter/v1/user/login", {"mobile": mobile, "password": password},
                                   headers=forwarded_for(client))
        return _as(Token, body)

    async def create_order(self, token: str, *, homestay_id: int, is_food: bool, start: int, end: int,
                           people: int, remark: str, idempotency_key: str) -> str:
        body = await self.api.post(
            "/order/v1/homestayOrder/createHomestayOrder",
            {"homestayId": homestay_id, "isFood": is_food, "liveStartTime": start,
             "liveEndTime": end, "livePeopleNum": people, "remark": remark},
            token=token, headers={"Idempotency-Key": idempotency_key})
        return str(body["orderSn"])

    async def orders(self, token: str, trade_state: int = ALL_STATES, page_size: int = 50
                     ) -> list[OrderItem]:
        body = await self.api.post("/order/v1/homestayOrder/userHomestayOrderList",
                                   {"lastId": 0, "pageSize": page_size, "tradeState": trade_state},
                                   token=token)
        return _as(list[OrderItem], body.get("list", []))

    async def order(self, token: str, sn: str) -> OrderDetail:
        body = await self.api.post("/order/v1/homestayOrder/userHomestayOrderDetail", {"sn": sn},
                                   token=token)
        return _as(OrderDetail, body)

    async def refund(self, token: str, sn: str) -> None:
        await self.api.post("/order/v1/homestayOrder/refund", {"sn": sn}, token=token)

    async def pay_in_sandbox(self, token: str, sn: str) -> None:
        """Ask payment for the JSAPI parameters, then play the payer in the built-in sandbox (the
        notify reaches payment asynchronously; the order page polls until the order is paid)."""
        params = _as(PayParams, await self.api.post(
            "/payment/v1/thirdPayment/thirdPaymentWxPay",
            {"orderSn": sn, "serviceType": "homestayOrder"}, token=token))
        await self.api.post("/paysandbox/v1/pay", {"prepayId": params.prepay_id, "result": "SUCCESS"})
