"""In-memory fake of the sandbox repository (no monkeypatching)."""

from __future__ import annotations

from dataclasses import replace

from yys.services.paysandbox.domain import NOTPAY, REFUND, NewTransaction, Refund, Transaction


class FakeSandboxRepository:
    def __init__(self) -> None:
        self.txns: dict[str, Transaction] = {}
        self.refunds: dict[str, Refund] = {}

    async def get_by_out_trade_no(self, mchid: str, out_trade_no: str) -> Transaction | None:
        return next((t for t in self.txns.values()
                     if (t.mchid, t.out_trade_no) == (mchid, out_trade_no)), None)

    async def get_by_prepay_id(self, prepay_id: str) -> Transaction | None:
        return self.txns.get(prepay_id)

    async def create(self, new: NewTransaction, *, prepay_id: str, notify_id: str) -> bool:
        if await self.get_by_out_trade_no(new.mchid, new.out_trade_no) is not None:
            return False
        self.txns[prepay_id] = Transaction(
            prepay_id=prepay_id, appid=new.appid, mchid=new.mchid, description=new.description,
            out_trade_no=new.out_trade_no, notify_url=new.notify_url, total=new.total,
            currency=new.currency, payer_openid=new.payer_openid, trade_state=NOTPAY,
            transaction_id=None, success_time=None, refunded=0, notify_id=notify_id,
            notified=False, create_time=0)
        return True

    async def settle(self, prepay_id: str, *, trade_state: str, transaction_id: str | None,
                     success_time: int | None) -> bool:
        txn = self.txns[prepay_id]
        if txn.trade_state != NOTPAY:
            return False
        self.txns[prepay_id] = replace(txn, trade_state=trade_state, transaction_id=transaction_id,
                                       success_time=success_time)
        return True

    async def mark_notified(self, prepay_id: str) -> None:
        self.txns[prepay_id] = replace(self.txns[prepay_id], notified=True)

    async def count_notify_attempt(self, prepay_id: str) -> None:
        return None

    async def get_refund(self, mchid: str, out_refund_no: str) -> Refund | None:
        return self.refunds.get(out_refund_no)

    async def add_refund(self, mchid: str, refund: Refund) -> bool:
        txn = await self.get_by_out_trade_no(mchid, refund.out_trade_no)
        if txn is None or refund.out_refund_no in self.refunds or txn.refunded + refund.amount > txn.total:
            return False
        self.txns[txn.prepay_id] = replace(txn, refunded=txn.refunded + refund.amount, trade_state=REFUND)
        self.refunds[refund.out_refund_no] = refund
        return True
