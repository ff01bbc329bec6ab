"""The users admin API over HTTP (SQLite and MariaDB): list filters, detail, disable/enable with
immediate effect on tokens and login, guards and the audit trail. Never a password hash."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from litestar.testing import AsyncTestClient

from tests.support.admin import FakeAdminClient, role_headers
from yys.contracts.admin import TOPIC_ADMIN_AUDIT
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.services.usercenter.tables import outbox

A = "/admin/v1"
UC = "/usercenter/v1"
PASSWORD = "password123"
Client = AsyncTestClient[Any]


@pytest.fixture(params=["sqlite", pytest.param("mariadb", marks=pytest.mark.mariadb)])
def app_database_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "sqlite":
        return None
    url: str = request.getfixturevalue("mariadb_url")
    return url


@pytest.fixture
async def app(tmp_path: Path, app_database_url: str | None
              ) -> AsyncIterator[tuple[Client, Process, dict[str, dict[str, str]]]]:
    settings = Settings(data_dir=tmp_path, database_url=app_database_url,
                        password_hash_time_cost=1, password_hash_memory_kib=1024,
                        login_rate_per_client=1000)
    process = build_process(build_platform(settings), ["usercenter"])
    process.clients.bind("admin", FakeAdminClient())
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as client:
        yield client, process, role_headers(process.platform.admin_tokens)


async def _register(client: Client, mobile: str) -> str:
    response = await client.post(f"{UC}/user/register", json={"mobile": mobile, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["accessToken"]
    return token


async def _get(client: Client, path: str, headers: dict[str, str], status: int = 200,
               **params: Any) -> Any:
    response = await client.get(path, headers=headers, params=params)
    assert response.status_code == status, response.text
    return response.json()


async def _audits(client: Client, process: Process) -> list[dict[str, Any]]:
    db = process.platform.database("usercenter")

    async def read() -> list[dict[str, Any]]:
        async with db.read() as conn:
            rows = await conn.execute(sa.select(outbox.c.topic, outbox.c.payload)
                                      .order_by(outbox.c.id))
            return [json.loads(r.payload) for r in rows if r.topic == TOPIC_ADMIN_AUDIT]

    result: list[dict[str, Any]] = await asyncio.to_thread(client.blocking_portal.call, read)
    return result


async def test_list_filters_and_detail(app: tuple[Client, Process, dict[str, dict[str, str]]]
                                       ) -> None:
    client, _, roles = app
    for mobile in ("13800000001", "13800000002", "13900000003"):
        await _register(client, mobile)
    viewer = roles["viewer"]
    everything = await _get(client, f"{A}/users", viewer)
    assert everything["total"] == 3
    first = everything["list"][0]
    assert set(first) == {"id", "mobile", "nickname", "sex", "avatar", "info", "disabled",
                          "version", "createTime", "updateTime"}
    assert [u["id"] for u in everything["list"]] == sorted(
        (u["id"] for u in everything["list"]), reverse=True)
    assert (await _get(client, f"{A}/users", viewer, mobile="1380"))["total"] == 2
    assert (await _get(client, f"{A}/users", viewer, nickname="0003"))["total"] == 1
    assert (await _get(client, f"{A}/users", viewer, disabled="false"))["total"] == 3
    assert (await _get(client, f"{A}/users", viewer, disabled="true"))["total"] == 0
    ascending = await _get(client, f"{A}/users", viewer, sort="mobile", pageSize=10000)
    assert [u["mobile"] for u in ascending["list"]] == ["13800000001", "13800000002",
                                                       "13900000003"]
    page = await _get(client, f"{A}/users", viewer, page=2, pageSize=2)
    assert page["total"] == 3 and len(page["list"]) == 1
    for nasty in ("' OR 1=1 --", "%", "_", "\\", "1%", "1_"):
        assert await _get(client, f"{A}/users", viewer, mobile=nasty) == {"total": 0, "list": []}
        assert await _get(client, f"{A}/users", viewer, nickname=nasty) == {"total": 0,
                                                                           "list": []}
    for bad in ({"page": 0}, {"pageSize": -5}, {"sort": "password"}, {"disabled": "maybe"}):
        await _get(client, f"{A}/users", viewer, status=400, **bad)
    detail = await _get(client, f"{A}/users/{first['id']}", viewer)
    assert detail == first and "password" not in json.dumps(detail).lower()
    await _get(client, f"{A}/users/-1", viewer, status=400)
    await _get(client, f"{A}/users/{2**64}", viewer, status=400)
    await _get(client, f"{A}/users/999999", viewer, status=404)


async def test_guards(app: tuple[Client, Process, dict[str, dict[str, str]]]) -> None:
    client, process, roles = app
    user_token = await _register(client, "13800000009")
    users = await _get(client, f"{A}/users", roles["viewer"])
    uid = users["list"][0]["id"]
    for headers in ({}, {"Authorization": f"Bearer {user_token}"}, roles["disabled"]):
        body = await _get(client, f"{A}/users", headers, status=401)
        assert body["code"] == 100003
        response = await client.post(f"{A}/users/{uid}/disable", headers=headers)
        assert response.status_code == 401
    response = await client.post(f"{A}/users/{uid}/disable", headers=roles["viewer"])
    assert response.status_code == 403 and response.json()["code"] == 100004
    assert not await _audits(client, process)


async def test_disable_stops_tokens_and_login_at_once_and_is_audited(
        app: tuple[Client, Process, dict[str, dict[str, str]]]) -> None:
    client, process, roles = app
    token = await _register(client, "13800000007")
    me = {"Authorization": f"Bearer {token}"}
    assert (await client.post(f"{UC}/user/detail", headers=me)).status_code == 200  # cached
    uid = (await _get(client, f"{A}/users", roles["viewer"]))["list"][0]["id"]
    disabled = await client.post(f"{A}/users/{uid}/disable", headers=roles["operator"])
    assert disabled.status_code == 200 and disabled.json()["disabled"] is True
    refused = await client.post(f"{UC}/user/detail", headers=me)
    assert refused.status_code == 401
    login = await client.post(f"{UC}/user/login", json={"mobile": "13800000007",
                                                        "password": PASSWORD})
    assert login.status_code == 403 and login.json()["code"] == 200003
    again = await client.post(f"{A}/users/{uid}/disable", headers=roles["superadmin"])
    assert again.json()["version"] == disabled.json()["version"]  # nothing changed
    enabled = await client.post(f"{A}/users/{uid}/enable", headers=roles["operator"])
    assert enabled.json()["disabled"] is False
    assert (await client.post(f"{UC}/user/detail", headers=me)).status_code == 200
    missing = await client.post(f"{A}/users/999999/enable", headers=roles["operator"])
    assert missing.status_code == 404
    audits = await _audits(client, process)
    assert [(a["action"], a["actorName"], a["resource"], a["resourceId"]) for a in audits] == [
        ("disable", "ops", "users", str(uid)), ("enable", "ops", "users", str(uid))]
    assert audits[0]["before"]["disabled"] is False and audits[0]["after"]["disabled"] is True
    assert "password" not in json.dumps(audits).lower()
