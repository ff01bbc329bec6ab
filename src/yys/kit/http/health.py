"""`/healthz` (the process is alive), `/readyz` (its dependencies answer) and `/metrics`."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from litestar import Request, Response, get
from litestar.handlers import HTTPRouteHandler
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from prometheus_client.openmetrics import exposition as openmetrics

Check = Callable[[], Awaitable[None]]


def health_handlers(checks: Mapping[str, Check], *, timeout: float = 2.0,
                    informational: Mapping[str, Check] | None = None) -> list[HTTPRouteHandler]:
    """`checks` decide readiness; `informational` ones (other services this process calls) are
    only reported: taking a process out of rotation because a callee is down would spread one
    outage to every caller, while the process itself can still answer (503 for that call)."""
    extra = dict(informational or {})

    @get("/healthz", include_in_schema=False, sync_to_thread=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz", include_in_schema=False)
    async def readyz() -> Response[dict[str, Any]]:
        results: dict[str, str] = {}

        async def run(name: str, check: Check) -> None:
            try:
                await asyncio.wait_for(check(), timeout)
                results[name] = "ok"
            except Exception as exc:  # a readiness probe reports, it never raises
                results[name] = f"down: {type(exc).__name__}"

        await asyncio.gather(*(run(n, c) for n, c in {**extra, **checks}.items()))
        ready = all(results[name] == "ok" for name in checks)
        return Response({"status": "ok" if ready else "unavailable", "checks": results},
                        status_code=200 if ready else 503)

    @get("/metrics", include_in_schema=False, sync_to_thread=False)
    def metrics(request: Request[Any, Any, Any]) -> Response[bytes]:
        # Exemplars (trace ids on histogram buckets) exist only in the OpenMetrics format,
        # which Prometheus asks for in its Accept header.
        if "application/openmetrics-text" in request.headers.get("accept", ""):
            body = openmetrics.generate_latest(REGISTRY)  # type: ignore[no-untyped-call]
            return Response(body, media_type=openmetrics.CONTENT_TYPE_LATEST)
        return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)

    return [healthz, readyz, metrics]
