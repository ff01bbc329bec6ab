"""Sandbox use cases: JSAPI prepay, query, the simulated payment and refunds.

Every use case works on a repository opened by the caller, who commits; scheduling the notify
happens at the boundary after the commit, so a notify never announces an uncommitted payment.
"""

from __future__ import annotations

import time
import uuid

from yys.services.paysandbox.domain import (
    CURRENCY,
    SUCCESS,
    NewTransaction,
    PrepayNotFound,
    Refund,
    RefundAmountInvalid,
    Transaction,
    TransactionNotFound,
    check_refund,
    new_prepay_id,
    new_refund_id,
    new_transaction_id,
    reuse_prepay,
    settle_decision,
    validate_new,
)
from yys.services.paysandbox.ports import SandboxRepository


class SandboxService:
    async def create_jsapi(self, *, repo: SandboxRepository, new: NewTransaction) -> str:
        """The prepay id for `new`; the same unpaid out_trade_no gets the same id back."""
        validate_new(new)
        existing = await repo.get_by_out_trade_no(new.mchid, new.out_trade_no)
        if existing is not None:
            return reuse_prepay(existing, new)
        prepay_id = new_prepay_id()
        if await repo.create(new, prepay_id=prepay_id, notify_id=str(uuid.uuid4())):
            return prepay_id
        winner = await repo.get_by_out_trade_no(new.mchid, new.out_trade_no)
        if winner is None:  # the unique index said it exists; it must be visible now
            raise TransactionNotFound()
        return reuse_prepay(winner, new)

    async def query(self, *, repo: SandboxRepository, mchid: str, out_trade_no: str) -> Transaction:
        """The transaction of this merchant's out_trade_no."""
        txn = await repo.get_by_out_trade_no(mchid, out_trade_no)
        if txn is None:
            raise TransactionNotFound()
        return txn

    async def pay(self, *, repo: SandboxRepository, prepay_id: str, result: str) -> Transaction:
        """Settle the transaction as the payer's wallet would; repeating the same result is a
        no-op, a different one is `AlreadySettled`."""
        txn = await repo.get_by_prepay_id(prepay_id)
        if txn is None:
            raise PrepayNotFound()
        if settle_decision(txn, result):
            paid = result == SUCCESS
            applied = await repo.settle(prepay_id, trade_state=result,
                                        transaction_id=new_transaction_id() if paid else None,
                                        success_time=int(time.time()) if paid else None)
            current = await repo.get_by_prepay_id(prepay_id)
            if current is None:
                raise PrepayNotFound()
            if not applied:  # a concurrent call settled it first: judge against that outcome
                settle_decision(current, result)
            txn = current
        return txn

    async def refund(self, *, repo: SandboxRepository, mchid: str, out_trade_no: str,
                     out_refund_no: str, amount: int, total: int, reason: str,
                     currency: str = CURRENCY) -> Refund:
        """Refund part or all of a paid transaction, idempotent by out_refund_no."""
        existing = await repo.get_refund(mchid, out_refund_no)
        if existing is not None:
            return _same_refund(existing, out_trade_no=out_trade_no, amount=amount)
        txn = await repo.get_by_out_trade_no(mchid, out_trade_no)
        if txn is None:
            raise TransactionNotFound()
        check_refund(txn, amount=amount, total=total)
        refund = Refund(refund_id=new_refund_id(), out_refund_no=out_refund_no,
                        out_trade_no=out_trade_no, transaction_id=txn.transaction_id or "",
                        amount=amount, total=total, currency=currency, reason=reason[:80],
                        status=SUCCESS, create_time=int(time.time()))
        if await repo.add_refund(mchid, refund):
            return refund
        raced = await repo.get_refund(mchid, out_refund_no)
        if raced is not None:
            return _same_refund(raced, out_trade_no=out_trade_no, amount=amount)
        raise RefundAmountInvalid("refund exceeds the paid amount")


def _same_refund(refund: Refund, *, out_trade_no: str, amount: int) -> Refund:
    if (refund.out_trade_no, refund.amount) != (out_trade_no, amount):
        raise RefundAmountInvalid("out_refund_no already used with other parameters")
    return refund
