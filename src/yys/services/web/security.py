"""Session cookie and CSRF defence of the pages.

The user's JWT lives in an HttpOnly, SameSite=Lax cookie (scripts cannot read it; other sites'
forms do not carry it) and is forwarded to the API as a Bearer token. On top of SameSite, every
unsafe request must come from a page of this site: its Origin (or, failing that, Referer) must
name the host the request was sent to. Requests with neither header are refused.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

from litestar import Response
from litestar.connection import ASGIConnection
from litestar.exceptions import PermissionDeniedException
from litestar.handlers import BaseRouteHandler

TOKEN_COOKIE = "yys_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def same_origin(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    source = connection.headers.get("origin") or connection.headers.get("referer")
    if not source or source == "null":
        return False
    host = connection.headers.get("host", "")
    return bool(host) and urlsplit(source).netloc.lower() == host.lower()


def csrf_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    """Litestar guard on every web route: unsafe methods only from this site's own pages."""
    if connection.scope.get("method", "GET") in SAFE_METHODS:
        return
    if not same_origin(connection):
        raise PermissionDeniedException("cross-site request refused")


def safe_next(target: str | None, default: str = "/") -> str:
    """A local path to go back to after login; anything else (other hosts, `//x`) → default."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def set_token_cookie(response: Response[Any], token: str, expires_at: int, *, secure: bool) -> None:
    response.set_cookie(TOKEN_COOKIE, token, max_age=max(0, expires_at - int(time.time())),
                        path="/", httponly=True, samesite="lax", secure=secure)


def clear_token_cookie(response: Response[Any]) -> None:
    response.delete_cookie(TOKEN_COOKIE, path="/")
