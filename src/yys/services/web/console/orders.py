"""Orders: a filtered table, one order with its payments and refund, and the operator's moves
(check-in with the guest's code, refund, cancel), each behind a confirmation step."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from litestar import Response, get, post
from litestar.params import FromPath

from yys.contracts.trade import TradeState
from yys.services.web.api_client import ApiError
from yys.services.web.console.auth import form_of
from yys.services.web.console.display import PAGE_SIZE, api_message, page_number, pager
from yys.services.web.console.forms import Msg
from yys.services.web.console.session import BASE, AnyRequest, Console, ConsoleDep, is_htmx, redirect, render

FILTERS = ("tradeState", "sn", "userId", "homestayId", "from", "to")
STATES = [int(s) for s in TradeState]


@dataclass(frozen=True, slots=True)
class Action:
    name: str  # the admin API's action path segment
    label: str
    confirm: str  # i18n key of the question
    done: str  # `?ok=` notice after it
    from_state: TradeState  # the only state the API allows it from


ACTIONS = {a.name: a for a in (
    Action("check-in", "console.orders.checkIn", "console.orders.confirmCheckIn", "checked-in",
           TradeState.WAIT_USE),
    Action("refund", "console.orders.refund", "console.orders.confirmRefund", "refunded",
           TradeState.WAIT_USE),
    Action("cancel", "console.orders.cancel", "console.orders.confirmCancel", "cancelled",
           TradeState.WAIT_PAY),
)}


def _unix(day: str, *, end: bool) -> int | None:
    """A `YYYY-MM-DD` date input as unix seconds (UTC; `to` includes the whole day)."""
    try:
        moment = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=UTC)
    except ValueError:
        return None
    return int(moment.timestamp()) + (86399 if end else 0)


def _api_filters(filters: dict[str, str]) -> dict[str, str | int | None]:
    params: dict[str, str | int | None] = {k: v for k, v in filters.items() if k not in ("from", "to")}
    params["from"] = _unix(filters["from"], end=False) if filters["from"] else None
    params["to"] = _unix(filters["to"], end=True) if filters["to"] else None
    return params


@get("/orders")
async def orders(request: AnyRequest, console: ConsoleDep) -> Response[str]:
    filters = {name: request.query_params.get(name, "").strip() for name in FILTERS}
    page = page_number(request.query_params.get("page"))
    error: Msg | None = None
    try:
        found = await console.office.page("orders", {**_api_filters(filters), "page": page,
                                                     "pageSize": PAGE_SIZE})
        total, items = found.total, found.items
    except ApiError as exc:
        if exc.status != 400:
            raise
        error, total, items = api_message(exc), 0, []
    return render(request, console.web, "console/orders.html", {
        "filters": filters, "orders": items, "states": STATES, "error": error,
        "pager": pager(f"{BASE}/orders", filters, page=page, total=total), "section": "orders",
    }, me=console.me)


def _allowed(order: dict[str, Any]) -> list[Action]:
    return [a for a in ACTIONS.values() if order.get("tradeState") == a.from_state]


async def _detail(request: AnyRequest, console: Console, sn: str, *, action: Action | None = None,
                  error: Msg | None = None, code: str = "", status: int = 200) -> Response[str]:
    order = await console.office.get(f"orders/{sn}")
    return render(request, console.web, "console/order.html", {
        "order": order, "actions": _allowed(order), "action": action, "error": error,
        "code": code, "section": "orders"}, me=console.me,
        status=200 if is_htmx(request) else status)


@get("/orders/{sn:str}")
async def order(request: AnyRequest, console: ConsoleDep, sn: FromPath[str]) -> Response[str]:
    return await _detail(request, console, sn)


@get("/orders/{sn:str}/{name:str}")
async def confirm(request: AnyRequest, console: ConsoleDep,
                  sn: FromPath[str], name: FromPath[str]) -> Response[str]:
    """The confirmation step: the order page with the action's question and form."""
    action = ACTIONS.get(name)
    if action is None:
        return await _detail(request, console, sn)
    return await _detail(request, console, sn, action=action)


@post("/orders/{sn:str}/{name:str}")
async def act(request: AnyRequest, console: ConsoleDep,
              sn: FromPath[str], name: FromPath[str]) -> Response[str]:
    action = ACTIONS.get(name)
    if action is None:
        return redirect(request, f"{BASE}/orders/{sn}")
    form = await form_of(request)
    code = form.get("tradeCode", "").strip()
    if action.name == "check-in" and not code:
        return await _detail(request, console, sn, action=action, code=code, status=422,
                             error=Msg(key="console.err.required"))
    body = {"tradeCode": code} if action.name == "check-in" else {}
    try:
        await console.office.post(f"orders/{sn}/{action.name}", body)
    except ApiError as exc:
        if exc.status in (401, 404):
            raise
        return await _detail(request, console, sn, action=action, code=code,
                             error=api_message(exc), status=exc.status if exc.status < 500 else 503)
    return redirect(request, f"{BASE}/orders/{sn}?ok={action.done}")


routes = [orders, order, confirm, act]
