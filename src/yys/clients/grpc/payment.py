"""`PaymentClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares.

Every method is retried like a read because the client contract makes each one idempotent: the
refund number is derived from the payment, so a repeated refund refunds once and answers with the
same payment; reconciling records the provider's answer by a conditional state change. That is
what makes a retry after a broken connection safe.
"""

from __future__ import annotations

from yys.contracts.grpc.payment.v1 import payment_pb2 as pb
from yys.contracts.grpc.payment.v1.payment_pb2_grpc import PaymentServiceStub
from yys.contracts.trade import PaymentView
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.payment.v1.PaymentService",
                   idempotent=frozenset({"GetPaidPayment", "RefundOrderPayment",
                                         "ReconcileOrderPayment", "ListPayments"}))

_FIELDS = tuple(PaymentView.__struct_fields__)


def payment_to_pb(p: PaymentView | None) -> pb.PaymentResponse:
    if p is None:
        return pb.PaymentResponse(found=False)
    return pb.PaymentResponse(found=True, payment=view_to_pb(p))


def payment_from_pb(m: pb.PaymentResponse) -> PaymentView | None:
    if not m.found:
        return None
    return view_from_pb(m.payment)


def view_to_pb(p: PaymentView) -> pb.PaymentView:
    return pb.PaymentView(**{f: getattr(p, f) for f in _FIELDS})


def view_from_pb(m: pb.PaymentView) -> PaymentView:
    return PaymentView(**{f: getattr(m, f) for f in _FIELDS})


class RemotePaymentClient:
    def __init__(self, remote: RemoteService[PaymentServiceStub]) -> None:
        self._remote = remote

    async def get_paid_payment(self, order_sn: str) -> PaymentView | None:
        reply = await self._remote.call(self._remote.stub.GetPaidPayment,
                                        pb.GetPaidPaymentRequest(order_sn=order_sn))
        return payment_from_pb(reply)

    async def refund_order_payment(self, order_sn: str, *, reason: str) -> PaymentView | None:
        reply = await self._remote.call(self._remote.stub.RefundOrderPayment,
                                        pb.RefundOrderPaymentRequest(order_sn=order_sn, reason=reason))
        return payment_from_pb(reply)

    async def list_payments(self, order_sn: str) -> list[PaymentView]:
        reply = await self._remote.call(self._remote.stub.ListPayments,
                                        pb.ListPaymentsRequest(order_sn=order_sn))
        return [view_from_pb(m) for m in reply.payments]

    async def reconcile_order_payment(self, order_sn: str) -> PaymentView | None:
        reply = await self._remote.call(self._remote.stub.ReconcileOrderPayment,
                                        pb.ReconcileOrderPaymentRequest(order_sn=order_sn))
        return payment_from_pb(reply)
