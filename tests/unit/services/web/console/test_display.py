"""Table cells, pager links, API errors as messages, and where the login may send back to."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from yys.services.web.api_client import ApiError
from yys.services.web.console.auth import _next
from yys.services.web.console.display import api_message, cell, page_number, pager
from yys.services.web.console.forms import Msg
from yys.services.web.console.resources import HOMESTAYS


def t(key: str, **_: object) -> str:
    return f"<{key}>"


def test_cells_show_money_labels_and_short_text() -> None:
    assert cell(HOMESTAYS.field("homestayPrice"), 1288, t) == "¥1,288.00"
    assert cell(HOMESTAYS.field("rowState"), 1, t) == "<console.v.onShelf>"
    assert cell(HOMESTAYS.field("rowState"), 7, t) == "7"  # unknown values shown as they are
    long = cell(HOMESTAYS.field("info"), "x" * 100, t)
    assert len(long) == 60 and long.endswith("…")
    assert cell(HOMESTAYS.field("title"), None, t) == ""


def test_the_pager_keeps_the_filters_and_stops_at_the_ends() -> None:
    first = pager("/console/homestays", {"title": "sea", "rowState": ""}, page=1, total=45)
    assert first.pages == 3 and first.prev_url is None
    assert first.next_url is not None
    query = parse_qs(urlsplit(first.next_url).query)
    assert query == {"title": ["sea"], "page": ["2"]}
    last = pager("/console/homestays", {}, page=3, total=45)
    assert last.next_url is None and last.prev_url == "/console/homestays?page=2"
    assert pager("/x", {}, page=1, total=0).pages == 1


@pytest.mark.parametrize(("raw", "number"), [(None, 1), ("", 1), ("abc", 1), ("-3", 1), ("7", 7),
                                             ("999999999", 100_000)])
def test_page_numbers_from_the_query_are_clamped(raw: str | None, number: int) -> None:
    assert page_number(raw) == number


def test_api_errors_become_messages_that_keep_the_apis_text() -> None:
    assert api_message(ApiError(403, 100004, "requires the operator role")) == Msg(
        key="console.err.forbidden", text="requires the operator role")
    assert api_message(ApiError(409, 100006, "x")).key == "console.err.conflict"
    assert api_message(ApiError(404, 100007, "x")).key == "console.err.notFound"
    assert api_message(ApiError(503, 100009, "x")).key == "console.err.down"
    assert api_message(ApiError(400, 100002, "bad")).key == "console.err.api"


@pytest.mark.parametrize(("target", "expected"), [
    ("/console/orders?tradeState=1", "/console/orders?tradeState=1"),
    ("/console", "/console"),
    ("/", "/console"),  # the storefront is not where a login to the console goes back to
    ("/consolefoo", "/console"),
    ("https://evil.example/console", "/console"),
    ("//evil.example/console", "/console"),
    (None, "/console"),
])
def test_after_login_only_console_pages_are_returned_to(target: str | None, expected: str) -> None:
    assert _next(target) == expected
