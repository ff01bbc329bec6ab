"""Back-office routes of payment (`/admin/v1/payments`): read-only, any manager."""

from __future__ import annotations

from typing import Annotated, TypeAlias

import msgspec
from litestar import Router, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter

from yys.kit.http.admin import AdminPrincipal
from yys.services.payment.backoffice import PaymentBackoffice, payment_filter
from yys.services.payment.domain import Payment


class AdminPayment(msgspec.Struct, rename="camel", kw_only=True):
    sn: str
    order_sn: str
    user_id: int
    service_type: str
    pay_mode: str
    trade_type: str
    pay_total: float  # yuan
    pay_status: int
    trade_state: str
    transaction_id: str
    pay_time: int
    refund_no: str
    create_time: int


class PaymentList(msgspec.Struct):
    total: int
    items: list[AdminPayment] = msgspec.field(name="list")


def admin_payment(p: Payment) -> AdminPayment:
    return AdminPayment(sn=p.sn, order_sn=p.order_sn, user_id=p.user_id,
                        service_type=p.service_type, pay_mode=p.pay_mode,
                        trade_type=p.trade_type, pay_total=p.pay_total / 100,
                        pay_status=int(p.pay_status), trade_state=p.trade_state,
                        transaction_id=p.transaction_id, pay_time=p.pay_time or 0,
                        refund_no=p.refund_no, create_time=p.create_time)


Backoffice: TypeAlias = NamedDependency[PaymentBackoffice]
Viewer: TypeAlias = NamedDependency[AdminPrincipal]
OptInt: TypeAlias = int | None


@get("/payments", summary="Payments, filtered and paged (newest first)")
async def list_payments(
    *, viewer: Viewer, payments: Backoffice,
    page: OptInt = None,
    page_size: Annotated[OptInt, QueryParameter(name="pageSize")] = None,
    pay_status: Annotated[OptInt, QueryParameter(name="payStatus")] = None,
    order_sn: Annotated[str | None, QueryParameter(name="orderSn")] = None,
    user_id: Annotated[OptInt, QueryParameter(name="userId")] = None,
    created_from: Annotated[OptInt, QueryParameter(name="from")] = None,
    created_to: Annotated[OptInt, QueryParameter(name="to")] = None,
) -> PaymentList:
    flt = payment_filter(pay_status=pay_status, order_sn=order_sn, user_id=user_id,
                         created_from=created_from, created_to=created_to)
    total, found = await payments.list_payments(flt=flt, page=page, size=page_size)
    return PaymentList(total=total, items=[admin_payment(p) for p in found])


@get("/payments/{sn:str}", summary="One payment")
async def get_payment(sn: str, viewer: Viewer, payments: Backoffice) -> AdminPayment:
    return admin_payment(await payments.payment(sn=sn))


def admin_router(backoffice: PaymentBackoffice, *, reader: Provide) -> Router:
    def provide() -> PaymentBackoffice:
        return backoffice

    return Router(path="/admin/v1", route_handlers=[list_payments, get_payment],
                  dependencies={"payments": Provide(provide, sync_to_thread=False),
                                "viewer": reader},
                  tags=["admin: payments"])
