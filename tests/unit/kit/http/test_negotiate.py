"""Accept negotiation and the negotiated 404: pages for browsers, the JSON contract otherwise."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Litestar, MediaType, Request, Response, get
from litestar.exceptions import NotFoundException
from litestar.testing import AsyncTestClient

from yys.kit.errors import NOT_FOUND
from yys.kit.http.errors import EXCEPTION_HANDLERS, negotiated_not_found
from yys.kit.http.negotiate import prefers_html

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"


@pytest.mark.parametrize(("accept", "html"), [
    (BROWSER, True),
    ("text/html", True),
    ("text/*", True),
    ("application/json;q=0.5, text/html", True),
    (None, False),
    ("", False),
    ("*/*", False),
    ("application/json", False),
    ("application/json, text/html", False),  # a tie keeps the API's JSON
    ("text/html;q=0", False),
    ("text/html;q=0, */*", False),
    ("text/html;q=0.4, application/*;q=0.5", False),
    ("TEXT/HTML", True),
    ("text/html;q=abc", False),
    ("garbage, ;;, /", False),
    ("text/html;level=1;q=0.9, application/json;q=0.8", True),
])
def test_prefers_html(accept: str | None, html: bool) -> None:
    assert prefers_html(accept) is html


def _page(request: Request[Any, Any, Any]) -> Response[str]:
    return Response(f"<p>no page at {request.url.path}</p>", status_code=404,
                    media_type=MediaType.HTML)


@get("/api/v1/thing", sync_to_thread=False)
def thing() -> dict[str, str]:
    return {"ok": "yes"}


@get("/gone", sync_to_thread=False)
def gone() -> None:
    raise NotFoundException()


def _app() -> Litestar:
    handler = negotiated_not_found(_page, api_prefixes=("/api", "/metrics"))
    return Litestar([thing, gone], exception_handlers={**EXCEPTION_HANDLERS, NotFoundException: handler})


@pytest.mark.parametrize(("path", "accept", "page"), [
    ("/foo", BROWSER, True),
    ("/a/b/c", BROWSER, True),
    ("/gone", BROWSER, True),  # a handler's own not-found, outside the API, is a page too
    ("/apiary", BROWSER, True),  # a prefix is a whole segment
    ("/foo", "*/*", False),
    ("/foo", None, False),
    ("/api", BROWSER, False),
    ("/api/v1/nothing", BROWSER, False),
    ("/metrics/x", BROWSER, False),
    ("/other/v2/thing", BROWSER, False),  # the API's versioned shape, whatever the service
    ("/other/v2", BROWSER, False),
    ("/other/version/thing", BROWSER, True),
    ("/v1/thing", BROWSER, True),
])
async def test_unknown_paths(path: str, accept: str | None, page: bool) -> None:
    headers = {"Accept": accept} if accept is not None else {}
    async with AsyncTestClient(_app()) as client:
        resp = await client.get(path, headers=headers)
    assert resp.status_code == 404
    if page:
        assert resp.headers["content-type"].startswith("text/html")
        assert resp.text == f"<p>no page at {path}</p>"
    else:
        assert resp.headers["content-type"].startswith("application/json")
        assert resp.json() == {"code": NOT_FOUND, "msg": "not found"}


async def test_other_errors_keep_their_json() -> None:
    async with AsyncTestClient(_app()) as client:
        resp = await client.delete("/api/v1/thing", headers={"Accept": BROWSER})
    assert resp.status_code == 405 and resp.json()["msg"] == "method not allowed"
