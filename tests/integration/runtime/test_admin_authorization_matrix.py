"""Every admin route × every role × no token / user token / expired token.

The routes are read from the assembled application, so a route added later is covered without
editing this file. Dummy ids and empty bodies are enough: the guard runs before the handler, so
the status tells whether access was granted (anything but 401/403) or refused.
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient

from yys.kit.auth.tokens import ADMIN_AUDIENCE
from yys.kit.settings import Settings
from yys.runtime.app import build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES

PASSWORD = "matrix-admin-pass"
WRITE_METHODS = {"POST", "PATCH", "PUT", "DELETE"}
PUBLIC = {("POST", "/admin/v1/auth/login")}
ANY_ROLE_WRITES = {("POST", "/admin/v1/me/password")}  # a manager's own password
SUPERADMIN_ONLY = re.compile(r"^/admin/v1/managers")


@dataclass(frozen=True)
class Route:
    method: str
    template: str
    path: str


@dataclass
class World:
    client: AsyncTestClient[Litestar]
    routes: list[Route]
    tokens: dict[str, str]


def _concrete(template: str) -> str:
    def value(match: re.Match[str]) -> str:
        return "999999" if match.group(2) == "int" else "HSO-NOT-THERE"

    return re.sub(r"\{(\w+):(\w+)\}", value, template)


def admin_routes(app: Litestar) -> list[Route]:
    found = []
    for route in app.routes:
        if not route.path.startswith("/admin/"):
            continue
        for method in sorted(getattr(route, "methods", ()) or ()):
            if method in ("HEAD", "OPTIONS"):
                continue
            found.append(Route(method, route.path, _concrete(route.path)))
    return found


async def _login(client: AsyncTestClient[Litestar], username: str, password: str) -> str:
    r = await client.post("/admin/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return str(r.json()["accessToken"])


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    settings = Settings(data_dir=tmp_path, admin_password=PASSWORD,  # type: ignore[arg-type]
                        login_rate_per_client=1000)
    platform = build_platform(settings)
    process = build_process(platform, list(SERVICES))
    app = create_app(process, migrate_on_start=True)
    async with AsyncTestClient(app=app) as client:
        tokens = {"superadmin": await _login(client, "admin", PASSWORD)}
        for role in ("operator", "viewer"):
            r = await client.post("/admin/v1/managers", json={
                "username": f"matrix-{role}", "password": f"{role}-password-1", "role": role},
                headers={"Authorization": f"Bearer {tokens['superadmin']}"})
            assert r.status_code == 200, r.text
            tokens[role] = await _login(client, f"matrix-{role}", f"{role}-password-1")
        reg = await client.post("/usercenter/v1/user/register",
                                json={"mobile": "13512345678", "password": "user-password-1"})
        assert reg.status_code == 200, reg.text
        tokens["user"] = reg.json()["accessToken"]
        me = await client.get("/admin/v1/me", headers={"Authorization": f"Bearer {tokens['superadmin']}"})
        tokens["expired"] = platform.admin_tokens.issue(
            int(me.json()["id"]), audience=ADMIN_AUDIENCE, now=time.time() - 30 * 24 * 3600,
            extra={"role": "superadmin", "username": "admin"}).access_token
        yield World(client, admin_routes(app), tokens)


async def _call(world: World, route: Route, token: str | None) -> Any:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    kwargs: dict[str, Any] = {"headers": headers}
    if route.method in ("POST", "PATCH", "PUT"):
        kwargs["json"] = {}
    return await world.client.request(route.method, route.path, **kwargs)


async def test_the_matrix_covers_every_admin_resource(world: World) -> None:
    templates = {r.template for r in world.routes}
    for resource in ("managers", "users", "homestays", "homestay-activities", "homestay-businesses",
                     "homestay-comments", "orders", "payments", "stats", "audit-log", "me"):
        assert any(t.startswith(f"/admin/v1/{resource}") for t in templates), resource


async def test_without_a_valid_admin_token_every_route_is_401(world: World) -> None:
    for route in world.routes:
        if (route.method, route.template) in PUBLIC:
            continue
        for label, token in (("none", None), ("user", world.tokens["user"]),
                             ("expired", world.tokens["expired"]), ("garbage", "x.y.z")):
            r = await _call(world, route, token)
            assert r.status_code == 401, (label, route, r.status_code, r.text)
            assert r.json()["code"] == 100003


def _allowed(role: str, route: Route) -> bool:
    if SUPERADMIN_ONLY.match(route.template):
        return role == "superadmin"
    if route.method in WRITE_METHODS and (route.method, route.template) not in ANY_ROLE_WRITES:
        return role in ("operator", "superadmin")
    return True


@pytest.mark.parametrize("role", ["viewer", "operator", "superadmin"])
async def test_each_role_gets_exactly_its_rights(world: World, role: str) -> None:
    for route in world.routes:
        if (route.method, route.template) in PUBLIC:
            continue
        r = await _call(world, route, world.tokens[role])
        assert r.status_code < 500, (role, route, r.status_code, r.text)
        if _allowed(role, route):
            assert r.status_code not in (401, 403), (role, route, r.status_code, r.text)
        else:
            assert r.status_code == 403, (role, route, r.status_code, r.text)
        assert r.status_code < 400 or set(r.json()) >= {"code", "msg"}
