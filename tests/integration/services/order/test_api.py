"""The order HTTP API in one process (usercenter + travel + order on SQLite), through the real
travel client: create (with Idempotency-Key replays and concurrent duplicates), list, detail,
and every error status."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from tests.unit.services.order.fakes import FakeMqueue, FakePayment
from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.services.travel.repository import SqlTravelRepository

BASE = "/order/v1/homestayOrder"
Client = AsyncTestClient[Any]
DETAIL_FIELDS = {
    "sn", "userId", "homestayId", "title", "subTitle", "cover", "info", "peopleNum", "rowType",
    "needFood", "foodInfo", "foodPrice", "homestayPrice", "marketHomestayPrice",
    "homestayBusinessId", "homestayUserId", "liveStartDate", "liveEndDate", "livePeopleNum",
    "tradeState", "tradeCode", "remark", "orderTotalPrice", "foodTotalPrice",
    "homestayTotalPrice", "createTime", "payTime", "payType"}
LIST_FIELDS = {"id", "sn", "title", "subTitle", "homestayId", "cover", "orderTotalPrice",
               "createTime", "tradeState", "liveStartDate", "liveEndDate", "tradeCode"}


@pytest.fixture
def process(tmp_path: Path) -> Process:
    settings = Settings(data_dir=tmp_path, password_hash_time_cost=1, password_hash_memory_kib=1024,
                        order_close_delay_seconds=600, job_poll_interval_seconds=0.05)
    proc = build_process(build_platform(settings), ["usercenter", "travel", "order"])
    proc.clients.bind("payment", FakePayment())
    proc.clients.bind("mqueue", FakeMqueue())
    return proc


@pytest.fixture
async def client(process: Process) -> AsyncIterator[Client]:
    async with AsyncTestClient(create_app(process, migrate_on_start=True)) as test_client:
        yield test_client


@pytest.fixture
async def homestays(process: Process, client: Client) -> dict[str, int]:
    """Per-room, per-person and off-shelf homestays in travel's own tables."""
    base = dict(sub_title="by the lake", banner="cover.jpg,second.jpg", info="quiet", people_num=3,
                homestay_business_id=5, user_id=77, food_info="breakfast", food_price=2550,
                homestay_price=19900, market_homestay_price=25000)
    async with process.platform.database("travel").unit_of_work() as conn:
        repo = SqlTravelRepository(conn)
        return {
            "room": await repo.insert("homestay", {**base, "title": "Room", "row_state": 1,
                                                   "row_type": 0}),
            "person": await repo.insert("homestay", {**base, "title": "Bed", "row_state": 1,
                                                     "row_type": 1}),
            "off": await repo.insert("homestay", {**base, "title": "Closed", "row_state": 0,
                                                  "row_type": 0}),
        }


