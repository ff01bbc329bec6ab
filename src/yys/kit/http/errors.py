"""Every failure becomes `{"code", "msg"}` with the right status; no stack trace ever leaves."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import structlog
from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    MethodNotAllowedException,
    NotFoundException,
    ValidationException,
)
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from yys.kit.errors import BAD_PARAM, NOT_FOUND, SERVER_ERROR, AppError, ErrorKind
from yys.kit.http.negotiate import prefers_html

log = structlog.get_logger("yys.http")

STATUS_BY_KIND = {
    ErrorKind.BAD_REQUEST: 400,
    ErrorKind.UNAUTHORIZED: 401,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
    ErrorKind.RATE_LIMITED: 429,
    ErrorKind.UNAVAILABLE: 503,
    ErrorKind.INTERNAL: 500,
}


def error_response(status: int, code: int, msg: str, headers: dict[str, str] | None = None
                   ) -> Response[dict[str, Any]]:
    return Response({"code": code, "msg": msg}, status_code=status, media_type=MediaType.JSON,
                    headers=headers)


def _app_error(_: Request[Any, Any, Any], exc: AppError) -> Response[dict[str, Any]]:
    headers = {"Retry-After": str(exc.retry_after)} if exc.retry_after else None
    status = STATUS_BY_KIND[exc.kind]
    if status >= 500:
        log.warning("request failed", error=exc.msg, code=exc.code, cause=repr(exc.__cause__))
    return error_response(status, exc.code, exc.msg, headers)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, Any]]:
    return error_response(400, BAD_PARAM, _describe_validation(exc))


def _describe_validation(exc: ValidationException) -> str:
    extra = exc.extra
    if isinstance(extra, list) and extra:
        first = extra[0]
        if isinstance(first, dict):
            message = str(first.get("message", "")).strip()
            key = first.get("key")
            where = f" ({key})" if key and key not in message else ""
            if message:
                return f"bad request parameter: {message}{where}"
    detail = str(exc.detail or "")
    if "JSON" in detail or "decode" in detail.lower():
        return "bad request parameter: body is not valid JSON"
    return "bad request parameter"


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, Any]]:
    status = exc.status_code
    if isinstance(exc, NotFoundException):
        return error_response(404, NOT_FOUND, "not found")
    if isinstance(exc, MethodNotAllowedException):
        return error_response(405, BAD_PARAM, "method not allowed", exc.headers)
    if status == 413:
        return error_response(413, BAD_PARAM, "request body too large")
    if status >= 500:
        log.error("http exception", status=status, detail=exc.detail)
        return error_response(status, SERVER_ERROR, "server error")
    detail = str(exc.detail or "").strip()
    return error_response(status, BAD_PARAM, f"bad request parameter: {detail}" if detail
                          else "bad request parameter")


def _unexpected(_: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, Any]]:
    log.exception("unhandled error", exc_info=exc)
    return error_response(HTTP_500_INTERNAL_SERVER_ERROR, SERVER_ERROR, "server error")


EXCEPTION_HANDLERS: dict[Any, Any] = {
    AppError: _app_error,
    ValidationException: _validation_error,
    HTTPException: _http_error,
    Exception: _unexpected,
}


# A hosted service's HTML "not found" page (the web service's), for browsers on unknown paths.
NotFoundPage = Callable[[Request[Any, Any, Any]], Response[Any]]


# The API's shape (`/<service>/v<n>/...`, API.md): such a path is the API's even when no service
# of that name exists, so a client probing a version it does not know still gets JSON.
_VERSIONED = re.compile(r"/[^/]+/v\d+(/|$)")


def _is_api(path: str, prefixes: Sequence[str]) -> bool:
    return bool(_VERSIONED.match(path)) or any(
        path == p or path.startswith(p.rstrip("/") + "/") for p in prefixes)


def negotiated_not_found(page: NotFoundPage, *, api_prefixes: Sequence[str]
                         ) -> Callable[[Request[Any, Any, Any], NotFoundException], Response[Any]]:
    """404 for a path no route matched: the page when a browser asks (Accept prefers text/html)
    for something outside the API (its prefixes, any versioned path), the contract's JSON body
    for everyone else."""

    def not_found(request: Request[Any, Any, Any], exc: NotFoundException) -> Response[Any]:
        if not _is_api(request.url.path, api_prefixes) and prefers_html(request.headers.get("accept")):
            return page(request)
        return _http_error(request, exc)

    return not_found
