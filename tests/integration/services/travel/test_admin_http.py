"""The catalogue admin API over HTTP (SQLite and MariaDB): guards, validation, partial updates,
optimistic locking, soft delete, what the public endpoints show at once, and the audit trail."""

from __future__ import annotations

import time
from typing import Any

import pytest

from tests.integration.services.travel.conftest import AdminApi
from yys.kit.auth.tokens import ADMIN_AUDIENCE

A = "/admin/v1"
RESOURCES = ("homestays", "homestay-businesses", "homestay-activities", "homestay-comments")
NASTY = ("' OR 1=1 --", "%", "_", "\\", "%' OR '1'='1", "a_b%c\\d")

NEW_HOMESTAY = {"title": "新的小院", "subTitle": "New courtyard", "banner": "https://x/1.jpg",
                "info": "info", "peopleNum": 3, "homestayBusinessId": 1, "rowType": 0,
                "rowState": 1, "foodInfo": "早餐", "foodPrice": 25.5, "homestayPrice": 399.99,
                "marketHomestayPrice": 520}


async def _create(api: AdminApi, **override: Any) -> dict[str, Any]:
    body: dict[str, Any] = await api.call("POST", f"{A}/homestays",
                                          json={**NEW_HOMESTAY, **override})
    return body


async def test_no_token_user_token_expired_or_disabled_manager_is_401(admin_api: AdminApi) -> None:
    api = admin_api
    platform = api.process.platform
    user = platform.tokens.issue(1).access_token
    expired = platform.admin_tokens.issue(
        2, audience=ADMIN_AUDIENCE, now=time.time() - 10 * 24 * 3600,
        extra={"role": "operator", "username": "ops"}).access_token
    for headers in ({}, {"Authorization": f"Bearer {user}"},
                    {"Authorization": f"Bearer {expired}"}, api.roles["disabled"],
                    {"Authorization": "Bearer not-a-jwt"}):
        for path in (f"{A}/homestays", f"{A}/homestay-comments/1"):
            response = await api.client.get(path, headers=headers)
            assert response.status_code == 401, response.text
            assert response.json()["code"] == 100003
        response = await api.client.post(f"{A}/homestays", json=NEW_HOMESTAY, headers=headers)
        assert response.status_code == 401


async def test_viewer_reads_only_operator_writes_every_resource(admin_api: AdminApi) -> None:
    api = admin_api
    bodies = {"homestays": NEW_HOMESTAY,
              "homestay-businesses": {"title": "新商家", "userId": 1},
              "homestay-activities": {"rowType": "preferredHomestay", "dataId": 2},
              "homestay-comments": {"homestayId": 1, "userId": 1, "content": "好", "star": 5}}
    for resource in RESOURCES:
        listing = await api.call("GET", f"{A}/{resource}", role="viewer")
        assert listing["total"] >= 1 and listing["list"]
        first = listing["list"][0]
        assert {"id", "version", "createTime", "updateTime"} <= set(first)
        await api.call("GET", f"{A}/{resource}/{first['id']}", role="viewer")
        forbidden = await api.call("POST", f"{A}/{resource}", role="viewer", status=403,
                                   json=bodies[resource])
        assert forbidden["code"] == 100004
        await api.call("PATCH", f"{A}/{resource}/{first['id']}", role="viewer", status=403,
                       json={"version": first["version"]})
        await api.call("DELETE", f"{A}/{resource}/{first['id']}", role="viewer", status=403)
        created = await api.call("POST", f"{A}/{resource}", role="operator", json=bodies[resource])
        patched = await api.call("PATCH", f"{A}/{resource}/{created['id']}", role="superadmin",
                                 json={"version": created["version"]})
        assert patched["version"] == created["version"] + 1
        await api.call("DELETE", f"{A}/{resource}/{created['id']}", role="operator", status=204)
        await api.call("GET", f"{A}/{resource}/{created['id']}", role="viewer", status=404)


@pytest.mark.parametrize(("override", "status"), [
    ({"homestayPrice": 1.005}, 400), ({"foodPrice": -1}, 400),
    ({"homestayPrice": "1.005"}, 400), ({"rowState": 2}, 400), ({"rowType": -1}, 400),
    ({"peopleNum": 0}, 400),
    ({"homestayBusinessId": 999_999}, 404), ({"homestayBusinessId": -3}, 400),
    ({"title": ""}, 400), ({"unknownField": 1}, 400), ({"homestayPrice": True}, 400),
    ({"marketHomestayPrice": 10**12}, 400),
])
async def test_create_validation(admin_api: AdminApi, override: dict[str, Any], status: int
                                 ) -> None:
    body = await admin_api.call("POST", f"{A}/homestays", json={**NEW_HOMESTAY, **override},
                                status=status)
    assert body["code"] != 100001


