"""The HTTP edge: every failure is `{"code","msg"}` with the right status, never a trace."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
import pytest
from litestar import Litestar, get, post
from litestar.testing import AsyncTestClient

from yys.kit import errors
from yys.kit.http.errors import EXCEPTION_HANDLERS
from yys.kit.http.health import health_handlers
from yys.kit.http.middleware import empty_body_as_object, metrics_middleware, success_is_200


class Req(msgspec.Struct, rename="camel"):
    page_size: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    name: str = "x"


@post("/echo", sync_to_thread=False)
def echo(data: Req) -> dict[str, Any]:
    return {"pageSize": data.page_size, "name": data.name}


@post("/fail/{kind:str}", sync_to_thread=False)
def fail(kind: str) -> None:
    table: dict[str, Exception] = {
        "bad": errors.BadRequest("mobile must be 11 digits"),
        "auth": errors.Unauthorized(),
        "conflict": errors.Conflict(),
        "limited": errors.RateLimited(retry_after=7),
        "down": errors.Unavailable(),
        "boom": RuntimeError("secret internal detail /etc/passwd"),
    }
    raise table[kind]


@get("/ok", sync_to_thread=False)
def ok() -> dict[str, str]:
    return {"ok": "1"}


def make_app(checks: dict[str, Any] | None = None) -> Litestar:
    return Litestar(
        route_handlers=[echo, fail, ok, *health_handlers(checks or {})],
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[empty_body_as_object, metrics_middleware("test")],
        request_max_body_size=1024,
        after_request=success_is_200,
    )


@pytest.fixture
async def client() -> Any:
    async with AsyncTestClient(app=make_app()) as c:
        yield c


async def test_empty_body_counts_as_empty_object(client: AsyncTestClient[Any]) -> None:
    r = await client.post("/echo", content=b"")
    assert r.status_code == 200
    assert r.json() == {"pageSize": 20, "name": "x"}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"{not json", "bad request parameter"),
        (b'{"pageSize": "ten"}', "bad request parameter"),
        (b'{"pageSize": 1000}', "bad request parameter"),
        (b"[]", "bad request parameter"),
    ],
)
async def test_bad_input_is_400_with_code(client: AsyncTestClient[Any], body: bytes, fragment: str) -> None:
    r = await client.post("/echo", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400
    assert r.json()["code"] == errors.BAD_PARAM
    assert fragment in r.json()["msg"]


async def test_oversized_body_is_413(client: AsyncTestClient[Any]) -> None:
    r = await client.post("/echo", content=b'{"name": "' + b"a" * 4096 + b'"}')
    assert r.status_code == 413
    assert r.json() == {"code": errors.BAD_PARAM, "msg": "request body too large"}


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("bad", 400, errors.BAD_PARAM),
        ("auth", 401, errors.TOKEN_INVALID),
        ("conflict", 409, errors.CONCURRENT_CHANGE),
        ("limited", 429, errors.RATE_LIMITED),
        ("down", 503, errors.UNAVAILABLE),
        ("boom", 500, errors.SERVER_ERROR),
    ],
)
async def test_errors_map_to_status_and_code(client: AsyncTestClient[Any], kind: str, status: int,
                                             code: int) -> None:
    r = await client.post(f"/fail/{kind}")
    assert r.status_code == status
    body = r.json()
    assert set(body) == {"code", "msg"}
    assert body["code"] == code
    assert "secret" not in r.text and "Traceback" not in r.text


async def test_retry_after_header_on_429(client: AsyncTestClient[Any]) -> None:
    r = await client.post("/fail/limited")
    assert r.headers["retry-after"] == "7"


async def test_unknown_route_and_method(client: AsyncTestClient[Any]) -> None:
    r = await client.post("/nowhere")
    assert r.status_code == 404 and r.json()["code"] == errors.NOT_FOUND
    r = await client.delete("/echo")
    assert r.status_code == 405 and set(r.json()) == {"code", "msg"}


async def test_metrics_count_requests_by_route_template(client: AsyncTestClient[Any]) -> None:
    await client.post("/fail/bad")
    text = (await client.get("/metrics")).text
    assert 'route="/fail/{kind}"' in text
    assert "yys_http_server_request_duration_seconds_bucket" in text


async def test_readyz_reports_each_check() -> None:
    async def up() -> None:
        return None

    async def down() -> None:
        raise ConnectionError("refused")

    async with AsyncTestClient(app=make_app({"db": up, "redis": down})) as c:
        r = await c.get("/readyz")
        assert r.status_code == 503
        assert r.json()["checks"] == {"db": "ok", "redis": "down: ConnectionError"}
        assert (await c.get("/healthz")).status_code == 200


async def test_informational_checks_are_reported_but_do_not_gate_readiness() -> None:
    async def up() -> None:
        return None

    async def down() -> None:
        raise ConnectionError("refused")

    app = Litestar(route_handlers=health_handlers({"db": up}, informational={"grpc:usercenter": down}))
    async with AsyncTestClient(app=app) as c:
        r = await c.get("/readyz")
        assert r.status_code == 200
        assert r.json()["checks"] == {"db": "ok", "grpc:usercenter": "down: ConnectionError"}
