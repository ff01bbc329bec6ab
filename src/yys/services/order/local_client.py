"""The in-process binding of `yys.clients.order.OrderClient`."""

from __future__ import annotations

from yys.contracts.trade import OrderView
from yys.services.order.domain import Order
from yys.services.order.service import OrderService


def order_view(order: Order) -> OrderView:
    return OrderView(sn=order.sn, user_id=order.user_id, trade_state=order.trade_state,
                     order_total_price=order.price.order_total, title=order.homestay.title,
                     homestay_id=order.homestay.id,
                     create_time=order.create_time)


class LocalOrderClient:
    def __init__(self, service: OrderService) -> None:
        self._service = service

    async def get_order(self, sn: str) -> OrderView | None:
        found = await self._service.find_order(sn)
        return None if found is None else order_view(found)
