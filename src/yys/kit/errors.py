"""Errors that cross layers, mapped to HTTP (and later gRPC) status in exactly one place.

Domain modules raise subclasses of `AppError` with their service code; the transport layer looks
at `kind` only. The message is shown to the caller, so it must never contain internal details.
"""

from __future__ import annotations

from enum import Enum


class ErrorKind(Enum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    UNAVAILABLE = "unavailable"
    INTERNAL = "internal"


# Contract codes shared by every service (API.md).
SERVER_ERROR = 100001
BAD_PARAM = 100002
TOKEN_INVALID = 100003
FORBIDDEN = 100004
DB_ERROR = 100005
CONCURRENT_CHANGE = 100006
NOT_FOUND = 100007
RATE_LIMITED = 100008
UNAVAILABLE = 100009


class AppError(Exception):
    """An error whose message is safe to show to the caller."""

    kind: ErrorKind = ErrorKind.INTERNAL
    code: int = SERVER_ERROR
    default_msg: str = "server error"

    def __init__(self, msg: str | None = None, *, code: int | None = None,
                 retry_after: int | None = None) -> None:
        self.msg = msg or self.default_msg
        if code is not None:
            self.code = code
        self.retry_after = retry_after
        super().__init__(self.msg)


class BadRequest(AppError):
    kind = ErrorKind.BAD_REQUEST
    code = BAD_PARAM
    default_msg = "bad request parameter"


class Unauthorized(AppError):
    kind = ErrorKind.UNAUTHORIZED
    code = TOKEN_INVALID
    default_msg = "token invalid or expired"


class Forbidden(AppError):
    kind = ErrorKind.FORBIDDEN
    code = FORBIDDEN
    default_msg = "not allowed"


class NotFound(AppError):
    kind = ErrorKind.NOT_FOUND
    code = NOT_FOUND
    default_msg = "not found"


class Conflict(AppError):
    kind = ErrorKind.CONFLICT
    code = CONCURRENT_CHANGE
    default_msg = "state changed concurrently"


class RateLimited(AppError):
    kind = ErrorKind.RATE_LIMITED
    code = RATE_LIMITED
    default_msg = "too many requests, try again later"


class Unavailable(AppError):
    kind = ErrorKind.UNAVAILABLE
    code = UNAVAILABLE
    default_msg = "service temporarily unavailable"
