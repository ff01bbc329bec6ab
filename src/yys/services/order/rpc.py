"""gRPC face of order: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.grpc.order import SPEC, order_to_pb
from yys.clients.order import OrderClient
from yys.contracts.grpc.order.v1 import order_pb2 as pb
from yys.contracts.grpc.order.v1.order_pb2_grpc import (
    OrderServiceServicer,
    add_OrderServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_OrderServiceServicer_to_server


class Servicer(OrderServiceServicer):
    def __init__(self, client: OrderClient) -> None:
        self._client = client

    async def GetOrder(self, request: pb.GetOrderRequest, context: Any) -> pb.GetOrderResponse:
        found = await self._client.get_order(request.sn)
        if found is None:
            return pb.GetOrderResponse(found=False)
        return pb.GetOrderResponse(found=True, order=order_to_pb(found))
