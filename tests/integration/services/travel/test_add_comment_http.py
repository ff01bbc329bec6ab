"""addComment over HTTP (SQLite and MariaDB): only the caller's own used order of the homestay,
once per order; the comment list and the business' comment stats show it at once."""

from __future__ import annotations

from typing import Any

from tests.integration.services.travel.conftest import AdminApi
from yys.contracts.trade import TradeState

A = "/admin/v1"


async def _user(api: AdminApi, mobile: str) -> tuple[int, dict[str, str]]:
    response = await api.client.post("/usercenter/v1/user/register",
                                      json={"mobile": mobile, "password": "password123"})
    assert response.status_code == 200, response.text
    headers = {"Authorization": f"Bearer {response.json()['accessToken']}"}
    detail = await api.client.post("/usercenter/v1/user/detail", json={}, headers=headers)
    return int(detail.json()["userInfo"]["id"]), headers


def _body(sn: str, homestay_id: int = 1, **extra: Any) -> dict[str, Any]:
    return {"homestayId": homestay_id, "orderSn": sn, "content": "住得很舒服", "star": 4, **extra}


async def test_add_comment_rules(admin_api: AdminApi) -> None:
    api = admin_api
    uid, me = await _user(api, "17700000001")
    other, _ = await _user(api, "17700000002")
    api.orders.add("SN-USED", user_id=uid, homestay_id=1, trade_state=TradeState.USED)
    api.orders.add("SN-PAID", user_id=uid, homestay_id=1, trade_state=TradeState.WAIT_USE)
    api.orders.add("SN-OTHER", user_id=other, homestay_id=1, trade_state=TradeState.USED)
    path = "/homestayComment/addComment"
    await api.public(path, _body("SN-USED"), status=401)
    await api.public(path, _body("SN-OTHER"), status=404, headers=me)
    await api.public(path, _body("SN-NONE"), status=404, headers=me)
    await api.public(path, _body("SN-USED", homestay_id=2), status=404, headers=me)
    assert (await api.public(path, _body("SN-PAID"), status=409, headers=me))["code"] == 300007
    for bad in ({"star": 6}, {"star": 0}, {"content": ""}, {"content": "x" * 501},
                {"content": "   "}, {"homestayId": -1}, {"orderSn": ""}):
        body = await api.public(path, _body("SN-USED", **bad), status=400, headers=me)
        assert body["code"] in (100002, 300005)
    created = await api.public(path, _body("SN-USED"), headers=me)
    again = await api.public(path, _body("SN-USED", star=1), status=409, headers=me)
    assert again["code"] == 300006
    listed = (await api.public("/homestayComment/commentList", {"homestayId": 1}))["list"]
    assert listed[0]["id"] == created["id"] and listed[0]["userId"] == uid
    assert listed[0]["content"] == "住得很舒服" and listed[0]["star"] == 4


async def test_comments_move_the_business_stats(admin_api: AdminApi) -> None:
    api = admin_api
    uid, me = await _user(api, "17700000003")
    before = await api.call("GET", f"{A}/homestay-businesses/1")
    await api.public("/homestayBussiness/homestayBussinessDetail", {"id": 1})  # cached
    comments = await api.call("GET", f"{A}/homestay-comments",
                              params={"homestayId": 1, "pageSize": 100})
    api.orders.add("SN-STATS", user_id=uid, homestay_id=1, trade_state=TradeState.USED)
    created = await api.public("/homestayComment/addComment", _body("SN-STATS", star=1),
                               headers=me)
    after = await api.call("GET", f"{A}/homestay-businesses/1")
    assert after["commentCount"] == before["commentCount"] + 1
    assert after["star"] < before["star"] or before["star"] == 1
    item = await api.call("GET", f"{A}/homestay-comments/{created['id']}")
    assert item["orderSn"] == "SN-STATS" and item["userId"] == uid
    total = (await api.call("GET", f"{A}/homestay-comments", params={"homestayId": 1}))["total"]
    assert total == comments["total"] + 1
    moderated = await api.call("PATCH", f"{A}/homestay-comments/{created['id']}",
                               json={"version": item["version"], "content": "已审核"})
    assert moderated["star"] == 1 and moderated["orderSn"] == "SN-STATS"
    await api.call("DELETE", f"{A}/homestay-comments/{created['id']}", status=204)
    restored = await api.call("GET", f"{A}/homestay-businesses/1")
    assert restored["commentCount"] == before["commentCount"]
    ids = [c["id"] for c in (await api.public("/homestayComment/commentList",
                                              {"homestayId": 1, "pageSize": 100}))["list"]]
    assert created["id"] not in ids
    # A deleted comment still holds its order: one comment per order, even after moderation.
    await api.public("/homestayComment/addComment", _body("SN-STATS"), status=409, headers=me)
    await api.call("PATCH", f"{A}/homestay-comments/{created['id']}", status=404,
                   json={"version": moderated["version"], "star": 5})
    await api.call("PATCH", f"{A}/homestay-comments/1", status=400,
                   json={"version": 0, "userId": 5})
