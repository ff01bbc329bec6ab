"""`MqueueClient` over gRPC, and the protobuf ↔ contract conversions its servicer shares.

NotifyUser is retried: recording is idempotent by `dedup_key`, so a repeat after a broken
connection returns the same notification id and sends nothing twice once delivered."""

from __future__ import annotations

from yys.contracts.grpc.mqueue.v1 import mqueue_pb2 as pb
from yys.contracts.grpc.mqueue.v1.mqueue_pb2_grpc import MqueueServiceStub
from yys.contracts.mqueue import UserNotification
from yys.kit.rpc import RemoteService, ServiceSpec

SPEC = ServiceSpec("yys.mqueue.v1.MqueueService", idempotent=frozenset({"NotifyUser"}))


def notification_to_pb(n: UserNotification) -> pb.UserNotification:
    return pb.UserNotification(user_id=n.user_id, kind=n.kind, title=n.title, body=n.body,
                               dedup_key=n.dedup_key, data=dict(n.data))


def notification_from_pb(m: pb.UserNotification) -> UserNotification:
    return UserNotification(user_id=m.user_id, kind=m.kind, title=m.title, body=m.body,
                            dedup_key=m.dedup_key, data=dict(m.data))


class RemoteMqueueClient:
    def __init__(self, remote: RemoteService[MqueueServiceStub]) -> None:
        self._remote = remote

    async def notify_user(self, notification: UserNotification) -> int:
        reply = await self._remote.call(
            self._remote.stub.NotifyUser,
            pb.NotifyUserRequest(notification=notification_to_pb(notification)))
        return int(reply.notification_id)
