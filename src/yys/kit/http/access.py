"""Request id and access log: the ASGI middleware every HTTP request passes first.

The request id comes from `X-Request-Id` when the caller (the edge proxy) sent a sane one, else
it is made here; it is echoed in the response and put on every log line of the request. The
access log is one line per request (method, route template, path, status, duration), sampled
by `access_log_sample`; 5xx answers are always logged. Probes and `/metrics` are not logged.
"""

from __future__ import annotations

import os
import random
import re
import time
from typing import Any

import structlog

from yys.kit.http.middleware import ASGIApp, Message, Receive, Scope, Send
from yys.kit.observability.logging import bind_request, reset_request

REQUEST_ID_HEADER = "x-request-id"
_HEADER_BYTES = REQUEST_ID_HEADER.encode()
# Anything else (too long, spaces, control characters) is replaced: it ends up in every log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._:/+=-]{1,128}")
_QUIET_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})

log = structlog.get_logger("yys.access")


def _incoming_id(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == _HEADER_BYTES:
            text = value.decode("latin-1")
            return text if _SANE_ID.fullmatch(text) else None
    return None


def request_context_middleware(*, access_log: bool = True, sample: float = 1.0) -> Any:
    """A Litestar middleware factory (`access_log`/`sample` from the settings)."""

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            request_id = _incoming_id(scope) or os.urandom(16).hex()  # uuid4() costs 5x more
            token = bind_request(request_id)
            start = time.perf_counter()
            status = 500
            header = (_HEADER_BYTES, request_id.encode())

            async def send_with_id(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                    message["headers"] = [*message.get("headers", ()), header]
                await send(message)

            try:
                await app(scope, receive, send_with_id)
            finally:
                path = scope.get("path", "")
                if access_log and path not in _QUIET_PATHS and (status >= 500 or sample >= 1.0
                                                                 or random.random() < sample):
                    # user_id (when the route authenticated) is added by the log processors.
                    log.info("request", method=scope.get("method", ""),
                             route=scope.get("path_template") or "unmatched", path=path,
                             status=status, duration_ms=round((time.perf_counter() - start) * 1000, 2))
                reset_request(token)

        return middleware

    return factory
