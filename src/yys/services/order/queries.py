"""SQL adapter of `OrderQueries`: the back office's order list and statistics.

Every filter value is a bound parameter and the sort column comes from a fixed map, so nothing a
caller sends becomes SQL text.
"""

from __future__ import annotations

from datetime import UTC, date
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from yys.services.order import tables as t
from yys.services.order.backoffice_rules import OrderFilter, PageRequest
from yys.services.order.domain import Order
from yys.services.order.repository import order_from_row, to_datetime
from yys.services.order.stats import REVENUE_STATES, CreatedCount, PaidSum, StatsRange

_O = t.homestay_order.c
_SORT_COLUMNS: dict[str, sa.ColumnElement[Any]] = {
    "create_time": _O.create_time, "id": _O.id, "order_total_price": _O.order_total_price,
    "live_start_date": _O.live_start_date, "pay_time": _O.pay_time,
}


class LocalDay(FunctionElement[Any]):
    """The calendar day of a naive-UTC DATETIME shifted by a fixed number of seconds."""

    inherit_cache = True


@compiles(LocalDay, "sqlite")
def _local_day_sqlite(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    column, offset = list(element.clauses)
    return (f"date({compiler.process(column, **kw)}, "
            f"({compiler.process(offset, **kw)}) || ' seconds')")


@compiles(LocalDay)
def _local_day_mysql(element: LocalDay, compiler: SQLCompiler, **kw: Any) -> str:
    column, offset = list(element.clauses)
    return (f"DATE(DATE_ADD({compiler.process(column, **kw)}, "
            f"INTERVAL {compiler.process(offset, **kw)} SECOND))")


def _as_date(value: Any) -> date:
    # MariaDB returns a date, SQLite the ISO text.
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _conditions(flt: OrderFilter) -> list[sa.ColumnElement[bool]]:
    where: list[sa.ColumnElement[bool]] = []
    if flt.trade_state is not None:
        where.append(_O.trade_state == flt.trade_state)
    if flt.user_id is not None:
        where.append(_O.user_id == flt.user_id)
    if flt.homestay_id is not None:
        where.append(_O.homestay_id == flt.homestay_id)
    if flt.sn is not None:
        where.append(_O.sn == flt.sn)
    if flt.created_from is not None:
        where.append(_O.create_time >= to_datetime(flt.created_from))
    if flt.created_to is not None:
        where.append(_O.create_time <= to_datetime(flt.created_to))
    return where


class SqlOrderQueries:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def list_orders(self, flt: OrderFilter, page: PageRequest) -> tuple[int, list[Order]]:
        where = _conditions(flt)
        total = await self._conn.scalar(
            sa.select(sa.func.count()).select_from(t.homestay_order).where(*where))
        column = _SORT_COLUMNS[flt.sort_field]
        order_by = [column.desc(), _O.id.desc()] if flt.descending else [column.asc(), _O.id.asc()]
        rows = await self._conn.execute(sa.select(t.homestay_order).where(*where)
                                        .order_by(*order_by).limit(page.size)
                                        .offset(page.offset))
        return int(total or 0), [order_from_row(r) for r in rows]

    async def created_counts(self, window: StatsRange) -> list[CreatedCount]:
        day = LocalDay(_O.create_time, sa.literal(window.utc_offset, sa.Integer()))
        stmt = (sa.select(day.label("day"), _O.trade_state, sa.func.count().label("n"))
                .where(_O.create_time >= to_datetime(window.start),
                       _O.create_time < to_datetime(window.end))
                .group_by(day, _O.trade_state))
        return [CreatedCount(day=_as_date(r.day), trade_state=int(r.trade_state), count=int(r.n))
                for r in await self._conn.execute(stmt)]

    async def paid_sums(self, window: StatsRange) -> list[PaidSum]:
        day = LocalDay(_O.pay_time, sa.literal(window.utc_offset, sa.Integer()))
        stmt = (sa.select(day.label("day"), sa.func.count().label("n"),
                          sa.func.sum(_O.order_total_price).label("amount"))
                .where(_O.pay_time >= to_datetime(window.start),
                       _O.pay_time < to_datetime(window.end),
                       _O.trade_state.in_([int(s) for s in REVENUE_STATES]))
                .group_by(day))
        return [PaidSum(day=_as_date(r.day), count=int(r.n), amount=int(r.amount or 0))
                for r in await self._conn.execute(stmt)]


class SettlementRow(msgspec.Struct, frozen=True, kw_only=True):
    id: int
    homestay_business_id: int
    settle_day: date
    order_count: int
    gross: int
    commission_bps: int
    commission: int
    net: int
    create_time: int


async def list_settlements(conn: AsyncConnection, *, day: date | None, business_id: int | None,
                           page: PageRequest) -> tuple[int, list[SettlementRow]]:
    """Settlement records, newest day first; every filter a bound parameter."""
    s = t.settlement_record.c
    where: list[sa.ColumnElement[bool]] = []
    if day is not None:
        where.append(s.settle_day == day)
    if business_id is not None:
        where.append(s.homestay_business_id == business_id)
    total = int((await conn.execute(
        sa.select(sa.func.count()).select_from(t.settlement_record).where(*where))).scalar_one())
    rows = await conn.execute(
        sa.select(t.settlement_record).where(*where)
        .order_by(s.settle_day.desc(), s.homestay_business_id)
        .limit(page.size).offset(page.offset))
    return total, [SettlementRow(
        id=int(r.id), homestay_business_id=int(r.homestay_business_id), settle_day=_as_date(r.settle_day),
        order_count=int(r.order_count), gross=int(r.gross_amount), commission_bps=int(r.commission_bps),
        commission=int(r.commission_amount), net=int(r.net_amount),
        create_time=int(r.create_time.replace(tzinfo=UTC).timestamp())) for r in rows]
