"""SQL adapter of `OrderRepository` on one `AsyncConnection` (the caller's transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Event, add_to_outbox
from yys.services.order import tables as t
from yys.services.order.backoffice_rules import RefundRequest
from yys.services.order.domain import (
    HomestayTerms,
    NewOrder,
    Order,
    Payment,
    Price,
)
from yys.services.order.ports import IdempotencyRecord
from yys.services.order.settlement import BusinessTotal, Settlement

_O = t.homestay_order.c
_K = t.idempotency_key.c
_R = t.refund_request.c
_TEXT_MAX = 255


def to_datetime(unix: int) -> datetime:
    # Stored naive in UTC: SQLite has no time zones and MariaDB DATETIME none either.
    return datetime.fromtimestamp(unix, UTC).replace(tzinfo=None)


def to_unix(value: datetime | None) -> int:
    return 0 if value is None else int(value.replace(tzinfo=UTC).timestamp())


def now_utc() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, microsecond=0)


def _order(row: Any) -> Order:
    homestay = HomestayTerms(
        id=int(row.homestay_id), title=row.title, sub_title=row.sub_title, cover=row.cover,
        info=row.info, people_num=int(row.people_num), row_type=int(row.row_type),
        food_info=row.food_info, food_price=int(row.food_price),
        homestay_price=int(row.homestay_price),
        market_homestay_price=int(row.market_homestay_price),
        homestay_business_id=int(row.homestay_business_id),
        homestay_user_id=int(row.homestay_user_id),
    )
    price = Price(homestay_total=int(row.homestay_total_price),
                  food_total=int(row.food_total_price), order_total=int(row.order_total_price))
    return Order(
        id=int(row.id), sn=row.sn, user_id=int(row.user_id), homestay=homestay,
        need_food=bool(row.need_food), live_start=to_unix(row.live_start_date),
        live_end=to_unix(row.live_end_date), live_people_num=int(row.live_people_num),
        trade_state=int(row.trade_state), trade_code=row.trade_code, remark=row.remark,
        price=price, create_time=to_unix(row.create_time), pay_time=to_unix(row.pay_time),
        pay_type=row.pay_type, pay_sn=row.pay_sn, pay_note=row.pay_note, version=int(row.version),
        update_time=to_unix(row.update_time),
    )


order_from_row = _order


def _refund(row: Any) -> RefundRequest:
    return RefundRequest(order_sn=row.order_sn, reason=row.reason, requested_by=row.requested_by,
                         done=int(row.state) == 1, attempts=int(row.attempts),
                         last_error=row.last_error, pay_sn=row.pay_sn,
                         create_time=to_unix(row.create_time), done_time=to_unix(row.done_time))


def _order_values(order: NewOrder) -> dict[str, Any]:
    h = order.homestay
    created = to_datetime(order.create_time)
    return {
        "sn": order.sn, "user_id": order.user_id, "homestay_id": h.id, "title": h.title,
        "sub_title": h.sub_title, "cover": h.cover, "info": h.info, "people_num": h.people_num,
        "row_type": h.row_type, "need_food": order.need_food, "food_info": h.food_info,
        "food_price": h.food_price, "homestay_price": h.homestay_price,
        "market_homestay_price": h.market_homestay_price,
        "homestay_business_id": h.homestay_business_id, "homestay_user_id": h.homestay_user_id,
        "live_start_date": to_datetime(order.live_start),
        "live_end_date": to_datetime(order.live_end), "live_people_num": order.live_people_num,
        "trade_state": 0, "trade_code": order.trade_code, "remark": order.remark,
        "order_total_price": order.price.order_total, "food_total_price": order.price.food_total,
        "homestay_total_price": order.price.homestay_total, "create_time": created,
        "update_time": created, "version": 0,
    }


# Built once: values travel as execute-time parameters, so SQLAlchemy reuses one compiled
# statement instead of coercing 30 `.values()` per order (the bulk of an insert's CPU).
_INSERT_ORDER = t.homestay_order.insert()
# The payment consumer's statements, built once with bind parameters for the same reason (the
# `w_` ones are the WHERE's; the other parameters become SET columns).
_BY_SN = sa.select(t.homestay_order).where(_O.sn == sa.bindparam("w_sn"))
_PAY = (sa.update(t.homestay_order)
        .where(_O.sn == sa.bindparam("w_sn"), _O.trade_state == 0,
               _O.order_total_price == sa.bindparam("w_total"))
        .values(version=_O.version + 1))


def _changed(**values: Any) -> dict[str, Any]:
    return {**values, "update_time": now_utc(), "version": _O.version + 1}


class SqlOrderRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def insert(self, order: NewOrder) -> int:
        result = await self._conn.execute(_INSERT_ORDER, _order_values(order))
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT always reports its key
        return int(key[0])

    async def get_by_sn(self, sn: str) -> Order | None:
        row = (await self._conn.execute(_BY_SN, {"w_sn": sn})).first()
        return None if row is None else _order(row)

    async def list_for_user(self, user_id: int, *, trade_state: int | None, before_id: int | None,
                            limit: int) -> list[Order]:
        query = sa.select(t.homestay_order).where(_O.user_id == user_id)
        if trade_state is not None:
            query = query.where(_O.trade_state == trade_state)
        if before_id is not None:
            query = query.where(_O.id < before_id)
        rows = await self._conn.execute(query.order_by(_O.id.desc()).limit(limit))
        return [_order(r) for r in rows]

    async def transition(self, sn: str, *, from_state: int, to_state: int) -> bool:
        stmt = (sa.update(t.homestay_order)
                .where(_O.sn == sn, _O.trade_state == from_state)
                .values(**_changed(trade_state=to_state)))
        return bool((await self._conn.execute(stmt)).rowcount == 1)

    async def mark_paid(self, payment: Payment) -> bool:
        params = {"w_sn": payment.order_sn, "w_total": payment.total, "trade_state": 1,
                  "pay_sn": payment.pay_sn, "pay_type": payment.pay_type,
                  "pay_time": to_datetime(payment.pay_time), "update_time": now_utc()}
        return bool((await self._conn.execute(_PAY, params)).rowcount == 1)

    async def note_payment(self, sn: str, *, pay_sn: str, note: str) -> None:
        note = note[:255]
        # Unchanged on a redelivery of the same payment: no version bump, nothing to see.
        stmt = (sa.update(t.homestay_order)
                .where(_O.sn == sn, sa.not_(sa.and_(_O.pay_sn == pay_sn, _O.pay_note == note)))
                .values(**_changed(pay_sn=pay_sn, pay_note=note)))
        await self._conn.execute(stmt)

    async def wait_pay_created_before(self, cutoff: int, *, limit: int) -> list[str]:
        stmt = (sa.select(_O.sn)
                .where(_O.trade_state == 0, _O.create_time < to_datetime(cutoff))
                .order_by(_O.create_time).limit(limit))
        return [str(sn) for sn in (await self._conn.execute(stmt)).scalars()]

    async def count_wait_pay_created_before(self, cutoff: int) -> int:
        stmt = (sa.select(sa.func.count()).select_from(t.homestay_order)
                .where(_O.trade_state == 0, _O.create_time < to_datetime(cutoff)))
        return int((await self._conn.execute(stmt)).scalar_one())

    async def claim_idempotency_key(self, *, user_id: int, key: str, fingerprint: str,
                                    order_sn: str) -> IdempotencyRecord | None:
        stmt = t.idempotency_key.insert().values(user_id=user_id, idem_key=key,
                                                 request_hash=fingerprint, order_sn=order_sn,
                                                 create_time=now_utc())
        try:
            # A concurrent holder of the same key makes this wait for its commit, then fail.
            await self._conn.execute(stmt)
        except IntegrityError:
            existing = await self.find_idempotency_key(user_id=user_id, key=key)
            if existing is None:  # the unique index fired, so the row is there to read
                raise
            return existing
        return None

    async def find_idempotency_key(self, *, user_id: int, key: str) -> IdempotencyRecord | None:
        stmt = sa.select(_K.request_hash, _K.order_sn).where(_K.user_id == user_id,
                                                             _K.idem_key == key)
        row = (await self._conn.execute(stmt)).first()
        return None if row is None else IdempotencyRecord(fingerprint=row.request_hash,
                                                          order_sn=row.order_sn)

    async def used_order_totals(self, *, ended_from: int, ended_before: int) -> list[BusinessTotal]:
        stmt = (sa.select(_O.homestay_business_id, sa.func.count().label("n"),
                          sa.func.sum(_O.order_total_price).label("gross"))
                .where(_O.trade_state == 2, _O.live_end_date >= to_datetime(ended_from),
                       _O.live_end_date < to_datetime(ended_before))
                .group_by(_O.homestay_business_id).order_by(_O.homestay_business_id))
        return [BusinessTotal(business_id=int(r.homestay_business_id), order_count=int(r.n),
                              gross=int(r.gross or 0))
                for r in await self._conn.execute(stmt)]

    async def add_settlements(self, records: Sequence[Settlement]) -> int:
        if not records:
            return 0
        created = now_utc()
        sqlite = self._conn.dialect.name == "sqlite"
        inserted = 0
        for rec in records:
            values = {"homestay_business_id": rec.business_id, "settle_day": rec.day,
                      "order_count": rec.order_count, "gross_amount": rec.gross,
                      "commission_bps": rec.commission_bps, "commission_amount": rec.commission,
                      "net_amount": rec.net, "create_time": created}
            if sqlite:
                # SQLite reports 0 for a row ON CONFLICT DO NOTHING skipped.
                inserted += (await self._conn.execute(self._insert_new(values))).rowcount
                continue
            # MySQL drivers report found rather than changed rows, so an ignored duplicate
            # looks like an insert; and counting before/after sees a concurrent run's rows
            # (READ COMMITTED). A plain insert in a savepoint tells exactly: a concurrent
            # duplicate waits on the unique key, then fails here and is not counted.
            try:
                async with self._conn.begin_nested():
                    await self._conn.execute(t.settlement_record.insert().values(**values))
            except IntegrityError:
                continue
            inserted += 1
        return inserted

    def _insert_new(self, values: dict[str, Any]) -> sa.Executable:
        """SQLite: an INSERT that keeps an existing (business, day) row instead of failing."""
        table = t.settlement_record
        return sqlite.insert(table).values(**values).on_conflict_do_nothing(
            index_elements=["homestay_business_id", "settle_day"])

    # -- expiry ------------------------------------------------------------------------------

    async def wait_use_ended_before(self, cutoff: int, *, limit: int) -> list[str]:
        stmt = (sa.select(_O.sn)
                .where(_O.trade_state == 1, _O.live_end_date < to_datetime(cutoff))
                .order_by(_O.live_end_date).limit(limit))
        return [str(sn) for sn in (await self._conn.execute(stmt)).scalars()]

    async def expire(self, sns: Sequence[str], *, cutoff: int) -> int:
        if not sns:
            return 0
        # The state and end date are checked again: a check-in or refund since the select wins.
        stmt = (sa.update(t.homestay_order)
                .where(_O.sn.in_(list(sns)), _O.trade_state == 1,
                       _O.live_end_date < to_datetime(cutoff))
                .values(**_changed(trade_state=4)))
        return int((await self._conn.execute(stmt)).rowcount)

    # -- back office -------------------------------------------------------------------------

    async def add_audit(self, entry: AuditEntry) -> None:
        await add_to_outbox(self._conn, t.outbox, Event(
            topic=TOPIC_ADMIN_AUDIT, key=f"{entry.resource}:{entry.resource_id}",
            payload=msgspec.to_builtins(entry)))

    async def add_refund_request(self, sn: str, *, reason: str, requested_by: str) -> None:
        await self._conn.execute(t.refund_request.insert().values(
            order_sn=sn, reason=reason[:_TEXT_MAX], requested_by=requested_by[:64], state=0,
            attempts=0, last_error="", pay_sn="", create_time=now_utc()))

    async def get_refund_request(self, sn: str) -> RefundRequest | None:
        row = (await self._conn.execute(sa.select(t.refund_request)
                                        .where(_R.order_sn == sn))).first()
        return None if row is None else _refund(row)

    async def pending_refunds(self, *, created_before: int, limit: int) -> list[RefundRequest]:
        stmt = (sa.select(t.refund_request)
                .where(_R.state == 0, _R.create_time < to_datetime(created_before))
                .order_by(_R.id).limit(limit))
        return [_refund(r) for r in await self._conn.execute(stmt)]

    async def finish_refund(self, sn: str, *, pay_sn: str, note: str = "") -> bool:
        stmt = (sa.update(t.refund_request).where(_R.order_sn == sn, _R.state == 0)
                .values(state=1, pay_sn=pay_sn, done_time=now_utc(), last_error=note[:_TEXT_MAX],
                        attempts=_R.attempts + 1))
        return bool((await self._conn.execute(stmt)).rowcount == 1)

    async def note_refund_attempt(self, sn: str, *, error: str) -> None:
        await self._conn.execute(
            sa.update(t.refund_request).where(_R.order_sn == sn, _R.state == 0)
            .values(attempts=_R.attempts + 1, last_error=error[:_TEXT_MAX]))
