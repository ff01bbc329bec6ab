"""What the notification use cases need from the outside world."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.mqueue import UserNotification
from yys.services.mqueue.domain import Notification


class NotificationRepository(Protocol):
    async def insert_if_absent(self, item: UserNotification, *, now: int, delivered: str = ""
                               ) -> tuple[Notification, bool]:
        """Store it (as already `delivered` through those channels) unless a record with the
        same dedup key exists; returns (record, created)."""
        ...

    async def mark_delivered(self, notification_id: int, channels: str) -> None: ...

    async def list_for_user(self, user_id: int, *, limit: int) -> list[Notification]: ...


class Channel(Protocol):
    """A channel may also set `inline = True` when sending cannot block or half-fail (a log
    line): it is then sent inside the recording transaction (`MqueueService.record`)."""

    name: str

    async def send(self, notification: Notification) -> None:
        """Deliver or raise; the job retries on failure."""
        ...
