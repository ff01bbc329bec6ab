"""`AppError` ↔ gRPC status, in one place (the HTTP side is `yys.kit.http.errors`).

The server turns an `AppError` into a status code from its kind plus trailing metadata carrying
the app code, the class name and Retry-After; the message travels as the status details (it is
safe to show by definition). The caller rebuilds the same class when that class is loaded in its
process (looked up among the loaded `AppError` subclasses, never imported by name), otherwise the
kit class of the same kind, with the same code and message. A failure of the transport itself
(peer down, deadline exceeded) becomes `Unavailable`, i.e. HTTP 503 at the edge.
"""

from __future__ import annotations

from collections.abc import Iterable

import grpc

from yys.kit.errors import (
    AppError,
    BadRequest,
    Conflict,
    ErrorKind,
    Forbidden,
    NotFound,
    RateLimited,
    Unauthorized,
    Unavailable,
)

STATUS_BY_KIND: dict[ErrorKind, grpc.StatusCode] = {
    ErrorKind.BAD_REQUEST: grpc.StatusCode.INVALID_ARGUMENT,
    ErrorKind.UNAUTHORIZED: grpc.StatusCode.UNAUTHENTICATED,
    ErrorKind.FORBIDDEN: grpc.StatusCode.PERMISSION_DENIED,
    ErrorKind.NOT_FOUND: grpc.StatusCode.NOT_FOUND,
    # A lost optimistic race: the caller may retry the whole operation (gRPC's ABORTED).
    ErrorKind.CONFLICT: grpc.StatusCode.ABORTED,
    ErrorKind.RATE_LIMITED: grpc.StatusCode.RESOURCE_EXHAUSTED,
    ErrorKind.UNAVAILABLE: grpc.StatusCode.UNAVAILABLE,
    ErrorKind.INTERNAL: grpc.StatusCode.INTERNAL,
}
KIND_BY_STATUS: dict[grpc.StatusCode, ErrorKind] = {v: k for k, v in STATUS_BY_KIND.items()}

# The kit class per kind: what the caller raises when the exact class is not loaded there.
BASE_CLASS_BY_KIND: dict[ErrorKind, type[AppError]] = {
    ErrorKind.BAD_REQUEST: BadRequest,
    ErrorKind.UNAUTHORIZED: Unauthorized,
    ErrorKind.FORBIDDEN: Forbidden,
    ErrorKind.NOT_FOUND: NotFound,
    ErrorKind.CONFLICT: Conflict,
    ErrorKind.RATE_LIMITED: RateLimited,
    ErrorKind.UNAVAILABLE: Unavailable,
    ErrorKind.INTERNAL: AppError,
}

# Trailing metadata keys (lower case, as gRPC requires).
CODE_KEY = "yys-error-code"
CLASS_KEY = "yys-error-class"
RETRY_AFTER_KEY = "yys-retry-after"

# Statuses that mean "the call did not get a usable answer", whoever produced them.
_TRANSPORT = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                        grpc.StatusCode.CANCELLED})

Metadata = tuple[tuple[str, str], ...]


def class_name(cls: type[AppError]) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def to_status(exc: AppError) -> tuple[grpc.StatusCode, str, Metadata]:
    """The status code, details and trailing metadata that carry `exc` to the caller."""
    metadata: list[tuple[str, str]] = [(CODE_KEY, str(exc.code)), (CLASS_KEY, class_name(type(exc)))]
    if exc.retry_after:
        metadata.append((RETRY_AFTER_KEY, str(exc.retry_after)))
    return STATUS_BY_KIND[exc.kind], exc.msg, tuple(metadata)


def _loaded_subclasses(root: type[AppError]) -> Iterable[type[AppError]]:
    stack = [root]
    while stack:
        cls = stack.pop()
        yield cls
        stack.extend(cls.__subclasses__())


def _find_class(name: str | None, kind: ErrorKind) -> type[AppError]:
    if name:
        for cls in _loaded_subclasses(AppError):
            if class_name(cls) == name and cls.kind is kind:
                return cls
    return BASE_CLASS_BY_KIND[kind]


def _build(cls: type[AppError], msg: str, code: int, retry_after: int | None) -> AppError:
    # Subclasses may take other constructor arguments (or none); the base initialiser sets every
    # attribute the transports read, so it is called directly on a bare instance.
    exc = cls.__new__(cls)
    AppError.__init__(exc, msg, code=code, retry_after=retry_after)
    return exc


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def from_status(code: grpc.StatusCode, details: str | None,
                trailing_metadata: Iterable[tuple[str, str | bytes]] | None) -> AppError:
    """The `AppError` the caller raises for a failed call."""
    meta = {k: v.decode() if isinstance(v, bytes) else v for k, v in (trailing_metadata or ())}
    app_code = _int(meta.get(CODE_KEY))
    if app_code is None:
        # Not produced by our error mapping: the peer is down, overloaded or out of time, or an
        # unexpected failure whose details must not leak to the edge.
        if code in _TRANSPORT:
            return Unavailable()
        return AppError()
    kind = KIND_BY_STATUS.get(code, ErrorKind.INTERNAL)
    return _build(_find_class(meta.get(CLASS_KEY), kind), details or "", app_code,
                  _int(meta.get(RETRY_AFTER_KEY)))


def from_rpc_error(exc: grpc.aio.AioRpcError) -> AppError:
    return from_status(exc.code(), exc.details(), exc.trailing_metadata())
