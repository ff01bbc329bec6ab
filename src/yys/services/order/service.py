"""Booking use cases of the public order API: create (idempotent), list, detail."""

from __future__ import annotations

import secrets

from yys.clients import Clients
from yys.contracts.travel import HomestaySnapshot
from yys.kit.errors import AppError
from yys.services.order.domain import (
    ON_SHELF,
    BookingRequest,
    CatalogueUnavailable,
    HomestayNotFound,
    HomestayOffShelf,
    HomestayTerms,
    Order,
    OrderNotFound,
    RandomChoice,
    check_booking,
    check_idempotency_key,
    cover_of,
    keyset_before,
    new_order,
    new_order_sn,
    new_trade_code,
    page_size,
    parse_state_filter,
    replayed_sn,
)
from yys.services.order.metrics import ORDERS_CREATED
from yys.services.order.ports import Clock, ReadsFactory, WritesFactory


def terms_of(snapshot: HomestaySnapshot) -> HomestayTerms:
    return HomestayTerms(
        id=snapshot.id, title=snapshot.title, sub_title=snapshot.sub_title,
        cover=cover_of(snapshot.banner), info=snapshot.info, people_num=snapshot.people_num,
        row_type=snapshot.row_type, food_info=snapshot.food_info, food_price=snapshot.food_price,
        homestay_price=snapshot.homestay_price,
        market_homestay_price=snapshot.market_homestay_price,
        homestay_business_id=snapshot.homestay_business_id, homestay_user_id=snapshot.user_id,
    )


class OrderService:
    def __init__(self, *, reads: ReadsFactory, writes: WritesFactory, clients: Clients,
                 clock: Clock, close_delay: float, choice: RandomChoice = secrets.choice) -> None:
        self._reads = reads
        self._writes = writes
        self._clients = clients
        self._clock = clock
        self._close_delay = close_delay
        self._choice = choice

    async def create_order(self, *, user_id: int, request: BookingRequest,
                           idempotency_key: str | None = None) -> str:
        """Book a homestay; returns the order sn. With an idempotency key, a replay of the same
        request returns the first order's sn and a different request under that key is 409."""
        now = self._clock()
        key = None if idempotency_key is None else check_idempotency_key(idempotency_key)
        if key is not None:
            async with self._reads() as repo:
                seen = await repo.find_idempotency_key(user_id=user_id, key=key)
            if seen is not None:
                return replayed_sn(stored_fingerprint=seen.fingerprint, stored_sn=seen.order_sn,
                                   request=request)
        days = check_booking(request, now=now)
        terms = terms_of(await self._bookable_homestay(request.homestay_id))
        order = new_order(user_id=user_id, request=request, homestay=terms, days=days, now=now,
                          sn=new_order_sn(now, self._choice),
                          trade_code=new_trade_code(self._choice))
        async with self._writes() as unit:
            if key is not None:
                # The unique index decides between concurrent duplicates; the loser returns
                # the winner's order (and inserts nothing).
                seen = await unit.repo.claim_idempotency_key(
                    user_id=user_id, key=key, fingerprint=request.fingerprint(), order_sn=order.sn)
                if seen is not None:
                    return replayed_sn(stored_fingerprint=seen.fingerprint,
                                       stored_sn=seen.order_sn, request=request)
            await unit.repo.insert(order)
            await unit.jobs.schedule_close(order.sn, delay=self._close_delay)
        ORDERS_CREATED.inc()  # committed; a replayed key returned above
        return order.sn

    async def _bookable_homestay(self, homestay_id: int) -> HomestaySnapshot:
        try:
            snapshot = await self._clients.travel.get_homestay(homestay_id)
        except AppError:
            raise
        except Exception as exc:  # the callee is down or broken: a dependency failure, not ours
            raise CatalogueUnavailable() from exc
        if snapshot is None:
            raise HomestayNotFound()
        if snapshot.row_state != ON_SHELF:
            raise HomestayOffShelf()
        return snapshot

    async def list_orders(self, *, user_id: int, trade_state: int, last_id: int,
                          size: int) -> list[Order]:
        """The caller's orders, newest first; `last_id` is the id of the last one already seen."""
        state = parse_state_filter(trade_state)
        before, limit = keyset_before(last_id), page_size(size)
        async with self._reads() as repo:
            return await repo.list_for_user(user_id, trade_state=state, before_id=before,
                                            limit=limit)

    async def order_detail(self, *, user_id: int, sn: str) -> Order:
        """The caller's order; someone else's is indistinguishable from a missing one."""
        if not sn or len(sn) > 32:
            raise OrderNotFound()
        async with self._reads() as repo:
            order = await repo.get_by_sn(sn)
        if order is None or order.user_id != user_id:
            raise OrderNotFound()
        return order

    async def find_order(self, sn: str) -> Order | None:
        """Any order by sn (for other services, through the order client)."""
        async with self._reads() as repo:
            return await repo.get_by_sn(sn)
