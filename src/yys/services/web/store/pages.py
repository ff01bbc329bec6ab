"""Browse: the home page, a homestay's page with its booking form, and the live price."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath

from yys.services.web.api_client import ApiError
from yys.services.web.api_messages import explain
from yys.services.web.context import Web, WebDep
from yys.services.web.store.forms import BookingForm, read_form
from yys.services.web.store.gateway import StoreApi
from yys.services.web.store.models import Homestay
from yys.services.web.store.pricing import DAY_SECONDS, Quote, quote

AnyRequest = Request[Any, Any, Any]


async def _section(call: Any) -> tuple[list[Any], ApiError | None]:
    """One section of a page: its items, or the failure to show in its place."""
    try:
        return await call, None
    except ApiError as exc:
        if exc.status == 401:
            raise
        return [], exc


@get("/", name="store-home")
async def home(request: AnyRequest, web: WebDep) -> Response[str]:
    api = StoreApi(web.api)
    t = web.views.translate(request)
    sections = await asyncio.gather(_section(api.preferred()), _section(api.good_bosses()),
                                    _section(api.guess()))
    context: dict[str, Any] = {}
    for name, (items, error) in zip(("preferred", "bosses", "guess"), sections, strict=True):
        context[name] = items
        context[f"{name}_error"] = explain(error, t) if error else None
    return web.views.render(request, "store/home.html", context)


def price_of(homestay: Homestay, form: BookingForm) -> Quote | None:
    if form.start is None or form.end is None:
        return None
    return quote(row_type=homestay.row_type, homestay_price=homestay.homestay_price,
                 food_price=homestay.food_price, start=form.start, end=form.end,
                 people=form.people, with_food=form.food)


def default_form() -> BookingForm:
    today = int(time.time()) // DAY_SECONDS * DAY_SECONDS
    return BookingForm(start=today, end=today + DAY_SECONDS, people=1, food=False, remark="",
                       key=uuid.uuid4().hex)


async def render_homestay(request: AnyRequest, web: Web, homestay_id: int, *,
                          form: BookingForm | None = None, error: str | None = None,
                          status: int = 200) -> Response[str]:
    api = StoreApi(web.api)
    homestay, (comments, comments_error) = await asyncio.gather(
        api.homestay(homestay_id), _section(api.comments(homestay_id)))
    form = form or default_form()
    t = web.views.translate(request)
    return web.views.render(request, "store/homestay.html", {
        "homestay": homestay, "comments": comments,
        "comments_error": explain(comments_error, t) if comments_error else None,
        "form": form, "quote": price_of(homestay, form), "error": error,
    }, status=status)


@get("/homestay/{homestay_id:int}", name="store-homestay")
async def homestay_page(request: AnyRequest, web: WebDep, homestay_id: FromPath[int]) -> Response[str]:
    return await render_homestay(request, web, homestay_id)


@post("/homestay/{homestay_id:int}/price", name="store-price", status_code=200)
async def live_price(request: AnyRequest, web: WebDep, homestay_id: FromPath[int]) -> Response[str]:
    """The price fragment the booking form swaps in as its fields change (htmx)."""
    form = BookingForm.parse(await read_form(request))
    homestay = await StoreApi(web.api).homestay(homestay_id)
    return web.views.render(request, "store/_price.html", {
        "homestay": homestay, "quote": price_of(homestay, form), "form": form})
