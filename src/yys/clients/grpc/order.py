"""`OrderClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares."""

from __future__ import annotations

from yys.contracts.grpc.order.v1 import order_pb2 as pb
from yys.contracts.grpc.order.v1.order_pb2_grpc import OrderServiceStub
from yys.contracts.trade import OrderView
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.order.v1.OrderService", idempotent=frozenset({"GetOrder"}))

_FIELDS = tuple(OrderView.__struct_fields__)


def order_to_pb(o: OrderView) -> pb.OrderView:
    return pb.OrderView(**{f: getattr(o, f) for f in _FIELDS})


def order_from_pb(m: pb.OrderView) -> OrderView:
    return OrderView(**{f: getattr(m, f) for f in _FIELDS})


class RemoteOrderClient:
    def __init__(self, remote: RemoteService[OrderServiceStub]) -> None:
        self._remote = remote

    async def get_order(self, sn: str) -> OrderView | None:
        reply = await self._remote.call(self._remote.stub.GetOrder, pb.GetOrderRequest(sn=sn))
        return order_from_pb(reply.order) if reply.found else None
