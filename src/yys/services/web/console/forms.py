"""Form posts → admin API bodies, and API errors → the field they are about. Pure Python.

The console converts what a browser can send (strings) into the JSON types the API expects and
rejects only what it cannot convert (letters in a number, a third decimal in a price); every
other rule (lengths, ranges, required fields) is the API's, whose message is then shown next to
the field it names. Messages are either i18n keys (ours) or the API's own text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from yys.services.web.console.resources import Field, Kind


@dataclass(frozen=True, slots=True)
class Msg:
    """A message to show: `key` is translated by the page, `text` is shown as it is."""

    key: str = ""
    text: str = ""


@dataclass(slots=True)
class Parsed:
    body: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, Msg] = field(default_factory=dict)


_BAD = {Kind.INT: "console.err.int", Kind.MONEY: "console.err.money",
        Kind.NUMBER: "console.err.number", Kind.CHOICE: "console.err.choice"}


def convert(f: Field, raw: str) -> Any:
    """The JSON value of one non-empty input; ValueError when it is not of the field's kind."""
    value = raw.strip()
    if f.kind is Kind.INT:
        if not re.fullmatch(r"[+-]?\d{1,18}", value):
            raise ValueError(value)
        return int(value)
    if f.kind in (Kind.MONEY, Kind.NUMBER):
        try:
            number = Decimal(value)
        except InvalidOperation:
            raise ValueError(value) from None
        if not number.is_finite():
            raise ValueError(value)
        exponent = number.normalize().as_tuple().exponent
        if f.kind is Kind.MONEY and (number < 0 or not isinstance(exponent, int) or exponent < -2):
            raise ValueError(value)
        return float(number)
    if f.kind is Kind.CHOICE:
        if value not in {v for v, _ in f.choices}:
            raise ValueError(value)
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    return raw.strip() if f.kind is Kind.TEXT else raw.replace("\r\n", "\n").strip()


def parse(fields: Iterable[Field], form: Mapping[str, str], *, creating: bool) -> Parsed:
    """The body of a create (POST) or an edit (PATCH, without `version`).

    Text is always sent (empty clears it; an empty required text is the API's to refuse).
    An empty number is left out: on create the API then names the missing required field; on
    edit a required one is refused here, as leaving it out would silently keep the old value."""
    out = Parsed()
    for f in fields:
        raw = form.get(f.name, "")
        if f.kind in (Kind.TEXT, Kind.TEXTAREA):
            out.body[f.name] = convert(f, raw)
            continue
        if not raw.strip():
            if f.required and not creating:
                out.errors[f.name] = Msg(key="console.err.required")
            continue
        try:
            out.body[f.name] = convert(f, raw)
        except ValueError:
            out.errors[f.name] = Msg(key=_BAD[f.kind])
    return out


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def fields_named(message: str, names: Iterable[str]) -> list[str]:
    """The fields a message names, in camelCase (`$.peopleNum`) or snake_case (`people_num`)."""
    found = []
    for name in names:
        for spelling in {name, _snake(name)}:
            if re.search(rf"(?<![A-Za-z0-9_]){re.escape(spelling)}(?![A-Za-z0-9_])", message):
                found.append(name)
                break
    return found


_PREFIX = "bad request parameter: "


def place_error(message: str, names: Iterable[str]) -> tuple[dict[str, Msg], Msg | None]:
    """An API error message next to each field it names, or for the whole form if none.

    Next to a field the generic prefix and the decoder's location suffix are dropped, and a
    missing required field reads "required" in the page's language."""
    named = fields_named(message, names)
    if not named:
        return {}, Msg(text=message)
    text = message.removeprefix(_PREFIX)
    text = re.sub(r" \((data|body)\)$", "", text)
    if "missing" in text and ("required field" in text or "field(s)" in text):
        return {name: Msg(key="console.err.required") for name in named}, None
    return {name: Msg(text=text) for name in named}, None


def form_values(fields: Iterable[Field], record: Mapping[str, Any] | None) -> dict[str, str]:
    """What the inputs show for a record (money with two decimals), empty for a new one."""
    values: dict[str, str] = {}
    for f in fields:
        value = None if record is None else record.get(f.name)
        if value is None:
            values[f.name] = ""
        elif f.kind is Kind.MONEY:
            values[f.name] = f"{float(value):.2f}"
        elif isinstance(value, float) and value.is_integer() and f.kind is not Kind.NUMBER:
            values[f.name] = str(int(value))
        else:
            values[f.name] = str(value)
    return values
