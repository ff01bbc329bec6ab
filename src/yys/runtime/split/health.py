"""The supervisor's aggregate `/healthz` and `/readyz`, which the edge proxies to.

The platform is ready when every child is: each yys process answers its own probe with 200,
and nginx and the broker are running. A process being restarted makes the whole topology
not ready (503) until it is back, which is what a load balancer in front of the edge must see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from typing import Any

import aiohttp
from aiohttp import web

from yys.runtime.split.children import Child

PROBE_TIMEOUT = 2.0


class Aggregate:
    def __init__(self, children: Callable[[], Sequence[Child]]) -> None:
        self._children = children
        self._session: aiohttp.ClientSession | None = None
        self.accepting = True  # False while stopping: the edge reports not ready at once

    async def start(self) -> None:
        # trust_env=False: loopback probes never go through a proxy from the environment.
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=PROBE_TIMEOUT),
                                              trust_env=False)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    async def _probe(self, child: Child, path: str) -> str:
        if not child.running:
            return "down: not running"
        port = child.spec.http_port
        if port is None or self._session is None:
            return "ok"
        try:
            async with self._session.get(f"http://127.0.0.1:{port}{path}") as response:
                await response.read()
                return "ok" if response.status == 200 else f"down: HTTP {response.status}"
        except (aiohttp.ClientError, TimeoutError) as exc:
            return f"down: {type(exc).__name__}"

    async def check(self, path: str) -> tuple[bool, dict[str, Any]]:
        children = list(self._children())
        results = await asyncio.gather(*(self._probe(c, path) for c in children))
        processes = {c.name: {"status": r, "pid": c.pid, "restarts": c.restarts}
                     for c, r in zip(children, results, strict=True)}
        ok = self.accepting and bool(children) and all(r == "ok" for r in results)
        return ok, {"status": "ok" if ok else "unavailable", "processes": processes}

    def app(self) -> web.Application:
        async def handle(request: web.Request) -> web.Response:
            ok, body = await self.check(request.path)
            return web.json_response(body, status=200 if ok else 503)

        application = web.Application()
        application.router.add_get("/healthz", handle)
        application.router.add_get("/readyz", handle)
        return application


async def serve(aggregate: Aggregate, port: int) -> web.AppRunner:
    runner = web.AppRunner(aggregate.app(), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner
