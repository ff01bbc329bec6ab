"""Back-office routes for merchant settlements: `GET /admin/v1/settlements` (any manager) and
`POST /admin/v1/settlements/run` (operator and up; the daily cron does the same, so a manual run
for a day already settled adds nothing)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, TypeAlias

import msgspec
from litestar import Router, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, QueryParameter

from yys.contracts.admin import AuditEntry
from yys.kit.db import Database
from yys.kit.http.admin import AdminPrincipal
from yys.services.order.backoffice_rules import page_request
from yys.services.order.domain import InvalidField, fen_to_yuan
from yys.services.order.lifecycle import OrderLifecycle
from yys.services.order.queries import SettlementRow, list_settlements


class SettlementItem(msgspec.Struct, rename="camel", kw_only=True):
    id: int
    homestay_business_id: int
    day: str
    order_count: int
    gross_amount: float
    commission_bps: int
    commission_amount: float
    net_amount: float
    create_time: int


class SettlementList(msgspec.Struct, kw_only=True):
    total: int
    items: list[SettlementItem] = msgspec.field(name="list")


class RunReq(msgspec.Struct, rename="camel", kw_only=True):
    day: str  # YYYY-MM-DD, in the settlement time zone


class RunResp(msgspec.Struct, rename="camel", kw_only=True):
    day: str
    new_records: int


@dataclass(frozen=True)
class Settlements:
    db: Database
    lifecycle: OrderLifecycle
    audited: Callable[[], None]  # wakes the outbox relay after the audit entry committed


Deps: TypeAlias = NamedDependency[Settlements]
Manager: TypeAlias = NamedDependency[AdminPrincipal]


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise InvalidField("day must be YYYY-MM-DD") from exc


def item(row: SettlementRow) -> SettlementItem:
    return SettlementItem(id=row.id, homestay_business_id=row.homestay_business_id,
                          day=row.settle_day.isoformat(), order_count=row.order_count,
                          gross_amount=fen_to_yuan(row.gross), commission_bps=row.commission_bps,
                          commission_amount=fen_to_yuan(row.commission), net_amount=fen_to_yuan(row.net),
                          create_time=row.create_time)


@get("/settlements", summary="Merchant settlement records, newest day first")
async def list_records(
    *, viewer: Manager, deps: Deps, page: int | None = None,
    page_size: Annotated[int | None, QueryParameter(name="pageSize")] = None,
    day: str | None = None,
    business_id: Annotated[int | None, QueryParameter(name="businessId")] = None,
) -> SettlementList:
    async with deps.db.read() as conn:
        total, rows = await list_settlements(conn, day=parse_day(day) if day else None,
                                             business_id=business_id,
                                             page=page_request(page, page_size))
    return SettlementList(total=total, items=[item(r) for r in rows])


@post("/settlements/run", status_code=200, summary="Settle one day now (idempotent)")
async def run(data: JSONBody[RunReq], operator: Manager, deps: Deps) -> RunResp:
    day = parse_day(data.day)
    entry = AuditEntry(actor_id=operator.id, actor_name=operator.username, action="settle",
                       resource="settlements", resource_id=day.isoformat(), at=int(time.time()),
                       service="order")
    added = await deps.lifecycle.settle_day(day, audit=entry)
    deps.audited()
    return RunResp(day=day.isoformat(), new_records=added)


def settlement_router(deps: Settlements, *, reader: Provide, writer: Provide) -> Router:
    def provide() -> Settlements:
        return deps

    return Router(path="/admin/v1", route_handlers=[list_records, run],
                  dependencies={"deps": Provide(provide, sync_to_thread=False),
                                "viewer": reader, "operator": writer},
                  tags=["admin: settlements"])
