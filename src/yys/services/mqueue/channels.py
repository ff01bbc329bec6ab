"""Delivery channels: a structured log line (always) and an optional webhook."""

from __future__ import annotations

import aiohttp
import structlog

from yys.services.mqueue.domain import Notification

log = structlog.get_logger("yys.mqueue")


class LogChannel:
    name = "log"
    inline = True  # a local log line: sent inside the recording transaction

    async def send(self, notification: Notification) -> None:
        log.info("user notified", user_id=notification.user_id, kind=notification.kind,
                 notification_id=notification.id, title=notification.title)


class WebhookError(Exception):
    pass


class WebhookChannel:
    """POSTs the notification as JSON; any non-2xx answer is a failure the job retries."""

    name = "webhook"

    def __init__(self, url: str, *, timeout: float = 5.0) -> None:
        self._url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def send(self, notification: Notification) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        payload = {
            "id": notification.id, "userId": notification.user_id, "kind": notification.kind,
            "title": notification.title, "body": notification.body, "data": notification.data,
            "createTime": notification.created_at,
        }
        async with self._session.post(self._url, json=payload,
                                      headers={"Idempotency-Key": notification.dedup_key}) as resp:
            if resp.status >= 300:
                raise WebhookError(f"webhook answered {resp.status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
