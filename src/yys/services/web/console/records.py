"""Read-mostly records: payments, merchant settlements (with "settle a day now") and the audit
log. Filters are passed to the admin API as they are; its 400 is shown above the table."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from litestar import Response, get, post

from yys.services.web.api_client import ApiError
from yys.services.web.console.auth import form_of
from yys.services.web.console.backoffice import Page
from yys.services.web.console.display import PAGE_SIZE, api_message, page_number, pager
from yys.services.web.console.forms import Msg
from yys.services.web.console.session import BASE, AnyRequest, Console, ConsoleDep, is_htmx, redirect, render


async def _table(request: AnyRequest, console: Console, collection: str, filters: Sequence[str]
                 ) -> tuple[dict[str, str], int, Page, Msg | None]:
    values = {name: request.query_params.get(name, "").strip() for name in filters}
    page = page_number(request.query_params.get("page"))
    try:
        found = await console.office.page(collection, {**values, "page": page, "pageSize": PAGE_SIZE})
    except ApiError as exc:
        if exc.status != 400:
            raise
        return values, page, Page(total=0, items=[]), api_message(exc)
    return values, page, found, None


@get("/payments")
async def payments(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    filters, page, found, error = await _table(request, console, "payments",
                                               ("payStatus", "orderSn", "userId"))
    return render(request, console.web, "console/payments.html", {
        "filters": filters, "payments": found.items, "error": error, "section": "payments",
        "pager": pager(f"{BASE}/payments", filters, page=page, total=found.total)}, me=console.me)


async def _settlements(request: AnyRequest, console: Console, *, run_error: Msg | None = None,
                       run_day: str = "", status: int = 200) -> Response[str]:
    filters, page, found, error = await _table(request, console, "settlements", ("day", "businessId"))
    ran = request.query_params.get("ran", "")
    return render(request, console.web, "console/settlements.html", {
        "filters": filters, "records": found.items, "error": error, "section": "settlements",
        "run_error": run_error, "run_day": run_day, "ran": ran,
        "added": request.query_params.get("added", ""),
        "pager": pager(f"{BASE}/settlements", filters, page=page, total=found.total)},
        me=console.me, status=status)


@get("/settlements")
async def settlements(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    return await _settlements(request, console)


@post("/settlements/run")
async def run_settlement(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    day = (await form_of(request)).get("day", "").strip()
    try:
        done = await console.office.post("settlements/run", {"day": day})
    except ApiError as exc:
        if exc.status == 401:
            raise
        status = 200 if is_htmx(request) else min(exc.status, 503)
        return await _settlements(request, console, run_error=api_message(exc), run_day=day,
                                  status=status)
    return redirect(request, f"{BASE}/settlements?ran={done['day']}&added={done['newRecords']}")


def _changes(entry: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The fields an audited write changed: (field, before, after)."""
    before, after = entry.get("before") or {}, entry.get("after") or {}
    out = []
    for key in sorted(set(before) | set(after)):
        if key in ("updateTime", "version"):
            continue
        old, new = before.get(key), after.get(key)
        if old != new:
            out.append((key, "" if old is None else json.dumps(old, ensure_ascii=False),
                        "" if new is None else json.dumps(new, ensure_ascii=False)))
    return out


@get("/audit")
async def audit(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    filters, page, found, error = await _table(request, console, "audit-log",
                                               ("resource", "action", "actorId"))
    entries = [{**e, "changes": _changes(e)} for e in found.items]
    return render(request, console.web, "console/audit.html", {
        "filters": filters, "entries": entries, "error": error, "section": "audit",
        "pager": pager(f"{BASE}/audit", filters, page=page, total=found.total)}, me=console.me)


routes = [payments, settlements, run_settlement, audit]
