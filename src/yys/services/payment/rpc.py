"""gRPC face of payment: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.grpc.payment import SPEC, payment_to_pb, view_to_pb
from yys.clients.payment import PaymentClient
from yys.contracts.grpc.payment.v1 import payment_pb2 as pb
from yys.contracts.grpc.payment.v1.payment_pb2_grpc import (
    PaymentServiceServicer,
    add_PaymentServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_PaymentServiceServicer_to_server


class Servicer(PaymentServiceServicer):
    def __init__(self, client: PaymentClient) -> None:
        self._client = client

    async def GetPaidPayment(self, request: pb.GetPaidPaymentRequest, context: Any) -> pb.PaymentResponse:
        return payment_to_pb(await self._client.get_paid_payment(request.order_sn))

    async def RefundOrderPayment(self, request: pb.RefundOrderPaymentRequest,
                                 context: Any) -> pb.PaymentResponse:
        return payment_to_pb(await self._client.refund_order_payment(request.order_sn,
                                                                     reason=request.reason))

    async def ListPayments(self, request: pb.ListPaymentsRequest,
                           context: Any) -> pb.ListPaymentsResponse:
        found = await self._client.list_payments(request.order_sn)
        return pb.ListPaymentsResponse(payments=[view_to_pb(p) for p in found])

    async def ReconcileOrderPayment(self, request: pb.ReconcileOrderPaymentRequest,
                                    context: Any) -> pb.PaymentResponse:
        return payment_to_pb(await self._client.reconcile_order_payment(request.order_sn))
