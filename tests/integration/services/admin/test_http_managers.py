"""Admin HTTP: managers CRUD (versions, last superadmin, self-delete, bad input), the audit log
written by every change and listed with filters, and the audit consumer's dedup."""

from __future__ import annotations

import asyncio
from typing import Any

import msgspec

from tests.integration.services.admin.conftest import (
    BASE,
    Client,
    assert_error,
    bearer,
    create_manager,
    login,
    on_app_loop,
    running,
)
from yys.contracts.admin import TOPIC_ADMIN_AUDIT, AuditEntry
from yys.kit.events import Event
from yys.kit.settings import Settings


async def test_managers_crud(client: Client) -> None:
    root = await login(client)
    ops = await create_manager(client, root, "Ops", "operator")
    assert set(ops) == {"id", "username", "role", "disabled", "version", "createTime", "updateTime"}
    assert (ops["username"], ops["role"], ops["version"]) == ("ops", "operator", 0)
    url = f"{BASE}/managers/{ops['id']}"
    assert (await client.get(url, headers=bearer(root))).json() == ops
    listed = (await client.get(f"{BASE}/managers", headers=bearer(root))).json()
    assert listed["total"] == 2 and [m["username"] for m in listed["list"]] == ["admin", "ops"]
    patched = await client.patch(url, headers=bearer(root), json={"version": 0, "role": "viewer",
                                                                  "disabled": None})
    assert patched.status_code == 200
    assert (patched.json()["role"], patched.json()["disabled"], patched.json()["version"]) == (
        "viewer", False, 1)
    stale = await client.patch(url, headers=bearer(root), json={"version": 0, "disabled": True})
    assert_error(stale, 409, 100006)
    assert_error(await client.delete(f"{url}?version=0", headers=bearer(root)), 409, 100006)
    assert (await client.delete(f"{url}?version=1", headers=bearer(root))).json() == {}
    assert_error(await client.get(url, headers=bearer(root)), 404, 700004)
    assert_error(await client.patch(url, headers=bearer(root), json={"version": 1}), 404, 700004)


async def test_create_refusals(client: Client) -> None:
    root = await login(client)
    await create_manager(client, root, "ops", "operator")
    cases: list[tuple[dict[str, Any], int, int]] = [
        ({"username": "OPS", "password": "password-1", "role": "viewer"}, 409, 700005),
        ({"username": "a'; DROP TABLE admin_manager; --", "password": "password-1",
          "role": "viewer"}, 400, 700006),
        ({"username": "newbie", "password": "short", "role": "viewer"}, 400, 700007),
        ({"username": "newbie", "password": "password-1", "role": "root"}, 400, 700008),
        ({"username": "newbie", "password": "password-1"}, 400, 100002),
        ({"username": 5, "password": "password-1", "role": "viewer"}, 400, 100002),
    ]
    for body, status, code in cases:
        assert_error(await client.post(f"{BASE}/managers", headers=bearer(root), json=body),
                     status, code)
    assert (await client.get(f"{BASE}/managers", headers=bearer(root))).json()["total"] == 2


async def test_list_paging_filters_and_bad_input(client: Client) -> None:
    root = await login(client)
    for i in range(5):
        await create_manager(client, root, f"ops{i}", "operator" if i % 2 else "viewer")

    async def get(query: str) -> Any:
        return await client.get(f"{BASE}/managers?{query}", headers=bearer(root))

    page = (await get("page=2&pageSize=2")).json()
    assert page["total"] == 6 and [m["username"] for m in page["list"]] == ["ops1", "ops2"]
    assert (await get("pageSize=100000")).json()["total"] == 6
    assert (await get("role=operator")).json()["total"] == 2
    assert (await get("username=OPS&role=viewer")).json()["total"] == 3
    for query in ("username=%25", "username=' OR '1'='1", "username=_"):
        assert (await get(query)).json() == {"total": 0, "list": []}
    for query in ("page=0", "page=-1", "pageSize=-1", "page=abc", "role=root",
                  "page=99999999999999999999"):
        assert_error(await get(query), 400)
    for bad in ("-1", "0", "99999999999999999999"):
        assert_error(await client.get(f"{BASE}/managers/{bad}", headers=bearer(root)), 400)


