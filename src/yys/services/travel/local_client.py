"""The in-process binding of `yys.clients.travel.TravelClient` (what order books against)."""

from __future__ import annotations

from yys.contracts.travel import HomestaySnapshot
from yys.services.travel.domain import Homestay
from yys.services.travel.service import TravelService


def snapshot(homestay: Homestay) -> HomestaySnapshot:
    """The contract view of a homestay; prices stay in fen."""
    return HomestaySnapshot(
        id=homestay.id,
        title=homestay.title,
        sub_title=homestay.sub_title,
        banner=homestay.banner,
        info=homestay.info,
        people_num=homestay.people_num,
        row_state=homestay.row_state,
        row_type=homestay.row_type,
        food_info=homestay.food_info,
        food_price=homestay.food_price,
        homestay_price=homestay.homestay_price,
        market_homestay_price=homestay.market_homestay_price,
        homestay_business_id=homestay.homestay_business_id,
        user_id=homestay.user_id,
    )


class LocalTravelClient:
    def __init__(self, service: TravelService) -> None:
        self._service = service

    async def get_homestay(self, homestay_id: int) -> HomestaySnapshot | None:
        # The same cache-aside read as homestayDetail, so booking adds no extra DB load; catalogue
        # writes invalidate it, so a homestay taken off shelf stops being bookable.
        if homestay_id <= 0:
            return None
        found = await self._service.find_homestay(homestay_id)
        return None if found is None else snapshot(found)
