"""Guests' comments on their stays (`addComment`): only the guest's own order of the homestay,
after the stay, once per order. The order is looked up through the order client before the
transaction opens, so no database connection waits on another service."""

from __future__ import annotations

from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import InvalidField, check_reviewable, comment_text, require_id
from yys.services.travel.ports import OrderSource

ORDER_SN_MAX = 64


class ReviewService:
    def __init__(self, *, catalogue: CatalogueService, orders: OrderSource) -> None:
        self._catalogue = catalogue
        self._orders = orders

    async def add_comment(self, *, user_id: int, homestay_id: int, order_sn: str, content: str,
                          star: int) -> int:
        """The new comment's id; a second comment on one order is `CommentExists` (409)."""
        require_id(homestay_id, "homestayId")
        sn = order_sn.strip()
        if not 0 < len(sn) <= ORDER_SN_MAX:
            raise InvalidField(f"orderSn must be 1 to {ORDER_SN_MAX} characters")
        text = comment_text(content)
        check_reviewable(await self._orders.order(sn), user_id=user_id, homestay_id=homestay_id)
        async with self._catalogue.transaction() as tx:
            return await self._catalogue.create_comment(tx, {
                "homestay_id": homestay_id, "user_id": user_id, "order_sn": sn,
                "content": text, "star": star})
