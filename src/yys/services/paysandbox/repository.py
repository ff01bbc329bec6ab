"""SQL adapter of `SandboxRepository` on one `AsyncConnection` (the caller's transaction)."""

from __future__ import annotations

import time
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from yys.services.paysandbox import tables as t
from yys.services.paysandbox.domain import NOTPAY, NewTransaction, Refund, Transaction


def _txn(row: Any) -> Transaction:
    return Transaction(
        prepay_id=row.prepay_id, appid=row.appid, mchid=row.mchid, description=row.description,
        out_trade_no=row.out_trade_no, notify_url=row.notify_url, total=int(row.total),
        currency=row.currency, payer_openid=row.payer_openid, trade_state=row.trade_state,
        transaction_id=row.transaction_id,
        success_time=None if row.success_time is None else int(row.success_time),
        refunded=int(row.refunded), notify_id=row.notify_id, notified=row.notified_at is not None,
        create_time=int(row.create_time),
    )


def _refund(row: Any) -> Refund:
    return Refund(refund_id=row.refund_id, out_refund_no=row.out_refund_no,
                  out_trade_no=row.out_trade_no, transaction_id=row.transaction_id,
                  amount=int(row.amount), total=int(row.total), currency=row.currency,
                  reason=row.reason, status=row.status, create_time=int(row.create_time))


class SqlSandboxRepository:
    def __init__(self, conn: AsyncConnection) -> None:
        self._conn = conn

    async def _one(self, where: sa.ColumnElement[bool]) -> Transaction | None:
        row = (await self._conn.execute(sa.select(t.transaction).where(where))).first()
        return None if row is None else _txn(row)

    async def get_by_out_trade_no(self, mchid: str, out_trade_no: str) -> Transaction | None:
        c = t.transaction.c
        return await self._one(sa.and_(c.mchid == mchid, c.out_trade_no == out_trade_no))

    async def get_by_prepay_id(self, prepay_id: str) -> Transaction | None:
        return await self._one(t.transaction.c.prepay_id == prepay_id)

    async def create(self, new: NewTransaction, *, prepay_id: str, notify_id: str) -> bool:
        now = int(time.time())
        stmt = sa.insert(t.transaction).values(
            prepay_id=prepay_id, appid=new.appid, mchid=new.mchid, out_trade_no=new.out_trade_no,
            description=new.description, notify_url=new.notify_url, total=new.total,
            currency=new.currency, payer_openid=new.payer_openid, trade_state=NOTPAY, refunded=0,
            notify_id=notify_id, notify_attempts=0, create_time=now, update_time=now)
        try:
            # MariaDB and SQLite undo only the failed statement, so the caller's transaction
            # stays usable (no savepoint: pysqlite's SAVEPOINT handling is unreliable).
            await self._conn.execute(stmt)
        except IntegrityError:
            return False
        return True

    async def settle(self, prepay_id: str, *, trade_state: str, transaction_id: str | None,
                     success_time: int | None) -> bool:
        c = t.transaction.c
        stmt = (sa.update(t.transaction)
                .where(c.prepay_id == prepay_id, c.trade_state == NOTPAY)
                .values(trade_state=trade_state, transaction_id=transaction_id,
                        success_time=success_time, update_time=int(time.time())))
        return bool((await self._conn.execute(stmt)).rowcount)

    async def mark_notified(self, prepay_id: str) -> None:
        c = t.transaction.c
        await self._conn.execute(sa.update(t.transaction)
                                 .where(c.prepay_id == prepay_id, c.notified_at.is_(None))
                                 .values(notified_at=int(time.time())))

    async def count_notify_attempt(self, prepay_id: str) -> None:
        c = t.transaction.c
        await self._conn.execute(sa.update(t.transaction).where(c.prepay_id == prepay_id)
                                 .values(notify_attempts=c.notify_attempts + 1))

    async def get_refund(self, mchid: str, out_refund_no: str) -> Refund | None:
        c = t.refund.c
        row = (await self._conn.execute(
            sa.select(t.refund).where(c.mchid == mchid, c.out_refund_no == out_refund_no))).first()
        return None if row is None else _refund(row)

    async def add_refund(self, mchid: str, refund: Refund) -> bool:
        c = t.transaction.c
        # The guard in the WHERE clause makes concurrent partial refunds unable to overshoot.
        moved = await self._conn.execute(
            sa.update(t.transaction)
            .where(c.mchid == mchid, c.out_trade_no == refund.out_trade_no,
                   c.refunded + refund.amount <= c.total)
            .values(refunded=c.refunded + refund.amount, trade_state="REFUND",
                    update_time=int(time.time())))
        if not moved.rowcount:
            return False
        try:
            await self._conn.execute(sa.insert(t.refund).values(
                refund_id=refund.refund_id, mchid=mchid, out_refund_no=refund.out_refund_no,
                out_trade_no=refund.out_trade_no, transaction_id=refund.transaction_id,
                amount=refund.amount, total=refund.total, currency=refund.currency,
                reason=refund.reason, status=refund.status, create_time=refund.create_time))
        except IntegrityError:
            # The same out_refund_no won a race: undo the amount added above.
            await self._conn.execute(sa.update(t.transaction)
                                     .where(c.mchid == mchid, c.out_trade_no == refund.out_trade_no)
                                     .values(refunded=c.refunded - refund.amount))
            return False
        return True
