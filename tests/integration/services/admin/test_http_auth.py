"""Admin HTTP: login, lockout across processes, the per-address limit, tokens that do not pass,
roles, the caller's account and password, and tokens of changed managers refused at once."""

from __future__ import annotations

import time
from pathlib import Path

from tests.integration.services.admin.conftest import (
    BASE,
    ROOT_PASSWORD,
    Client,
    admin_settings,
    assert_error,
    bearer,
    create_manager,
    login,
    running,
)
from yys.kit.auth.tokens import ADMIN_AUDIENCE
from yys.kit.settings import Settings


async def test_login_me_and_token_shape(client: Client) -> None:
    resp = await client.post(f"{BASE}/auth/login", json={"username": "Admin", "password": ROOT_PASSWORD})
    assert resp.status_code == 200
    body = resp.json()
    assert set(body) == {"accessToken", "accessExpire"} and body["accessExpire"] > time.time()
    me = await client.get(f"{BASE}/me", headers=bearer(body["accessToken"]))
    assert me.status_code == 200
    assert set(me.json()) == {"id", "username", "role", "disabled", "version", "createTime",
                              "updateTime"}
    assert (me.json()["username"], me.json()["role"]) == ("admin", "superadmin")


async def test_every_credential_failure_is_the_same_401(client: Client) -> None:
    root = await login(client)
    await create_manager(client, root, "gone", "viewer")
    ops = await create_manager(client, root, "ops", "operator")
    await client.patch(f"{BASE}/managers/{ops['id']}", headers=bearer(root),
                       json={"version": 0, "disabled": True})
    bodies = []
    for username, password in (("admin", "wrong-pass"), ("nobody", ROOT_PASSWORD),
                               ("ops", "password-1"), ("", "")):
        resp = await client.post(f"{BASE}/auth/login", json={"username": username, "password": password})
        bodies.append(assert_error(resp, 401, 700001))
    assert len({b["msg"] for b in bodies}) == 1
    assert_error(await client.post(f"{BASE}/auth/login", json={"username": "admin"}), 400, 100002)


async def test_lockout_holds_across_processes(settings: Settings, tmp_path: Path) -> None:
    async with running(settings) as (first, _):
        for _ in range(3):
            resp = await first.post(f"{BASE}/auth/login",
                                    json={"username": "admin", "password": "wrong-pass"})
            assert_error(resp, 401, 700001)
        locked = await first.post(f"{BASE}/auth/login",
                                  json={"username": "admin", "password": ROOT_PASSWORD})
        assert_error(locked, 429, 700002)
        assert 0 < int(locked.headers["Retry-After"]) <= 60
    async with running(settings) as (second, _):  # another process, the same database
        resp = await second.post(f"{BASE}/auth/login",
                                 json={"username": "admin", "password": ROOT_PASSWORD})
        assert_error(resp, 429, 700002)


async def test_per_address_rate_limit(tmp_path: Path, database_url: str) -> None:
    settings = admin_settings(tmp_path, database_url, login_rate_per_client=3,
                              login_rate_window_seconds=3600, admin_login_max_failures=100)
    async with running(settings) as (client, _):
        for attempt in range(3):
            resp = await client.post(f"{BASE}/auth/login",
                                     json={"username": f"u{attempt}", "password": "whatever1"})
            assert resp.status_code == 401
        limited = await client.post(f"{BASE}/auth/login",
                                    json={"username": "admin", "password": ROOT_PASSWORD})
        assert_error(limited, 429, 700003)
        assert int(limited.headers["Retry-After"]) >= 1


async def test_tokens_that_do_not_pass(client: Client) -> None:
    root = await login(client)
    for headers in ({}, bearer("garbage"), {"Authorization": root},
                    bearer(root[:-4] + "AAAA")):
        assert_error(await client.get(f"{BASE}/me", headers=headers), 401, 100003)