async def test_create_shows_in_yuan_and_is_public_at_once(admin_api: AdminApi) -> None:
    api = admin_api
    created = await _create(api)
    assert (created["homestayPrice"], created["foodPrice"], created["marketHomestayPrice"]) == (
        399.99, 25.5, 520)
    assert created["userId"] > 0 and created["version"] == 0 and created["createTime"] > 0
    detail = (await api.public("/homestay/homestayDetail", {"id": created["id"]}))["homestay"]
    assert detail["homestayPrice"] == 399.99 and detail["title"] == NEW_HOMESTAY["title"]
    guess = (await api.public("/homestay/guessList"))["list"]
    assert guess[0]["id"] == created["id"]


async def test_partial_patch_keeps_unsent_fields_and_stale_version_is_409(admin_api: AdminApi
                                                                           ) -> None:
    api = admin_api
    before = await api.call("GET", f"{A}/homestays/1")
    await api.public("/homestay/homestayDetail", {"id": 1})  # cached now
    after = await api.call("PATCH", f"{A}/homestays/1",
                           json={"version": before["version"], "title": "改名", "info": None})
    changed = {k for k in before if before[k] != after[k]}
    assert changed in ({"title", "version", "updateTime"}, {"title", "version"})
    stale = await api.call("PATCH", f"{A}/homestays/1", status=409,
                           json={"version": before["version"], "homestayPrice": 1})
    assert stale["code"] == 100006
    priced = await api.call("PATCH", f"{A}/homestays/1",
                            json={"version": after["version"], "homestayPrice": 123.45})
    assert priced["foodPrice"] == before["foodPrice"] and priced["title"] == "改名"
    detail = (await api.public("/homestay/homestayDetail", {"id": 1}))["homestay"]
    assert (detail["homestayPrice"], detail["title"]) == (123.45, "改名")
    await api.call("PATCH", f"{A}/homestays/1", status=400, json={"title": "no version"})


async def test_off_shelf_and_delete_hide_from_the_public_api(admin_api: AdminApi) -> None:
    api = admin_api
    created = await _create(api)
    hid = created["id"]
    await api.call("POST", f"{A}/homestay-activities",
                   json={"rowType": "preferredHomestay", "dataId": hid})
    assert hid in [h["id"] for h in (await api.public("/homestay/homestayList"))["list"]]
    off = await api.call("PATCH", f"{A}/homestays/{hid}",
                         json={"version": created["version"], "rowState": 0})
    await api.public("/homestay/homestayDetail", {"id": hid}, status=404)
    for path, body in (("/homestay/homestayList", {}), ("/homestay/guessList", {}),
                       ("/homestay/businessList", {"homestayBusinessId": 1, "pageSize": 100})):
        assert hid not in [h["id"] for h in (await api.public(path, body))["list"]]
    listed = await api.call("GET", f"{A}/homestays", params={"rowState": 0})
    assert hid in [h["id"] for h in listed["list"]]  # the back office still sees it
    await api.call("DELETE", f"{A}/homestays/{hid}", params={"version": created["version"]},
                   status=409)
    await api.call("DELETE", f"{A}/homestays/{hid}", params={"version": off["version"]},
                   status=204)
    await api.call("GET", f"{A}/homestays/{hid}", status=404)
    await api.call("PATCH", f"{A}/homestays/{hid}", json={"version": off["version"] + 1},
                   status=404)
    assert hid not in [h["id"] for h in (await api.call("GET", f"{A}/homestays",
                                                        params={"pageSize": 100}))["list"]]


async def test_filters_sort_and_paging(admin_api: AdminApi) -> None:
    api = admin_api
    everything = await api.call("GET", f"{A}/homestays", params={"pageSize": 10000})
    assert len(everything["list"]) == min(everything["total"], 100)
    ids = [h["id"] for h in everything["list"]]
    assert ids == sorted(ids, reverse=True)  # newest first by default
    own = await api.call("GET", f"{A}/homestays", params={"homestayBusinessId": 1})
    assert own["total"] == 5 and {h["homestayBusinessId"] for h in own["list"]} == {1}
    by_price = await api.call("GET", f"{A}/homestays", params={"sort": "-homestayPrice"})
    prices = [h["homestayPrice"] for h in by_price["list"]]
    assert prices == sorted(prices, reverse=True)
    page2 = await api.call("GET", f"{A}/homestays", params={"page": 2, "pageSize": 3})
    assert [h["id"] for h in page2["list"]] == ids[3:6] and page2["total"] == everything["total"]
    beyond = await api.call("GET", f"{A}/homestays", params={"page": 1000})
    assert beyond["list"] == [] and beyond["total"] == everything["total"]
    titled = await api.call("GET", f"{A}/homestays", params={"title": "洱海"})
    assert titled["list"] and all("洱海" in h["title"] for h in titled["list"])
    for bad in ({"page": 0}, {"page": -1}, {"pageSize": -1}, {"sort": "password"},
                {"sort": "-id; DROP TABLE travel_homestay"}, {"rowState": 5},
                {"homestayBusinessId": -1}, {"homestayBusinessId": 2**70}, {"page": "x"}):
        body = await api.call("GET", f"{A}/homestays", params=bad, status=400)
        assert body["code"] == 100002 or body["code"] // 1000 == 300
    await api.call("GET", f"{A}/homestay-activities", params={"rowType": "bogus"}, status=400)
    acts = await api.call("GET", f"{A}/homestay-activities",
                          params={"rowType": "goodBusiness", "rowStatus": 1})
    assert acts["total"] == 3 and {a["rowType"] for a in acts["list"]} == {"goodBusiness"}
    comments = await api.call("GET", f"{A}/homestay-comments", params={"homestayId": 1})
    assert comments["total"] >= 1 and {c["homestayId"] for c in comments["list"]} == {1}


