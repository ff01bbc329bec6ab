"""gRPC face of travel: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.grpc.travel import SPEC, homestay_to_pb
from yys.clients.travel import TravelClient
from yys.contracts.grpc.travel.v1 import travel_pb2 as pb
from yys.contracts.grpc.travel.v1.travel_pb2_grpc import (
    TravelServiceServicer,
    add_TravelServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_TravelServiceServicer_to_server


class Servicer(TravelServiceServicer):
    def __init__(self, client: TravelClient) -> None:
        self._client = client

    async def GetHomestay(self, request: pb.GetHomestayRequest, context: Any) -> pb.GetHomestayResponse:
        found = await self._client.get_homestay(request.homestay_id)
        if found is None:
            return pb.GetHomestayResponse(found=False)
        return pb.GetHomestayResponse(found=True, homestay=homestay_to_pb(found))
