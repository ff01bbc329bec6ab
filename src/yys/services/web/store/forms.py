"""Form fields of the storefront, read leniently: a bad value becomes a message, not a 500."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from litestar import Request

from yys.services.web.store.pricing import day_start

MAX_FIELD = 2000


async def read_form(request: Request[Any, Any, Any]) -> dict[str, str]:
    form = await request.form()
    return {k: str(v)[:MAX_FIELD] for k, v in form.items() if isinstance(v, str)}


def as_int(value: str | None, default: int = 0) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


@dataclass(frozen=True)
class BookingForm:
    start: int | None  # unix s, 00:00 UTC of the chosen day
    end: int | None
    people: int
    food: bool
    remark: str
    key: str  # idempotency key: a resubmitted form books once

    @classmethod
    def parse(cls, form: Mapping[str, str]) -> BookingForm:
        return cls(start=day_start(form.get("start", "")), end=day_start(form.get("end", "")),
                   people=as_int(form.get("people"), 1), food=form.get("food") in ("1", "on", "true"),
                   remark=form.get("remark", "").strip()[:200], key=form.get("key", "")[:64])
