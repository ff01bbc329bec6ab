"""Console test helpers: log a manager in through the login form, create managers of each role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from tests.integration.web.conftest import ADMIN_PASSWORD, Site

ROLE_PASSWORD = "console-role-pass-1"


@asynccontextmanager
async def console_login(site: Site, username: str = "admin", password: str = ADMIN_PASSWORD,
                        **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client holding a console session."""
    async with site.browser(**headers) as client:
        resp = await client.post("/console/login", data={"username": username, "password": password,
                                                          "next": "/console"})
        assert resp.status_code == 303, resp.text
        assert resp.headers["location"] == "/console"
        yield client


async def admin_token(site: Site) -> str:
    async with site.api() as api:
        r = await api.post("/admin/v1/auth/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status_code == 200, r.text
    return str(r.json()["accessToken"])


async def ensure_manager(site: Site, username: str, role: str) -> None:
    token = await admin_token(site)
    async with site.api() as api:
        r = await api.post("/admin/v1/managers", json={"username": username, "password": ROLE_PASSWORD,
                                                       "role": role},
                           headers={"Authorization": f"Bearer {token}"})
    assert r.status_code in (200, 409), r.text