async def test_sql_metacharacters_in_string_filters_are_plain_text(admin_api: AdminApi) -> None:
    api = admin_api
    string_filters = [("homestays", "title"), ("homestay-businesses", "title"),
                      ("homestay-comments", "orderSn")]
    for resource, name in string_filters:
        for value in NASTY:
            body = await api.call("GET", f"{A}/{resource}", params={name: value})
            assert body == {"total": 0, "list": []}, (resource, name, value)
    marked = await _create(api, title="五折%特价_房\\间")
    for value in ("%", "_", "\\", "%特价_", "房\\间"):
        found = await api.call("GET", f"{A}/homestays", params={"title": value})
        assert [h["id"] for h in found["list"]] == [marked["id"]], value


async def test_ids_out_of_range(admin_api: AdminApi) -> None:
    api = admin_api
    for resource in RESOURCES:
        for bad, status in (("-1", 400), ("0", 400), (str(2**64), 400), ("999999", 404),
                            ("abc", 404)):
            response = await api.client.get(f"{A}/{resource}/{bad}",
                                            headers=api.roles["viewer"])
            assert response.status_code in (status, 400, 404), (resource, bad, response.text)
            assert response.status_code != 500


async def test_business_and_activity_writes_are_public_at_once(admin_api: AdminApi) -> None:
    api = admin_api
    biz = await api.call("GET", f"{A}/homestay-businesses/1")
    await api.public("/homestayBussiness/homestayBussinessDetail", {"id": 1})  # cached
    await api.call("PATCH", f"{A}/homestay-businesses/1",
                   json={"version": biz["version"], "bossInfo": "新老板介绍"})
    boss = (await api.public("/homestayBussiness/homestayBussinessDetail", {"id": 1}))["boss"]
    assert boss["info"] == "新老板介绍"
    good = await api.call("GET", f"{A}/homestay-activities", params={"rowType": "goodBusiness"})
    first = good["list"][-1]  # the oldest: rank 1
    bosses = (await api.public("/homestayBussiness/goodBoss"))["list"]
    assert bosses[0]["id"] == first["dataId"]
    await api.call("PATCH", f"{A}/homestay-activities/{first['id']}",
                   json={"version": first["version"], "rowStatus": 0})
    assert first["dataId"] not in [b["id"] for b in
                                   (await api.public("/homestayBussiness/goodBoss"))["list"]]
    await api.call("POST", f"{A}/homestay-activities", status=404,
                   json={"rowType": "goodBusiness", "dataId": 999_999})


async def test_every_write_is_audited_with_before_and_after(admin_api: AdminApi) -> None:
    api = admin_api
    created = await _create(api)
    patched = await api.call("PATCH", f"{A}/homestays/{created['id']}",
                             json={"version": 0, "homestayPrice": 100})
    await api.call("DELETE", f"{A}/homestays/{created['id']}", status=204)
    await api.call("PATCH", f"{A}/homestays/1", json={"version": 0, "homestayPrice": 1.001},
                   status=400)  # refused writes leave no trace
    audits = [e for e in await api.audits() if e["resourceId"] == str(created["id"])]
    assert [e["action"] for e in audits] == ["create", "update", "delete"]
    create, update, delete = audits
    assert create["before"] is None and create["after"] == created
    assert update["before"]["homestayPrice"] == 399.99 and update["after"] == patched
    assert delete["after"] is None and delete["before"]["version"] == patched["version"]
    assert {(e["actorId"], e["actorName"], e["resource"], e["service"]) for e in audits} == {
        (2, "ops", "homestays", "travel")}
    assert all(abs(e["at"] - time.time()) < 120 for e in audits)
    assert not [e for e in await api.audits() if e["resourceId"] == "1"]
