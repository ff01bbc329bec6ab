"""The mqueue (notifications) client interface used by other services."""

from __future__ import annotations

from typing import Protocol

from yys.contracts.mqueue import UserNotification


class MqueueClient(Protocol):
    async def notify_user(self, notification: UserNotification) -> int:
        """Record the notification (idempotent by `dedup_key`) and send it through the
        configured channels; returns the notification id."""
        ...
