from __future__ import annotations

from dataclasses import replace

import pytest

from tests.unit.services.paysandbox.fakes import FakeSandboxRepository
from yys.services.paysandbox.domain import (
    AlreadySettled,
    InvalidPayResult,
    InvalidRequest,
    NewTransaction,
    OutTradeNoUsed,
    PrepayNotFound,
    RefundAmountInvalid,
    RefundNotAllowed,
    TransactionNotFound,
    transaction_resource,
)
from yys.services.paysandbox.service import SandboxService

NEW = NewTransaction(appid="wx", mchid="190", description="d", out_trade_no="PMT000001",
                     notify_url="http://127.0.0.1/cb", total=300, currency="CNY", payer_openid="o")


@pytest.fixture
def repo() -> FakeSandboxRepository:
    return FakeSandboxRepository()


service = SandboxService()


async def test_same_unpaid_out_trade_no_gets_the_same_prepay_id(repo: FakeSandboxRepository) -> None:
    first = await service.create_jsapi(repo=repo, new=NEW)
    assert await service.create_jsapi(repo=repo, new=NEW) == first
    with pytest.raises(OutTradeNoUsed):
        await service.create_jsapi(repo=repo, new=replace(NEW, total=301))
    await service.pay(repo=repo, prepay_id=first, result="SUCCESS")
    with pytest.raises(AlreadySettled):
        await service.create_jsapi(repo=repo, new=NEW)


@pytest.mark.parametrize("change", [{"out_trade_no": "short"}, {"total": 0}, {"currency": "USD"},
                                    {"notify_url": "ftp://x"}, {"payer_openid": ""}])
async def test_invalid_requests(repo: FakeSandboxRepository, change: dict[str, object]) -> None:
    with pytest.raises(InvalidRequest):
        await service.create_jsapi(repo=repo, new=replace(NEW, **change))  # type: ignore[arg-type]


async def test_pay_settles_once(repo: FakeSandboxRepository) -> None:
    prepay_id = await service.create_jsapi(repo=repo, new=NEW)
    paid = await service.pay(repo=repo, prepay_id=prepay_id, result="SUCCESS")
    assert paid.trade_state == "SUCCESS" and paid.transaction_id and paid.success_time
    again = await service.pay(repo=repo, prepay_id=prepay_id, result="SUCCESS")
    assert again == paid  # idempotent: same transaction id, nothing new
    with pytest.raises(AlreadySettled):
        await service.pay(repo=repo, prepay_id=prepay_id, result="PAYERROR")
    with pytest.raises(PrepayNotFound):
        await service.pay(repo=repo, prepay_id="wx-unknown", result="SUCCESS")
    with pytest.raises(InvalidPayResult):
        await service.pay(repo=repo, prepay_id=prepay_id, result="MAYBE")


async def test_payerror(repo: FakeSandboxRepository) -> None:
    prepay_id = await service.create_jsapi(repo=repo, new=NEW)
    failed = await service.pay(repo=repo, prepay_id=prepay_id, result="PAYERROR")
    assert (failed.trade_state, failed.transaction_id) == ("PAYERROR", None)
    body = transaction_resource(failed, str)
    assert body["amount"]["payer_total"] == 0 and "success_time" not in body
    with pytest.raises(RefundNotAllowed):
        await service.refund(repo=repo, mchid="190", out_trade_no=NEW.out_trade_no,
                             out_refund_no="R1", amount=300, total=300, reason="")


async def test_refunds_are_idempotent_and_bounded(repo: FakeSandboxRepository) -> None:
    prepay_id = await service.create_jsapi(repo=repo, new=NEW)
    await service.pay(repo=repo, prepay_id=prepay_id, result="SUCCESS")

    async def refund(no: str, amount: int, total: int = 300) -> object:
        return await service.refund(repo=repo, mchid="190", out_trade_no=NEW.out_trade_no,
                                    out_refund_no=no, amount=amount, total=total, reason="r")

    first = await refund("R1", 200)
    assert await refund("R1", 200) == first
    with pytest.raises(RefundAmountInvalid):
        await refund("R1", 100)  # same out_refund_no, other amount
    with pytest.raises(RefundAmountInvalid):
        await refund("R2", 101)  # more than what is left
    with pytest.raises(RefundAmountInvalid):
        await refund("R3", 10, total=999)
    await refund("R4", 100)
    assert repo.txns[prepay_id].refunded == 300
    with pytest.raises(TransactionNotFound):
        await service.refund(repo=repo, mchid="190", out_trade_no="PMT-NONE", out_refund_no="R9",
                             amount=1, total=1, reason="")
