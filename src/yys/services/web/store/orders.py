"""Book, pay (through the sandbox), follow, refund and review orders — all need a login."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from yys.services.web.api_client import ApiError
from yys.services.web.api_messages import explain
from yys.services.web.context import Web, WebDep
from yys.services.web.errors import login_redirect
from yys.services.web.security import TOKEN_COOKIE
from yys.services.web.store.forms import BookingForm, as_int, read_form
from yys.services.web.store.gateway import ALL_STATES, StoreApi
from yys.services.web.store.pages import render_homestay

AnyRequest = Request[Any, Any, Any]
STATES = (0, 1, 2, 3, 4, -1)
WAIT_PAY, WAIT_USE, USED = 0, 1, 2


def _redirect(target: str) -> Response[str]:
    return Response("", status_code=303, headers={"Location": target})


def _token(request: AnyRequest) -> str | None:
    return request.cookies.get(TOKEN_COOKIE) or None


@post("/homestay/{homestay_id:int}/book", name="store-book", status_code=303)
async def book(request: AnyRequest, web: WebDep, homestay_id: FromPath[int]) -> Response[str]:
    token = _token(request)
    if token is None:
        # Back to the homestay's page after login (the form's POST target has no page).
        return _redirect(f"/login?next=/homestay/{homestay_id}")
    form = BookingForm.parse(await read_form(request))
    if form.start is None or form.end is None:
        t = web.views.translate(request)
        return await render_homestay(request, web, homestay_id, form=form,
                                     error=t("book.bad_dates"), status=400)
    try:
        sn = await StoreApi(web.api).create_order(
            token, homestay_id=homestay_id, is_food=form.food, start=form.start, end=form.end,
            people=form.people, remark=form.remark, idempotency_key=form.key or "")
    except ApiError as exc:
        if exc.status in (401, 404) or exc.status >= 500:
            raise
        error = explain(exc, web.views.translate(request))
        return await render_homestay(request, web, homestay_id, form=form, error=error,
                                     status=exc.status)
    return _redirect(f"/orders/{sn}")


@get("/orders", name="store-orders")
async def orders(request: AnyRequest, web: WebDep) -> Response[str]:
    token = _token(request)
    if token is None:
        return login_redirect(request)
    state = as_int(request.query_params.get("state"), ALL_STATES)
    items = await StoreApi(web.api).orders(token, trade_state=state if state in STATES else ALL_STATES)
    return web.views.render(request, "store/orders.html", {
        "orders": items, "states": STATES, "state": state})


async def _order_page(request: AnyRequest, web: Web, sn: str, *, error: str | None = None,
                      notice: str | None = None, status: int = 200) -> Response[str]:
    token = _token(request)
    if token is None:
        return login_redirect(request)
    order = await StoreApi(web.api).order(token, sn)
    return web.views.render(request, "store/order.html", {
        "order": order, "paying": request.query_params.get("paying") == "1", "error": error,
        "notice": notice}, status=status)


@get("/orders/{sn:str}", name="store-order")
async def order_page(request: AnyRequest, web: WebDep, sn: FromPath[str]) -> Response[str]:
    return await _order_page(request, web, sn)


@get("/orders/{sn:str}/status", name="store-order-status")
async def order_status(request: AnyRequest, web: WebDep, sn: FromPath[str]) -> Response[str]:
    """The state fragment the order page polls while a payment is on its way (htmx)."""
    token = _token(request)
    if token is None:
        return login_redirect(request)
    order = await StoreApi(web.api).order(token, sn)
    return web.views.render(request, "store/_status.html", {
        "order": order, "paying": request.query_params.get("paying") == "1"})


async def _act(request: AnyRequest, web: Web, sn: str, action: str) -> Response[str]:
    token = _token(request)
    if token is None:
        return login_redirect(request)
    api = StoreApi(web.api)
    try:
        if action == "pay":
            await api.pay_in_sandbox(token, sn)
            return _redirect(f"/orders/{sn}?paying=1")
        if action == "refund":
            await api.refund(token, sn)
        else:
            form = await read_form(request)
            order = await api.order(token, sn)
            await api.add_comment(token, homestay_id=order.homestay_id, order_sn=sn,
                                  content=form.get("content", "").strip(),
                                  star=as_int(form.get("star"), 0))
            return _redirect(f"/orders/{sn}?commented=1")
    except ApiError as exc:
        if exc.status in (401, 404) or exc.status >= 500:
            raise
        error = explain(exc, web.views.translate(request))
        return await _order_page(request, web, sn, error=error, status=exc.status)
    return _redirect(f"/orders/{sn}")


@post("/orders/{sn:str}/pay", name="store-pay", status_code=303)
async def pay(request: AnyRequest, web: WebDep, sn: FromPath[str]) -> Response[str]:
    return await _act(request, web, sn, "pay")


@post("/orders/{sn:str}/refund", name="store-refund", status_code=303)
async def refund(request: AnyRequest, web: WebDep, sn: FromPath[str]) -> Response[str]:
    return await _act(request, web, sn, "refund")


@post("/orders/{sn:str}/comment", name="store-comment", status_code=303)
async def comment(request: AnyRequest, web: WebDep, sn: FromPath[str]) -> Response[str]:
    return await _act(request, web, sn, "comment")
