"""The audit log: entries arriving from every service's outbox, and the listing."""

from __future__ import annotations

from yys.contracts.admin import AuditEntry
from yys.services.admin.domain import AuditFilter, AuditRecord, PageRequest
from yys.services.admin.ports import UnitFactory


def record_of(entry: AuditEntry, *, event_id: str) -> AuditRecord:
    return AuditRecord(event_id=event_id, actor_id=entry.actor_id, actor_name=entry.actor_name,
                       action=entry.action, resource=entry.resource, resource_id=entry.resource_id,
                       at=entry.at, before=entry.before, after=entry.after, service=entry.service)


class AuditService:
    def __init__(self, *, reads: UnitFactory, writes: UnitFactory) -> None:
        self._reads = reads
        self._writes = writes

    async def record(self, *, entry: AuditEntry, event_id: str) -> bool:
        """Store one entry; False when this event was stored before (a redelivery)."""
        async with self._writes() as unit:
            return await unit.audit.add(record_of(entry, event_id=event_id))

    async def search(self, *, where: AuditFilter,
                     page: PageRequest) -> tuple[int, list[AuditRecord]]:
        """Newest first."""
        async with self._reads() as unit:
            return await unit.audit.search(where, page)
