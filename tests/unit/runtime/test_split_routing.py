"""The split edge: locations planned from route tables, the rendered nginx config, the layout."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from litestar import Router, get, post

from yys.runtime.split.layout import Layout, allocate, shared_env, yys_children
from yys.runtime.split.nginx import NOT_FOUND_BODY, UNAVAILABLE_BODY, render_config
from yys.runtime.split.routing import Location, RouteConflictError, plan_locations, route_paths

ADMIN_ROUTES = {
    "travel": ["/travel/v1/homestay/guessList", "/travel/v1/homestay/homestayList",
               "/admin/v1/homestays", "/admin/v1/homestays/{homestay_id:int}"],
    "usercenter": ["/usercenter/v1/user/login", "/admin/v1/users",
                   "/admin/v1/users/{user_id:int}/disable"],
    "order": ["/order/v1/homestayOrder/createHomestayOrder", "/admin/v1/orders",
              "/admin/v1/orders/{sn:str}/refund", "/admin/v1/stats"],
    "payment": ["/payment/v1/thirdPayment/thirdPaymentWxPay", "/admin/v1/payments"],
    "admin": ["/admin/v1/auth/login", "/admin/v1/auth/refresh", "/admin/v1/me",
              "/admin/v1/managers", "/admin/v1/managers/{manager_id:int}", "/admin/v1/audit-log"],
}


def owner_of(locations: list[Location], path: str) -> str | None:
    """Which upstream nginx picks for `path`: exact, then longest `^~` prefix, then the first
    matching regex (nginx's order for these three modifiers)."""
    for loc in locations:
        if loc.modifier == "=" and loc.pattern == path:
            return loc.owner
    prefixes = [loc for loc in locations if loc.modifier == "^~" and path.startswith(loc.pattern)]
    if prefixes:
        return max(prefixes, key=lambda loc: len(loc.pattern)).owner
    for loc in locations:
        if loc.modifier == "~" and re.search(loc.pattern, path):
            return loc.owner
    return None


def test_every_route_reaches_its_owner() -> None:
    locations = plan_locations(ADMIN_ROUTES)
    for owner, paths in ADMIN_ROUTES.items():
        for path in paths:
            concrete = re.sub(r"\{[^}]+\}", "42", path)
            assert owner_of(locations, concrete) == owner, concrete


def test_a_prefix_owned_by_one_service_is_one_location() -> None:
    locations = plan_locations(ADMIN_ROUTES)
    travel = [loc for loc in locations if loc.pattern.startswith("/travel")]
    assert travel == [Location("^~", "/travel/", "travel")]
    assert Location("=", "/admin/v1/homestays", "travel") in locations
    assert Location("^~", "/admin/v1/homestays/", "travel") in locations
    assert Location("^~", "/admin/v1/auth/", "admin") in locations
    assert not any(loc.pattern == "/admin/" for loc in locations)  # shared: split per resource


def test_a_sibling_resource_is_not_captured_by_a_longer_name() -> None:
    locations = plan_locations({"travel": ["/admin/v1/homestays"],
                                "order": ["/admin/v1/homestays-stats"]})
    assert owner_of(locations, "/admin/v1/homestays-stats") == "order"
    assert owner_of(locations, "/admin/v1/homestays") == "travel"


def test_path_parameters_shared_with_static_siblings() -> None:
    routes = {"admin": ["/admin/v1/{kind:str}/audit"], "usercenter": ["/admin/v1/users"],
              "order": ["/admin/v1/{kind:str}/export", "/admin/v1/orders"]}
    locations = plan_locations(routes)
    assert owner_of(locations, "/admin/v1/users") == "usercenter"
    assert owner_of(locations, "/admin/v1/orders") == "order"
    assert owner_of(locations, "/admin/v1/things/audit") == "admin"
    assert owner_of(locations, "/admin/v1/things/export") == "order"


def test_the_same_route_in_two_services_is_refused() -> None:
    with pytest.raises(RouteConflictError, match="/x/v1/a"):
        plan_locations({"a": ["/x/v1/a"], "b": ["/x/v1/a"]})


def test_the_home_page_is_an_exact_location_and_unknown_paths_stay_with_the_edge() -> None:
    routes = {"web": ["/", "/homestay/{homestay_id:int}", "/static/{file_path:path}", "/login"],
              "travel": ["/travel/v1/homestay/guessList"]}
    locations = plan_locations(routes)
    assert Location("=", "/", "web") in locations
    assert not any(loc.modifier == "^~" and loc.pattern == "/" for loc in locations)
    assert owner_of(locations, "/homestay/3") == "web"
    assert owner_of(locations, "/static/css/site.css") == "web"
    assert owner_of(locations, "/travel/v1/homestay/guessList") == "travel"
    assert owner_of(locations, "/nowhere") is None  # the edge's own JSON 404


def test_route_paths_resolve_routers_and_parameters() -> None:
    @post("/list", sync_to_thread=False)
    def listing() -> None: ...

    @get("/{item_id:int}", sync_to_thread=False)
    def one() -> None: ...

    assert route_paths([Router(path="/svc/v1", route_handlers=[listing, one])]) == [
        "/svc/v1/list", "/svc/v1/{item_id:int}"]
    assert route_paths([]) == []


def _layout() -> Layout:
    return Layout(host="127.0.0.1", edge_port=8888, health_port=8889,
                  http_ports={"travel": 8890, "order": 8891, "consumer": 8892},
                  grpc_ports={"travel": 8989, "order": 8990}, services=("travel", "order"))


def test_rendered_config_routes_and_answers_with_contract_bodies() -> None:
    conf = render_config(_layout(), plan_locations({"travel": ["/travel/v1/a"],
                                                    "order": ["/order/v1/b"]}))
    assert "listen 127.0.0.1:8888;" in conf
    assert "location ^~ /travel/ { proxy_pass http://yys_travel; }" in conf
    assert "server 127.0.0.1:8890;" in conf and "server 127.0.0.1:8889;" in conf
    assert "error_page 502 504 =503 @unavailable;" in conf
    assert f"return 503 '{UNAVAILABLE_BODY}';" in conf
    assert UNAVAILABLE_BODY == '{"code":100009,"msg":"service temporarily unavailable"}'
    assert "daemon" not in conf  # given on the command line (-g), a duplicate is an error
    assert "/tmp" not in conf and "/var" not in conf  # paths relative to the prefix only


def test_unknown_paths_go_to_the_page_process_when_there_is_one() -> None:
    layout = _layout()
    layout = Layout(host=layout.host, edge_port=layout.edge_port, health_port=layout.health_port,
                    http_ports={**layout.http_ports, "web": 8893}, grpc_ports=layout.grpc_ports,
                    services=(*layout.services, "web"))
    without = render_config(layout, plan_locations({"travel": ["/travel/v1/a"]}))
    assert f"location / {{\n            return 404 '{NOT_FOUND_BODY}';" in without
    conf = render_config(layout, plan_locations({"travel": ["/travel/v1/a"], "web": ["/", "/login"]}))
    default = conf.split("        location / {\n", 1)[1].split("}", 1)[0]
    assert "proxy_pass http://yys_web;" in default
    # A down web process leaves unknown paths a JSON 404; big bodies keep the JSON 413.
    assert "error_page 502 504 =404 @not_found;" in default and "error_page 413 @too_large;" in default
    assert f"location @not_found {{\n            return 404 '{NOT_FOUND_BODY}';" in conf
    # The web process's own /metrics and /docs stay off the edge, as for every other process.
    for path in ("= /metrics", "= /docs", "^~ /docs/"):
        assert f"location {path} {{ return 404 '{NOT_FOUND_BODY}'; }}" in conf


def test_children_share_targets_and_get_their_own_ports(tmp_path: Path) -> None:
    layout = allocate("127.0.0.1", 40000, ["travel", "order", "paysandbox"], {"travel", "order"},
                      broker=True)
    env = shared_env({"YYS_PORT": "1", "YYS_GRPC_PORT": "2", "PATH": "/bin"}, layout,
                     data_dir=tmp_path, public_base_url=layout.edge_url,
                     kafka_bootstrap="127.0.0.1:9", own_broker=True)
    assert "YYS_PORT" not in env and "YYS_GRPC_PORT" not in env
    assert env["YYS_TRAVEL_GRPC_TARGET"] == f"127.0.0.1:{layout.grpc_ports['travel']}"
    assert env["YYS_KAFKA_SESSION_TIMEOUT_MS"] == "3000"
    specs = {spec.name: spec for spec in yys_children(layout, env)}
    assert set(specs) == {"travel", "order", "paysandbox", "consumer", "worker", "scheduler"}
    assert specs["travel"].env is not None
    assert specs["travel"].env["YYS_GRPC_PORT"] == str(layout.grpc_ports["travel"])
    assert "YYS_GRPC_PORT" not in (specs["paysandbox"].env or {})  # serves no gRPC
    assert specs["consumer"].argv[-7:] == ("consume", "--services", "all", "--host", "127.0.0.1",
                                           "--port", str(layout.http_ports["consumer"]))
    ports = [*layout.http_ports.values(), *layout.grpc_ports.values(), layout.health_port]
    assert len(set(ports)) == len(ports)
