"""SQL adapter of `PaymentRepository` on one `AsyncConnection` (the caller's transaction)."""

from __future__ import annotations

import time
from typing import Any

import msgspec
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.contracts.trade import TOPIC_PAYMENT_STATUS, PaymentStatusChanged, PayStatus
from yys.kit.events import Event, add_to_outbox
from yys.services.payment import tables as t
from yys.services.payment.domain import NewPayment, Payment

_c = t.payment.c


def _payment(row: Any) -> Payment:
    return Payment(
        sn=row.sn, user_id=int(row.user_id), order_sn=row.order_sn, service_type=row.service_type,
        pay_mode=row.pay_mode, trade_type=row.trade_type, pay_total=int(row.pay_total),
        pay_status=PayStatus(int(row.pay_status)), trade_state=row.trade_state,
        transaction_id=row.transaction_id, prepay_id=row.prepay_id,
        prepay_time=None if row.prepay_time is None else int(row.prepay_time),
        pay_time=None if row.pay_time is None else int(row.pay_time),
        refund_no=row.refund_no, create_time=int(row.create_time),
    )


payment_from_row = _payment

# The callback's statements, built once with bind parameters: per call SQLAlchemy then skips
# building the statement and its cache key and finds the compiled form directly. `_MOVE` takes
# its SET columns from the execute-time parameters (the `w_` ones are the WHERE's).
_BY_SN = sa.select(t.payment).where(_c.sn == sa.bindparam("w_sn"))
_MOVE = sa.update(t.payment).where(_c.sn == sa.bindparam("w_sn"),
                                   _c.pay_status == sa.bindparam("w_from"))


class SqlPaymentRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _first(self, query: sa.Select[Any]) -> Payment | None:
        row = (await self._conn.execute(query)).first()
        return None if row is None else _payment(row)

    async def get_by_sn(self, sn: str) -> Payment | None:
        row = (await self._conn.execute(_BY_SN, {"w_sn": sn})).first()
        return None if row is None else _payment(row)

    async def get_pending(self, order_sn: str) -> Payment | None:
        return await self._first(sa.select(t.payment).where(_c.pending_order_sn == order_sn))

    async def create_pending(self, new: NewPayment) -> bool:
        now = int(time.time())
        stmt = sa.insert(t.payment).values(
            sn=new.sn, user_id=new.user_id, order_sn=new.order_sn, service_type=new.service_type,
            pay_mode=new.pay_mode, trade_type=new.trade_type, pay_total=new.pay_total,
            pay_status=int(PayStatus.WAIT_PAY), pending_order_sn=new.order_sn,
            create_time=now, update_time=now)
        try:
            # MariaDB and SQLite undo only the failed statement; the transaction stays usable.
            await self._conn.execute(stmt)
        except IntegrityError:
            return False
        return True

    async def set_prepay(self, sn: str, *, prepay_id: str, at: int) -> None:
        await self._conn.execute(sa.update(t.payment).where(_c.sn == sn)
                                 .values(prepay_id=prepay_id, prepay_time=at, update_time=at))

    async def _move(self, sn: str, from_status: PayStatus, **values: Any) -> bool:
        params = {"w_sn": sn, "w_from": int(from_status), "update_time": int(time.time()),
                  **values}
        return bool((await self._conn.execute(_MOVE, params)).rowcount)

    async def mark_paid(self, sn: str, *, from_status: PayStatus, transaction_id: str,
                        trade_state: str, pay_time: int) -> bool:
        return await self._move(sn, from_status, pay_status=int(PayStatus.PAID),
                                transaction_id=transaction_id, trade_state=trade_state,
                                pay_time=pay_time, pending_order_sn=None)

    async def mark_failed(self, sn: str, *, trade_state: str) -> bool:
        return await self._move(sn, PayStatus.WAIT_PAY, pay_status=int(PayStatus.FAILED),
                                trade_state=trade_state, pending_order_sn=None)

    async def mark_refunded(self, sn: str, *, refund_no: str, at: int) -> bool:
        return await self._move(sn, PayStatus.PAID, pay_status=int(PayStatus.REFUNDED),
                                refund_no=refund_no, refund_time=at, trade_state="REFUND")

    async def get_settled_for_order(self, order_sn: str) -> Payment | None:
        settled = (int(PayStatus.PAID), int(PayStatus.REFUNDED))
        return await self._first(sa.select(t.payment)
                                 .where(_c.order_sn == order_sn, _c.pay_status.in_(settled))
                                 .order_by(_c.pay_time, _c.id).limit(1))

    async def list_for_order(self, order_sn: str) -> list[Payment]:
        rows = await self._conn.execute(sa.select(t.payment).where(_c.order_sn == order_sn)
                                        .order_by(_c.id))
        return [_payment(r) for r in rows]

    async def add_status_event(self, event: PaymentStatusChanged) -> None:
        await add_to_outbox(self._conn, t.outbox, Event(
            topic=TOPIC_PAYMENT_STATUS, key=event.order_sn, payload=msgspec.to_builtins(event)))
