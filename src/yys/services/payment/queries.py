"""SQL adapter of the back office's `PaymentQueries` (every filter a bound parameter)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.services.payment import tables as t
from yys.services.payment.backoffice import PaymentFilter
from yys.services.payment.domain import Payment
from yys.services.payment.repository import payment_from_row

_c = t.payment.c


def _conditions(flt: PaymentFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if flt.pay_status is not None:
        where.append(_c.pay_status == flt.pay_status)
    if flt.order_sn is not None:
        where.append(_c.order_sn == flt.order_sn)
    if flt.user_id is not None:
        where.append(_c.user_id == flt.user_id)
    if flt.created_from is not None:
        where.append(_c.create_time >= flt.created_from)
    if flt.created_to is not None:
        where.append(_c.create_time <= flt.created_to)
    return where


class SqlPaymentQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def search(self, flt: PaymentFilter, *, offset: int,
                     limit: int) -> tuple[int, list[Payment]]:
        where = _conditions(flt)
        total = await self._conn.scalar(sa.select(sa.func.count()).select_from(t.payment)
                                        .where(*where))
        rows = await self._conn.execute(sa.select(t.payment).where(*where)
                                        .order_by(_c.id.desc()).limit(limit).offset(offset))
        return int(total or 0), [payment_from_row(r) for r in rows]

    async def get(self, sn: str) -> Payment | None:
        row = (await self._conn.execute(sa.select(t.payment).where(_c.sn == sn))).first()
        return None if row is None else payment_from_row(row)
