"""Notify delivery: a delay-queue job POSTs the signed, encrypted notify to the merchant's
notify_url until it answers 2xx with `{"code": "SUCCESS"}`, backing off between attempts."""

from __future__ import annotations

import json
from collections.abc import Callable

import aiohttp
import structlog

from yys.kit.db import Database
from yys.kit.delayqueue import Job
from yys.kit.delayqueue.ports import DelayQueue
from yys.services.paysandbox.identity import SandboxIdentity
from yys.services.paysandbox.repository import SqlSandboxRepository

log = structlog.get_logger("yys.paysandbox")

NOTIFY_JOB = "paysandbox.notify"


class NotifyNotAcknowledgedError(Exception):
    """The receiver did not acknowledge; the worker retries the job later."""


class NotifyDelivery:
    def __init__(self, *, db: Database, queue: DelayQueue, identity: Callable[[], SandboxIdentity],
                 timeout: float) -> None:
        self._db = db
        self._queue = queue
        # Resolved lazily (keys load at startup), hence a zero-argument callable.
        self._identity = identity
        self._timeout = aiohttp.ClientTimeout(total=timeout)
        self._session: aiohttp.ClientSession | None = None

    async def schedule(self, prepay_id: str) -> None:
        """Queue the delivery; the fixed job id keeps one delivery per transaction."""
        await self._queue.enqueue(NOTIFY_JOB, {"prepayId": prepay_id}, job_id=f"notify:{prepay_id}")

    async def handle(self, job: Job) -> None:
        prepay_id = str(job.payload.get("prepayId", ""))
        async with self._db.read() as conn:
            txn = await SqlSandboxRepository(conn).get_by_prepay_id(prepay_id)
        if txn is None or txn.notified:
            return
        identity = self._identity()
        # Re-signed on every attempt, so the receiver's replay window holds for late retries.
        headers, body = identity.notify(txn)
        async with self._db.unit_of_work() as conn:
            await SqlSandboxRepository(conn).count_notify_attempt(prepay_id)
        await self._post(txn.notify_url, headers, body)
        async with self._db.unit_of_work() as conn:
            await SqlSandboxRepository(conn).mark_notified(prepay_id)
        log.info("notify acknowledged", out_trade_no=txn.out_trade_no, attempt=job.attempts)

    async def _post(self, url: str, headers: dict[str, str], body: bytes) -> None:
        if self._session is None:
            self._session = aiohttp.ClientSession(timeout=self._timeout)
        try:
            async with self._session.post(url, data=body, headers={
                    **headers, "Content-Type": "application/json"}) as resp:
                text = await resp.text()
                status = resp.status
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise NotifyNotAcknowledgedError(f"notify_url unreachable: {type(exc).__name__}") from exc
        if not 200 <= status < 300 or _code(text) != "SUCCESS":
            raise NotifyNotAcknowledgedError(f"notify_url answered {status}")

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


def _code(text: str) -> str | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value.get("code") if isinstance(value, dict) else None
