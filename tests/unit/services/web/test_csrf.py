"""The CSRF guard: unsafe requests only when Origin (or Referer) names the requested host."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException

from yys.services.web.security import csrf_guard


def connection(method: str, **headers: str) -> ASGIConnection[Any, Any, Any, Any]:
    scope: dict[str, Any] = {
        "type": "http", "method": method, "path": "/login", "query_string": b"",
        "headers": [(k.replace("_", "-").encode(), v.encode()) for k, v in headers.items()]}
    return ASGIConnection(scope)  # type: ignore[arg-type]


@pytest.mark.parametrize("headers", [
    {"host": "shop.example", "origin": "https://shop.example"},
    {"host": "127.0.0.1:8888", "origin": "http://127.0.0.1:8888"},
    {"host": "shop.example", "referer": "https://shop.example/homestay/1"},
    {"host": "Shop.Example", "origin": "https://shop.example"},
])
def test_same_site_posts_pass(headers: dict[str, str]) -> None:
    csrf_guard(connection("POST", **headers), None)  # type: ignore[arg-type]


@pytest.mark.parametrize("headers", [
    {"host": "shop.example"},
    {"host": "shop.example", "origin": "null"},
    {"host": "shop.example", "origin": "https://evil.example"},
    {"host": "127.0.0.1:8888", "origin": "http://127.0.0.1:9999"},
    {"host": "shop.example", "origin": "https://shop.example.evil.example"},
    {"host": "shop.example", "referer": "https://evil.example/?https://shop.example"},
])
def test_other_posts_are_refused(headers: dict[str, str]) -> None:
    with pytest.raises(PermissionDeniedException):
        csrf_guard(connection("POST", **headers), None)  # type: ignore[arg-type]


def test_reads_need_no_origin() -> None:
    csrf_guard(connection("GET", host="shop.example"), None)  # type: ignore[arg-type]
