"""In-process binding of `MqueueClient`."""

from __future__ import annotations

from yys.contracts.mqueue import UserNotification
from yys.kit.db import Database
from yys.services.mqueue.repository import SqlNotificationRepository
from yys.services.mqueue.service import MqueueService


class LocalMqueueClient:
    def __init__(self, db: Database, service: MqueueService) -> None:
        self._db = db
        self._service = service

    async def notify_user(self, notification: UserNotification) -> int:
        async with self._db.unit_of_work() as conn:
            record, _ = await self._service.record(SqlNotificationRepository(conn), item=notification)
        if self._service.fully_delivered(record):
            return record.id
        delivered, error = await self._service.deliver(record)
        if delivered != record.delivered:
            async with self._db.unit_of_work() as conn:
                await SqlNotificationRepository(conn).mark_delivered(record.id, delivered)
        if error is not None:
            raise error
        return record.id
