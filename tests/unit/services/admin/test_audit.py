"""The audit consumer's handler and the listing, over in-memory fakes."""

from __future__ import annotations

import msgspec
import pytest

from tests.unit.services.admin.fakes import Store, Units
from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Event
from yys.services.admin.audit import AuditService
from yys.services.admin.consumers import AuditEntryHandler
from yys.services.admin.domain import AuditFilter, PageRequest


def entry_event(**kw: object) -> Event:
    values: dict[str, object] = dict(actor_id=2, actor_name="ops", action="update",
                                     resource="homestays", resource_id="7", at=1_900_000_000,
                                     before={"title": "old"}, after={"title": "new"},
                                     service="travel")
    values.update(kw)
    entry = AuditEntry(**values)  # type: ignore[arg-type]
    return Event(topic=TOPIC_ADMIN_AUDIT, key=str(values["resource"]),
                 payload=msgspec.to_builtins(entry))


async def test_handler_stores_once_per_event_id() -> None:
    units = Units(Store())
    audit = AuditService(reads=units.reads, writes=units.writes)
    handler = AuditEntryHandler(audit)
    event = entry_event()
    await handler(event)
    await handler(event)  # redelivered
    (row,) = units.store.audit
    assert (row.event_id, row.resource, row.resource_id, row.service) == (event.id, "homestays",
                                                                          "7", "travel")
    assert (row.before, row.after) == ({"title": "old"}, {"title": "new"})


async def test_malformed_payload_raises_for_the_dead_letter_topic() -> None:
    units = Units(Store())
    handler = AuditEntryHandler(AuditService(reads=units.reads, writes=units.writes))
    with pytest.raises(msgspec.ValidationError):
        await handler(Event(topic=TOPIC_ADMIN_AUDIT, key="x", payload={"actorId": "nope"}))
    assert units.store.audit == []


async def test_search_filters_newest_first() -> None:
    units = Units(Store())
    audit = AuditService(reads=units.reads, writes=units.writes)
    handler = AuditEntryHandler(audit)
    for at, resource, actor in ((100, "homestays", 2), (200, "orders", 3), (300, "homestays", 3)):
        await handler(entry_event(at=at, resource=resource, actor_id=actor))
    total, rows = await audit.search(where=AuditFilter(), page=PageRequest())
    assert total == 3 and [r.at for r in rows] == [300, 200, 100]
    total, rows = await audit.search(where=AuditFilter(resource="homestays", actor_id=3),
                                     page=PageRequest())
    assert total == 1 and rows[0].at == 300
    total, rows = await audit.search(where=AuditFilter(since=150, until=250), page=PageRequest())
    assert [r.at for r in rows] == [200]
