"""How values look in the console's tables, and API errors as messages. Pure Python."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from yys.services.web.api_client import ApiError
from yys.services.web.console.forms import Msg
from yys.services.web.console.resources import Field, Kind
from yys.services.web.i18n import Translate

PAGE_SIZE = 20


def money(value: float | int | None) -> str:
    return f"¥{(value or 0):,.2f}"


def when(ts: int | float | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M")


def day(ts: int | float | None) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d") if ts else ""


def cell(f: Field, value: Any, t: Translate) -> str:
    """One table cell: money in yuan, a choice by its label, long text cut short."""
    if value is None:
        return ""
    if f.kind is Kind.MONEY:
        return money(value)
    if f.kind is Kind.CHOICE:
        labels = dict(f.choices)
        return t(labels[str(value)]) if str(value) in labels else str(value)
    text = str(value)
    return text if len(text) <= 60 else text[:59] + "…"


def api_message(exc: ApiError) -> Msg:
    """An API failure as a sentence: the API's own text inside a message of ours."""
    if exc.status == 403:
        return Msg(key="console.err.forbidden", text=exc.msg)
    if exc.status == 409:
        return Msg(key="console.err.conflict", text=exc.msg)
    if exc.status == 404:
        return Msg(key="console.err.notFound", text=exc.msg)
    if exc.status >= 500:
        return Msg(key="console.err.down", text=exc.msg)
    return Msg(key="console.err.api", text=exc.msg)


@dataclass(frozen=True, slots=True)
class Pager:
    page: int
    pages: int
    total: int
    prev_url: str | None
    next_url: str | None


def page_number(raw: str | None) -> int:
    try:
        number = int(raw or "1")
    except ValueError:
        return 1
    return min(max(number, 1), 100_000)


def pager(path: str, filters: Mapping[str, str], *, page: int, total: int) -> Pager:
    """Links to the neighbouring pages that keep the current filters."""
    pages = max(1, math.ceil(total / PAGE_SIZE))
    kept = {k: v for k, v in filters.items() if v}

    def link(n: int) -> str:
        return f"{path}?{urlencode({**kept, 'page': n})}"

    return Pager(page=page, pages=pages, total=total,
                 prev_url=link(page - 1) if page > 1 else None,
                 next_url=link(page + 1) if page < pages else None)
