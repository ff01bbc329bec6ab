"""gRPC face of mqueue: delegates to the service's client binding, no logic of its own."""

from __future__ import annotations

from typing import Any

from yys.clients.grpc.mqueue import SPEC, notification_from_pb
from yys.clients.mqueue import MqueueClient
from yys.contracts.grpc.mqueue.v1 import mqueue_pb2 as pb
from yys.contracts.grpc.mqueue.v1.mqueue_pb2_grpc import (
    MqueueServiceServicer,
    add_MqueueServiceServicer_to_server,
)

SERVICE_NAME = SPEC.name
add_to_server = add_MqueueServiceServicer_to_server


class Servicer(MqueueServiceServicer):
    def __init__(self, client: MqueueClient) -> None:
        self._client = client

    async def NotifyUser(self, request: pb.NotifyUserRequest, context: Any) -> pb.NotifyUserResponse:
        notification_id = await self._client.notify_user(notification_from_pb(request.notification))
        return pb.NotifyUserResponse(notification_id=notification_id)
