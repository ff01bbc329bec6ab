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
        """Store the notification once; a redelivered job finds the existing record.

        Inline channels (`inline = True`: the log line, nothing to wait for) are sent here,
        inside the caller's recording transaction, and the record is stored as delivered
        through them: no second transaction to mark them. Should that transaction not commit,
        the job runs again and so do they: at-least-once, as for every channel."""
        validate(user_id=item.user_id, kind=item.kind, title=item.title, body=item.body,
                 dedup_key=item.dedup_key)
        inline = [c for c in self._channels if getattr(c, "inline", False)]
        notification, created = await repo.insert_if_absent(
            item, now=int(self._clock()), delivered=",".join(c.name for c in inline))
        if created:
            for channel in inline:
                try:
                    await channel.send(notification)
                except Exception:
                    notification_sent(channel.name, ok=False)
                    raise  # the record is not committed; the job retries
                notification_sent(channel.name, ok=True)
        return notification, created

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
