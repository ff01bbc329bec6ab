"""Logs: one JSON object per line on stdout, from structlog and the standard library alike.

Every line carries `timestamp`, `level`, `service`, and when known `request_id`, `user_id`,
`trace_id`/`span_id` (the current OpenTelemetry span). Secrets never reach the output: fields
named like a password, token, key or authorization are replaced, and bearer tokens or JWTs
inside any text are masked (`redact`). uvicorn, aiokafka, SQLAlchemy and Python warnings go
through the same processors, so a log shipper parses one format.
"""

from __future__ import annotations

import logging
import re
import sys
from contextvars import ContextVar, Token
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import structlog
from structlog.typing import EventDict, Processor

from yys.kit.observability import tracing

REDACTED = "[REDACTED]"


# -- request context (set by the HTTP middleware, completed by the auth dependency) ------------


@dataclass(slots=True)
class RequestContext:
    """Mutable on purpose: the auth dependency may run in a child task (a copy of the context),
    and the user id it sets must still reach the access log written by the middleware."""

    request_id: str
    user_id: int | None = None


_request: ContextVar[RequestContext | None] = ContextVar("yys_request", default=None)


def bind_request(request_id: str) -> Token[RequestContext | None]:
    return _request.set(RequestContext(request_id))


def reset_request(token: Token[RequestContext | None]) -> None:
    _request.reset(token)


def current_request() -> RequestContext | None:
    return _request.get()


def set_user_id(user_id: int) -> None:
    """Record the authenticated user for the rest of this request's log lines."""
    ctx = _request.get()
    if ctx is not None:
        ctx.user_id = user_id


def _add_context(_: object, __: str, event: EventDict) -> EventDict:
    ctx = _request.get()
    if ctx is not None:
        event.setdefault("request_id", ctx.request_id)
        if ctx.user_id is not None:
            event.setdefault("user_id", ctx.user_id)
    ids = tracing.current_ids()
    if ids is not None:
        event.setdefault("trace_id", ids[0])
        event.setdefault("span_id", ids[1])
    return event


# -- redaction ------------------------------------------------------------------------------------

# Field names (compared without `_`/`-`, case-insensitive) whose values are never logged.
_SECRET_NAME = re.compile(
    r"pass(word|wd|phrase)?$|^pwd$|secret|token|authorization|cookie|apiv3key|apikey|privatekey"
    r"|credential|signature|^jwt|^pem$")
# Secrets that may sit inside free text: bearer credentials and JWT-shaped tokens.
_SECRET_TEXT = re.compile(
    r"(?i)\b(bearer|basic)\s+[A-Za-z0-9._~+/=-]{8,}"
    r"|\beyJ[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}\.[A-Za-z0-9_-]{6,}")
# Structured-log fields that are plainly not secret despite the word `key` (partition keys).
_NOT_SECRET = frozenset({"key", "event", "logger", "level"})


@lru_cache(maxsize=1024)
def _is_secret_name(name: str) -> bool:
    if name in _NOT_SECRET:
        return False
    return bool(_SECRET_NAME.search(name.replace("_", "").replace("-", "").lower()))


def _scrub(value: Any, depth: int = 0) -> Any:
    if isinstance(value, str):
        # Both shapes need a space or `eyJ`: ids, paths and routes skip the regex (hot path:
        # every access-log line).
        if len(value) < 8 or (" " not in value and "eyJ" not in value):
            return value
        return _SECRET_TEXT.sub(REDACTED, value)
    if depth > 5:
        return value
    if isinstance(value, dict):
        return {k: REDACTED if isinstance(k, str) and _is_secret_name(k) else _scrub(v, depth + 1)
                for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrub(v, depth + 1) for v in value]
    return value


def redact(_: object, __: str, event: EventDict) -> EventDict:
    """Replace secret-named fields (at any depth) and mask bearer tokens / JWTs in text."""
    for name, value in event.items():
        if _is_secret_name(name):
            event[name] = REDACTED
        elif isinstance(value, str | dict | list | tuple):
            event[name] = _scrub(value)
    return event


# -- configuration --------------------------------------------------------------------------------


def _add_service(service: str) -> Processor:
    def processor(_: object, __: str, event: EventDict) -> EventDict:
        event.setdefault("service", service)
        return event

    return processor


def configure_logging(*, level: str = "INFO", json: bool = True, service: str = "yys") -> None:
    renderer: Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[Processor] = [
        structlog.contextvars.merge_contextvars,
        _add_context,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_service(service),
        structlog.processors.format_exc_info,
        redact,
    ]
    structlog.configure(
        processors=[*shared, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelName(level.upper())),
        logger_factory=structlog.PrintLoggerFactory(sys.stdout),
        cache_logger_on_first_use=True,
    )
    # The standard library's records (uvicorn, aiokafka, SQLAlchemy, our `logging` users) are
    # rendered by the same chain; `extra={...}` fields become JSON fields.
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[structlog.stdlib.add_logger_name, structlog.stdlib.ExtraAdder(), *shared],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
    )
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    logging.captureWarnings(True)  # warnings.warn (SQLAlchemy's, deprecations) as log records
