"""ASGI middleware: empty JSON bodies count as `{}`, and per-route metrics."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from yys.kit.observability import tracing
from yys.kit.observability.metrics import HTTP_DURATION, HTTP_REQUESTS

# Plain ASGI types: the middleware works under any framework, and strict typing stays simple.
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


def empty_body_as_object(app: ASGIApp) -> ASGIApp:
    """The original API accepted an empty POST body as `{}`; clients rely on it."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") not in ("POST", "PUT", "PATCH"):
            await app(scope, receive, send)
            return
        first = True

        async def wrapped() -> Message:
            nonlocal first
            message = await receive()
            if first and message["type"] == "http.request":
                first = False
                if not message.get("body") and not message.get("more_body"):
                    return {**message, "body": b"{}"}
            return message

        await app(scope, wrapped, send)

    return middleware


# A route handler's `opt` key naming the service that owns it (set on a Router around each
# service's handlers): the `service` label of the HTTP metrics (docs/METRICS.md).
SERVICE_OPT = "yys_service"


def metrics_middleware(service: str) -> Any:
    """`service` labels requests whose handler names no owner (404s, health, metrics)."""
    # `labels()` validates and takes a lock on every call (~2 us each, twice a request); the
    # children are cached per (service, method, route template, status), a small bounded set.
    children: dict[tuple[str, str, str, int], tuple[Any, Any]] = {}
    default_service = service

    def record(service: str, method: str, route: str, status: int, seconds: float) -> None:
        key = (service, method, route, status)
        pair = children.get(key)
        if pair is None:
            pair = children[key] = (HTTP_REQUESTS.labels(service, method, route, str(status)),
                                    HTTP_DURATION.labels(service, method, route))
        pair[0].inc()
        # With tracing on, the observation links to its trace (shown in OpenMetrics output).
        ids = tracing.current_ids(sampled_only=True)
        pair[1].observe(seconds, {"trace_id": ids[0]} if ids is not None else None)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            start = time.perf_counter()
            status = 500

            async def capture(message: Message) -> None:
                nonlocal status
                if message["type"] == "http.response.start":
                    status = int(message["status"])
                await send(message)

            try:
                await app(scope, receive, capture)
            finally:
                handler = scope.get("route_handler")
                owner = handler.opt.get(SERVICE_OPT, default_service) if handler else default_service
                record(owner, scope.get("method", ""), scope.get("path_template") or "unmatched",
                       status, time.perf_counter() - start)

        return middleware

    return factory


async def success_is_200(response: Any) -> Any:
    """Litestar answers POST with 201 by default; the public contract (API.md) says 200."""
    if response.status_code == 201:
        response.status_code = 200
    return response