async def test_last_superadmin_and_self_delete(client: Client) -> None:
    root = await login(client)
    me = (await client.get(f"{BASE}/me", headers=bearer(root))).json()
    url = f"{BASE}/managers/{me['id']}"
    for change in ({"role": "operator"}, {"disabled": True}):
        assert_error(await client.patch(url, headers=bearer(root), json={"version": 0, **change}),
                     409, 700009)
    assert_error(await client.delete(url, headers=bearer(root)), 403, 700010)
    boss = await create_manager(client, root, "boss", "superadmin")
    boss_token = await login(client, "boss", "password-1")
    # With a second superadmin, admin may be demoted, and then boss is the last one.
    resp = await client.patch(url, headers=bearer(boss_token), json={"version": 0, "role": "operator"})
    assert resp.status_code == 200
    boss_url = f"{BASE}/managers/{boss['id']}"
    assert_error(await client.patch(boss_url, headers=bearer(boss_token),
                                    json={"version": 0, "disabled": True}), 409, 700009)
    assert_error(await client.delete(boss_url, headers=bearer(boss_token)), 403, 700010)
    assert (await client.delete(url, headers=bearer(boss_token))).status_code == 200


async def test_every_write_is_audited_without_secrets(client: Client) -> None:
    root = await login(client)
    ops = await create_manager(client, root, "ops", "operator")
    await client.patch(f"{BASE}/managers/{ops['id']}", headers=bearer(root),
                       json={"version": 0, "password": "another-pass", "disabled": True})
    await client.delete(f"{BASE}/managers/{ops['id']}", headers=bearer(root))
    await client.post(f"{BASE}/me/password", headers=bearer(root),
                      json={"oldPassword": "bootstrap-pass1", "newPassword": "changed-pass"})
    resp = await client.get(f"{BASE}/audit-log", headers=bearer(root))
    assert resp.status_code == 200
    log = resp.json()
    assert [e["action"] for e in log["list"]] == ["change-password", "delete", "update", "create",
                                                  "create"]
    assert log["total"] == 5
    assert "argon2" not in resp.text and "another-pass" not in resp.text
    update = log["list"][2]
    assert set(update) == {"id", "actorId", "actorName", "action", "resource", "resourceId",
                           "before", "after", "at", "service", "createTime"}
    assert (update["actorName"], update["resource"], update["resourceId"], update["service"]) == (
        "admin", "managers", str(ops["id"]), "admin")
    assert update["before"]["disabled"] is False and update["after"]["disabled"] is True
    assert update["after"]["passwordChanged"] is True
    bootstrap = log["list"][-1]
    assert (bootstrap["actorId"], bootstrap["actorName"]) == (0, "system")
    filtered = (await client.get(f"{BASE}/audit-log?action=create&actorId={update['actorId']}",
                                 headers=bearer(root))).json()
    assert filtered["total"] == 1
    window = f"from={update['at']}&to={update['at']}&resource=managers&pageSize=2&page=1"
    assert len((await client.get(f"{BASE}/audit-log?{window}", headers=bearer(root))).json()["list"]) == 2
    for query in ("actorId=-1", "from=-5", "page=0", "actorId=x"):
        assert_error(await client.get(f"{BASE}/audit-log?{query}", headers=bearer(root)), 400)
    assert_error(await client.get(f"{BASE}/audit-log"), 401, 100003)


async def test_consumer_stores_other_services_entries_once(settings: Settings) -> None:
    async with running(settings) as (client, process):
        root = await login(client)
        entry = AuditEntry(actor_id=9, actor_name="ops", action="refund", resource="orders",
                           resource_id="HSO1", at=1_900_000_000, before={"tradeState": 1},
                           after={"tradeState": 3}, service="order")
        event = Event(topic=TOPIC_ADMIN_AUDIT, key="HSO1", payload=msgspec.to_builtins(entry))

        async def publish_twice() -> None:
            await process.platform.bus.publish(event)
            await process.platform.bus.publish(event)  # a redelivery: same event id

        await on_app_loop(client, publish_twice)
        url = f"{BASE}/audit-log?resource=orders"
        found: dict[str, Any] = {}
        for _ in range(200):
            found = (await client.get(url, headers=bearer(root))).json()
            if found["total"]:
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.5)  # give a duplicate time to show up, if it were to
        found = (await client.get(url, headers=bearer(root))).json()
        assert found["total"] == 1
        (row,) = found["list"]
        assert (row["actorId"], row["action"], row["resourceId"], row["service"]) == (
            9, "refund", "HSO1", "order")
        assert (row["before"], row["after"]) == ({"tradeState": 1}, {"tradeState": 3})
