"""The HTTP metrics' `service` label is the service owning the route (docs/METRICS.md), taken
from the `opt` of the Router that runtime/app.py puts around each service's handlers."""

from __future__ import annotations

from litestar import Litestar, Router, get
from litestar.testing import TestClient
from prometheus_client import REGISTRY

from yys.kit.http.middleware import SERVICE_OPT, metrics_middleware


@get("/svc-label-test/a/{x:int}", sync_to_thread=False)
def owned(x: int) -> int:
    return x


def _count(service: str, route: str) -> float:
    value = REGISTRY.get_sample_value("yys_http_server_requests_total", {
        "service": service, "method": "GET", "route": route, "status": "200"})
    return value or 0.0


def test_requests_are_labelled_with_the_owning_service() -> None:
    app = Litestar(route_handlers=[Router(path="/", route_handlers=[owned],
                                          opt={SERVICE_OPT: "labeltest"})],
                   middleware=[metrics_middleware("fallback")])
    route = "/svc-label-test/a/{x}"
    before = _count("labeltest", route)
    with TestClient(app) as client:
        assert client.get("/svc-label-test/a/3").status_code == 200
        assert client.get("/svc-label-test/a/4").status_code == 200
    assert _count("labeltest", route) == before + 2
    assert _count("fallback", route) == 0