async def test_user_and_expired_tokens_are_refused(settings: Settings) -> None:
    async with running(settings) as (client, process):
        tokens = process.platform.admin_tokens
        user_token = process.platform.tokens.issue(1).access_token
        expired = tokens.issue(1, audience=ADMIN_AUDIENCE, now=time.time() - 10 * 24 * 3600,
                               extra={"role": "superadmin", "username": "admin"}).access_token
        for token in (user_token, expired):
            assert_error(await client.get(f"{BASE}/me", headers=bearer(token)), 401, 100003)
        forged_role = tokens.issue(1, audience=ADMIN_AUDIENCE,
                                   extra={"role": "superadmin", "username": "someone"}).access_token
        assert_error(await client.get(f"{BASE}/me", headers=bearer(forged_role)), 401, 100003)


async def test_roles(client: Client) -> None:
    root = await login(client)
    await create_manager(client, root, "viewer1", "viewer")
    await create_manager(client, root, "ops1", "operator")
    for name in ("viewer1", "ops1"):
        token = await login(client, name, "password-1")
        assert (await client.get(f"{BASE}/me", headers=bearer(token))).status_code == 200
        assert (await client.get(f"{BASE}/audit-log", headers=bearer(token))).status_code == 200
        assert_error(await client.get(f"{BASE}/managers", headers=bearer(token)), 403, 100004)
        resp = await client.post(f"{BASE}/managers", headers=bearer(token),
                                 json={"username": "x" + name, "password": "password-1",
                                       "role": "viewer"})
        assert_error(resp, 403, 100004)


async def test_changed_managers_tokens_are_refused_at_once(client: Client) -> None:
    root = await login(client)
    ops = await create_manager(client, root, "ops", "operator")
    boss = await create_manager(client, root, "boss", "superadmin")
    ops_token = await login(client, "ops", "password-1")
    boss_token = await login(client, "boss", "password-1")
    assert (await client.get(f"{BASE}/me", headers=bearer(ops_token))).status_code == 200
    assert (await client.get(f"{BASE}/managers", headers=bearer(boss_token))).status_code == 200
    await client.patch(f"{BASE}/managers/{ops['id']}", headers=bearer(root),
                       json={"version": 0, "disabled": True})
    await client.patch(f"{BASE}/managers/{boss['id']}", headers=bearer(root),
                       json={"version": 0, "role": "viewer"})
    assert_error(await client.get(f"{BASE}/me", headers=bearer(ops_token)), 401, 100003)
    # The token still says superadmin; the current role (viewer) decides.
    assert_error(await client.get(f"{BASE}/managers", headers=bearer(boss_token)), 403, 100004)
    assert (await client.get(f"{BASE}/me", headers=bearer(boss_token))).json()["role"] == "viewer"
    resp = await client.delete(f"{BASE}/managers/{ops['id']}", headers=bearer(root))
    assert resp.status_code == 200
    assert_error(await client.get(f"{BASE}/me", headers=bearer(ops_token)), 401, 100003)


async def test_change_own_password(client: Client) -> None:
    root = await create_and_login_viewer(client)
    url = f"{BASE}/me/password"
    resp = await client.post(url, headers=bearer(root), json={"oldPassword": "wrong-pass",
                                                               "newPassword": "new-password"})
    assert_error(resp, 400, 700011)
    resp = await client.post(url, headers=bearer(root), json={"oldPassword": "password-1",
                                                               "newPassword": "short"})
    assert_error(resp, 400, 700007)
    assert_error(await client.post(url, headers=bearer(root), json={"newPassword": "x" * 10}),
                 400, 100002)
    resp = await client.post(url, headers=bearer(root), json={"oldPassword": "password-1",
                                                               "newPassword": "new-password"})
    assert resp.status_code == 200 and resp.json() == {}
    assert await login(client, "watcher", "new-password")
    resp = await client.post(f"{BASE}/auth/login", json={"username": "watcher",
                                                         "password": "password-1"})
    assert_error(resp, 401, 700001)


async def create_and_login_viewer(client: Client) -> str:
    """A viewer may change its own password: that is not a back-office write."""
    await create_manager(client, await login(client), "watcher", "viewer")
    return await login(client, "watcher", "password-1")


async def test_openapi_lists_the_admin_routes(client: Client) -> None:
    resp = await client.get("/docs/openapi.json")
    assert resp.status_code == 200
    paths = set(resp.json()["paths"])
    assert {f"{BASE}/auth/login", f"{BASE}/me", f"{BASE}/me/password", f"{BASE}/managers",
            f"{BASE}/managers/{{manager_id}}", f"{BASE}/audit-log"} <= paths
