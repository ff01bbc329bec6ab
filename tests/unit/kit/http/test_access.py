"""Request ids and the access log: echoed ids, sanitised incoming ones, sampling and `off`."""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any

import pytest
import structlog
from litestar import Litestar, get
from litestar.testing import AsyncTestClient
from structlog.testing import capture_logs

from yys.kit.http.access import request_context_middleware
from yys.kit.observability.logging import current_request, set_user_id


@get("/hello/{name:str}", sync_to_thread=False)
def hello(name: str) -> dict[str, str | None]:
    ctx = current_request()
    set_user_id(42)
    return {"name": name, "requestId": ctx.request_id if ctx else None}


@get("/boom", sync_to_thread=False)
def boom() -> None:
    raise RuntimeError("boom")


def app(**kw: float | bool) -> Litestar:
    return Litestar([hello, boom], middleware=[request_context_middleware(**kw)],  # type: ignore[arg-type]
                    logging_config=None)


@pytest.fixture
def access_lines() -> Iterator[list[MutableMapping[str, Any]]]:
    structlog.reset_defaults()  # capture_logs needs structlog's default (un-cached) loggers
    with capture_logs() as lines:
        yield lines


async def test_request_id_is_echoed_and_logged(access_lines: list[MutableMapping[str, Any]]) -> None:
    async with AsyncTestClient(app()) as client:
        given = await client.get("/hello/x", headers={"X-Request-Id": "edge-123"})
        made = await client.get("/hello/y")
        hostile = await client.get("/hello/z", headers={"X-Request-Id": "a b\tc" + "x" * 200})
    assert given.headers["x-request-id"] == "edge-123" == given.json()["requestId"]
    assert len(made.headers["x-request-id"]) == 32 == len(made.json()["requestId"])
    assert hostile.headers["x-request-id"] != "a b\tc" + "x" * 200
    requests = [line for line in access_lines if line["event"] == "request"]
    assert [(r["route"], r["status"]) for r in requests] == [("/hello/{name}", 200)] * 3
    assert requests[0]["path"] == "/hello/x" and requests[0]["method"] == "GET"
    assert isinstance(requests[0]["duration_ms"], float)


async def test_sampling_keeps_server_errors_and_off_means_off(
        access_lines: list[MutableMapping[str, Any]]) -> None:
    async with AsyncTestClient(app(sample=0.0)) as client:
        await client.get("/hello/x")
        assert (await client.get("/boom")).status_code == 500
    assert [line["route"] for line in access_lines if line["event"] == "request"] == ["/boom"]
    access_lines.clear()
    async with AsyncTestClient(app(access_log=False)) as client:
        await client.get("/boom")
    assert not [line for line in access_lines if line["event"] == "request"]