async def token(client: Client, mobile: str) -> dict[str, str]:
    r = await client.post("/usercenter/v1/user/register", json={"mobile": mobile, "password": "password123"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['accessToken']}"}


@pytest.fixture
async def alice(client: Client) -> dict[str, str]:
    return await token(client, "13800000001")


def body(homestay_id: int, **overrides: Any) -> dict[str, Any]:
    start = int(time.time()) + 86400
    values = {"homestayId": homestay_id, "isFood": True, "liveStartTime": start,
              "liveEndTime": start + 2 * 86400, "livePeopleNum": 2, "remark": "late arrival"}
    values.update(overrides)
    return values


async def create(client: Client, auth: dict[str, str], payload: dict[str, Any],
                 key: str | None = None) -> Any:
    headers = {**auth, **({"Idempotency-Key": key} if key else {})}
    return await client.post(f"{BASE}/createHomestayOrder", json=payload, headers=headers)


def assert_error(resp: Any, status: int, code: int | None = None) -> None:
    assert resp.status_code == status, resp.text
    got = resp.json()
    assert set(got) == {"code", "msg"} and got["msg"]
    if code is not None:
        assert got["code"] == code


async def test_create_and_detail(client: Client, alice: dict[str, str], homestays: dict[str, int]) -> None:
    r = await create(client, alice, body(homestays["room"]))
    assert r.status_code == 200 and set(r.json()) == {"orderSn"}
    sn = r.json()["orderSn"]
    d = await client.post(f"{BASE}/userHomestayOrderDetail", json={"sn": sn}, headers=alice)
    assert d.status_code == 200
    detail = d.json()
    assert set(detail) == DETAIL_FIELDS
    assert detail["sn"] == sn and detail["tradeState"] == 0 and detail["title"] == "Room"
    assert detail["cover"] == "cover.jpg" and detail["homestayUserId"] == 77
    # 199.00 × 2 nights per room; food 25.50 × 2 people × 2 nights = 102.00
    assert (detail["homestayTotalPrice"], detail["foodTotalPrice"], detail["orderTotalPrice"]) == (
        398.0, 102.0, 500.0)
    assert (detail["homestayPrice"], detail["foodPrice"], detail["needFood"]) == (199.0, 25.5, 1)
    assert (detail["payTime"], detail["payType"]) == (0, "")
    assert len(detail["tradeCode"]) == 8


async def test_per_person_price(client: Client, alice: dict[str, str], homestays: dict[str, int]) -> None:
    r = await create(client, alice, body(homestays["person"], isFood=False, livePeopleNum=3))
    d = await client.post(f"{BASE}/userHomestayOrderDetail", json={"sn": r.json()["orderSn"]},
                          headers=alice)
    assert d.json()["orderTotalPrice"] == 199.0 * 3 * 2


async def test_list_keyset_and_filter(client: Client, alice: dict[str, str],
                                      homestays: dict[str, int]) -> None:
    sns = [(await create(client, alice, body(homestays["room"]))).json()["orderSn"] for _ in range(3)]
    page = await client.post(f"{BASE}/userHomestayOrderList",
                             json={"lastId": 0, "pageSize": 2, "tradeState": -99}, headers=alice)
    assert page.status_code == 200
    items = page.json()["list"]
    assert [i["sn"] for i in items] == sns[:0:-1]
    assert set(items[0]) == LIST_FIELDS and items[0]["orderTotalPrice"] == 500.0
    rest = await client.post(f"{BASE}/userHomestayOrderList",
                             json={"lastId": items[-1]["id"], "pageSize": 2, "tradeState": -99},
                             headers=alice)
    assert [i["sn"] for i in rest.json()["list"]] == sns[:1]
    paid = await client.post(f"{BASE}/userHomestayOrderList", json={"tradeState": 1}, headers=alice)
    assert paid.json() == {"list": []}
    everything = await client.post(f"{BASE}/userHomestayOrderList", headers=alice)  # empty body
    assert len(everything.json()["list"]) == 3


async def test_other_users_order_is_not_found(client: Client, alice: dict[str, str],
                                              homestays: dict[str, int]) -> None:
    sn = (await create(client, alice, body(homestays["room"]))).json()["orderSn"]
    bob = await token(client, "13800000002")
    r = await client.post(f"{BASE}/userHomestayOrderDetail", json={"sn": sn}, headers=bob)
    assert_error(r, 404, 400001)
    listing = await client.post(f"{BASE}/userHomestayOrderList", json={}, headers=bob)
    assert listing.json() == {"list": []}
    assert_error(await client.post(f"{BASE}/userHomestayOrderDetail", json={"sn": "HSO0"},
                                   headers=alice), 404, 400001)


async def test_idempotency_key(client: Client, alice: dict[str, str], homestays: dict[str, int]) -> None:
    payload = body(homestays["room"])
    first = await create(client, alice, payload, key="checkout-1")
    again = await create(client, alice, payload, key="checkout-1")
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()
    assert_error(await create(client, alice, {**payload, "livePeopleNum": 1}, key="checkout-1"),
                 409, 400007)
    other = await create(client, alice, payload, key="checkout-2")
    assert other.json() != first.json()


async def test_concurrent_duplicates_make_one_order(client: Client, alice: dict[str, str],
                                                    homestays: dict[str, int]) -> None:
    payload = body(homestays["room"])
    replies = await asyncio.gather(*(create(client, alice, payload, key="double-tap")
                                     for _ in range(5)))
    assert {r.status_code for r in replies} == {200}
    assert len({r.json()["orderSn"] for r in replies}) == 1
    listing = await client.post(f"{BASE}/userHomestayOrderList", json={}, headers=alice)
    assert len(listing.json()["list"]) == 1


async def test_homestay_absent_or_off_shelf(client: Client, alice: dict[str, str],
                                            homestays: dict[str, int]) -> None:
    assert_error(await create(client, alice, body(999_999)), 404, 400002)
    assert_error(await create(client, alice, body(homestays["off"])), 409, 400003)


async def test_bad_requests(client: Client, alice: dict[str, str], homestays: dict[str, int]) -> None:
    room = homestays["room"]
    start = body(room)["liveStartTime"]
    cases: list[tuple[dict[str, Any], int | None]] = [
        ({"isFood": True}, 100002),  # no homestayId
        ({"homestayId": "seven"}, 100002),
        (body(0), 400011),
        (body(-3), 400011),
        (body(room, liveEndTime=start), 400004),
        (body(room, liveEndTime=start - 86400), 400004),
        (body(room, liveStartTime=int(time.time()) - 3 * 86400), 400004),
        (body(room, liveEndTime=start + 400 * 86400), 400004),
        (body(room, livePeopleNum=0), 400005),
        (body(room, livePeopleNum=4), 400005),  # capacity 3
        (body(room, remark="x" * 201), 400006),
    ]
    for payload, code in cases:
        assert_error(await create(client, alice, payload), 400, code)
    assert_error(await create(client, alice, body(room), key="with space"), 400, 400009)
    assert_error(await create(client, alice, body(room), key="k" * 65), 400, 400009)
    raw = await client.post(f"{BASE}/createHomestayOrder", content=b"{not json",
                            headers={**alice, "Content-Type": "application/json"})
    assert_error(raw, 400, 100002)
    for listing in ({"tradeState": 9}, {"pageSize": -1}, {"lastId": -1}):
        assert_error(await client.post(f"{BASE}/userHomestayOrderList", json=listing,
                                       headers=alice), 400, 400011)
    assert_error(await client.post(f"{BASE}/userHomestayOrderDetail", json={}, headers=alice),
                 400, 100002)


async def test_auth_required(client: Client, homestays: dict[str, int]) -> None:
    for path, payload in [("createHomestayOrder", body(homestays["room"])),
                          ("userHomestayOrderList", {}), ("userHomestayOrderDetail", {"sn": "x"})]:
        assert_error(await client.post(f"{BASE}/{path}", json=payload), 401)
        assert_error(await client.post(f"{BASE}/{path}", json=payload,
                                       headers={"Authorization": "Bearer junk"}), 401)


async def test_order_client_in_process(process: Process, client: Client, alice: dict[str, str],
                                       homestays: dict[str, int]) -> None:
    sn = (await create(client, alice, body(homestays["room"]))).json()["orderSn"]
    view = await process.clients.order.get_order(sn)
    assert view is not None
    assert (view.sn, view.trade_state, view.order_total_price, view.title) == (sn, 0, 50000, "Room")
    assert await process.clients.order.get_order("HSO-none") is None
