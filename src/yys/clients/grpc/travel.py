"""`TravelClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares."""

from __future__ import annotations

from yys.contracts.grpc.travel.v1 import travel_pb2 as pb
from yys.contracts.grpc.travel.v1.travel_pb2_grpc import TravelServiceStub
from yys.contracts.travel import HomestaySnapshot
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.travel.v1.TravelService", idempotent=frozenset({"GetHomestay"}))

# Same field names on both sides by design; the list keeps the conversion explicit and checked.
_FIELDS = tuple(HomestaySnapshot.__struct_fields__)


def homestay_to_pb(h: HomestaySnapshot) -> pb.HomestaySnapshot:
    return pb.HomestaySnapshot(**{f: getattr(h, f) for f in _FIELDS})


def homestay_from_pb(m: pb.HomestaySnapshot) -> HomestaySnapshot:
    return HomestaySnapshot(**{f: getattr(m, f) for f in _FIELDS})


class RemoteTravelClient:
    def __init__(self, remote: RemoteService[TravelServiceStub]) -> None:
        self._remote = remote

    async def get_homestay(self, homestay_id: int) -> HomestaySnapshot | None:
        reply = await self._remote.call(self._remote.stub.GetHomestay,
                                        pb.GetHomestayRequest(homestay_id=homestay_id))
        return homestay_from_pb(reply.homestay) if reply.found else None
