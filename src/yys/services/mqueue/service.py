"""Notification use cases. Recording is idempotent by dedup key; sending happens per channel."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from yys.contracts.mqueue import UserNotification
from yys.services.mqueue.domain import Notification, validate
from yys.services.mqueue.metrics import notification_sent
from yys.services.mqueue.ports import Channel, NotificationRepository


class MqueueService:
    def __init__(self, *, channels: Sequence[Channel], clock: Callable[[], float] = time.time) -> None:
        self._channels = list(channels)
        self._clock = clock

    async def record(self, repo: NotificationRepository, *, item: UserNotification
                     ) -> tuple[Notification, bool]:
        """Store the notification once; a redelivered job finds the existing record."""
        validate(user_id=item.user_id, kind=item.kind, title=item.title, body=item.body,
                 dedup_key=item.dedup_key)
        return await repo.insert_if_absent(item, now=int(self._clock()))

    def fully_delivered(self, notification: Notification) -> bool:
        done = set(notification.delivered.split(","))
        return all(c.name in done for c in self._channels)

    async def deliver(self, notification: Notification) -> tuple[str, Exception | None]:
        """Send through every channel not done yet. Returns the channels done so far and the
        first failure; the caller stores the progress, then re-raises so its job is retried
        without resending through channels that already worked."""
        done = [c for c in notification.delivered.split(",") if c]
        for channel in self._channels:
            if channel.name in done:
                continue
            try:
                await channel.send(notification)
            except Exception as exc:  # any channel failure means "retry later"
                notification_sent(channel.name, ok=False)
                return ",".join(done), exc
            notification_sent(channel.name, ok=True)
            done.append(channel.name)
        return ",".join(done), None
