"""The admin consumer of `admin-audit` (group `admin-audit`): every service's audit entries."""

from __future__ import annotations

import asyncio
import logging

import msgspec

from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Bus, ConsumerGroup, Event
from yys.services.admin.audit import AuditService

log = logging.getLogger(__name__)

GROUP_ID = "admin-audit"


def decode_audit_event(event: Event) -> AuditEntry:
    """Raises on a malformed payload: after the bus retries it lands on the dead-letter topic."""
    return msgspec.convert(event.payload, AuditEntry)


class AuditEntryHandler:
    """Stores entries by event id, so at-least-once delivery stores each entry once."""

    def __init__(self, audit: AuditService) -> None:
        self._audit = audit

    async def __call__(self, event: Event) -> None:
        entry = decode_audit_event(event)
        if not await self._audit.record(entry=entry, event_id=event.id):
            log.info("audit entry already stored", extra={"event_id": event.id})


class AuditConsumer:
    """Joins the group only when the consumer role actually runs: on the in-process bus a
    registered group that never consumes would hold every publish of the topic."""

    def __init__(self, bus: Bus, handler: AuditEntryHandler) -> None:
        self._bus = bus
        self._handler = handler
        self._member: ConsumerGroup | None = None
        self._stopped = asyncio.Event()

    async def run(self) -> None:
        if self._stopped.is_set():
            return
        self._member = self._bus.subscribe(group_id=GROUP_ID, topics=[TOPIC_ADMIN_AUDIT],
                                           handler=self._handler)
        await self._member.run()

    async def stop(self) -> None:
        self._stopped.set()
        if self._member is not None:
            await self._member.stop()

    def joined(self) -> bool:
        """Ready once the group member took its partitions (see `BackgroundTask.ready`)."""
        return self._member is not None and self._member.joined
