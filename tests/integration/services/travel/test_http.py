"""The public travel API over HTTP, in one process with usercenter, after the demo seed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from yys.kit.settings import Settings
from yys.runtime.app import Process, build_process, create_app
from yys.runtime.platform import build_platform
from yys.runtime.seed import DEMO_MOBILE, seed_demo_if_empty
from yys.services.travel.caching import TravelCaches
from yys.services.travel.catalogue import CatalogueService
from yys.services.travel.domain import MAX_PAGE_SIZE, PREFERRED_HOMESTAY
from yys.services.travel.seed_data import DEMO_BUSINESSES
from yys.services.travel.wiring import build_catalogue, cache_policy

BASE = "/travel/v1"
DEMO_HOMESTAYS = sum(len(b.homestays) for b in DEMO_BUSINESSES)


@dataclass
class Api:
    client: AsyncTestClient[Any]
    process: Process
    catalogue: CatalogueService

    async def run(self, fn: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        """Run on the app's event loop (the test client serves it from its own thread), so
        loop-bound clients such as Redis connections are shared with the requests."""
        return await asyncio.to_thread(self.client.blocking_portal.call, fn, *args)

    async def post(self, path: str, body: Any = None, status: int = 200) -> Any:
        response = await self.client.post(BASE + path, json=body if body is not None else {})
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture(params=["memory-cache", pytest.param("redis-cache", marks=pytest.mark.redis)])
def cache_url(request: pytest.FixtureRequest) -> str | None:
    if request.param == "memory-cache":
        return None
    url: str = request.getfixturevalue("redis_url")
    return url


@pytest.fixture
async def api(tmp_path: Path, cache_url: str | None) -> AsyncIterator[Api]:
    settings = Settings(data_dir=tmp_path, password_hash_time_cost=1,
                        password_hash_memory_kib=8192, redis_url=cache_url,
                        redis_key_prefix=f"test:{tmp_path.name}:")
    platform = build_platform(settings)
    process = build_process(platform, ["usercenter", "travel"])
    app = create_app(process, migrate_on_start=True)
    catalogue = build_catalogue(platform.database("travel"),
                                TravelCaches(platform.cache, cache_policy(settings)))
    async with AsyncTestClient(app) as client:
        api = Api(client, process, catalogue)
        started = time.perf_counter()
        await api.run(seed_demo_if_empty, process)
        assert time.perf_counter() - started < 3.0
        yield api


async def test_demo_seed_runs_once(api: Api) -> None:
    await api.run(seed_demo_if_empty, api.process)  # second start: nothing added
    detail = await api.post("/homestay/homestayDetail", {"id": DEMO_HOMESTAYS})
    assert detail["homestay"]["id"] == DEMO_HOMESTAYS
    await api.post("/homestay/homestayDetail", {"id": DEMO_HOMESTAYS + 1}, status=404)
    login = await api.client.post("/usercenter/v1/user/login",
                                  json={"mobile": str(DEMO_MOBILE), "password": "password123"})
    assert login.status_code == 200, login.text


async def test_homestay_detail_shape_and_money_in_yuan(api: Api) -> None:
    body = await api.post("/homestay/homestayDetail", {"id": 1})
    h = body["homestay"]
    assert set(h) == {"id", "title", "subTitle", "banner", "info", "peopleNum",
                      "homestayBusinessId", "userId", "rowState", "rowType", "foodInfo",
                      "foodPrice", "homestayPrice", "marketHomestayPrice"}
    first = DEMO_BUSINESSES[0].homestays[0]
    assert (h["title"], h["homestayPrice"], h["foodPrice"]) == (first.title, first.price,
                                                               first.food_price)
    photos = h["banner"].split(",")  # three distinct demo pictures the web service serves
    assert len(set(photos)) == 3 and all(p.startswith("/static/demo/") for p in photos)


async def test_lists(api: Api) -> None:
    preferred = (await api.post("/homestay/homestayList", {"page": 1, "pageSize": 3}))["list"]
    page2 = (await api.post("/homestay/homestayList", {"page": 2, "pageSize": 3}))["list"]
    everything = (await api.post("/homestay/homestayList", {}))["list"]
    assert [x["id"] for x in preferred + page2] == [x["id"] for x in everything][:6]
    assert len({x["id"] for x in everything}) == len(everything) > 3
    guess = (await api.post("/homestay/guessList"))["list"]
    assert [x["id"] for x in guess] == list(range(DEMO_HOMESTAYS, DEMO_HOMESTAYS - 5, -1))
    bosses = (await api.post("/homestayBussiness/goodBoss"))["list"]
    assert [b["rank"] for b in bosses] == [1, 2, 3]
    assert all(b["nickname"] and b["avatar"].startswith("/static/demo/avatars/") for b in bosses)
    boss = (await api.post("/homestayBussiness/homestayBussinessDetail",
                           {"id": bosses[0]["id"]}))["boss"]
    assert boss == bosses[0]


async def test_keyset_paging_has_no_duplicates_or_gaps(api: Api) -> None:
    async def walk(path: str, body: dict[str, Any], size: int) -> list[int]:
        seen: list[int] = []
        last = 0
        while page := (await api.post(path, {**body, "lastId": last, "pageSize": size}))["list"]:
            seen += [x["id"] for x in page]
            last = page[-1]["id"]
        return seen

    own = await walk("/homestay/businessList", {"homestayBusinessId": 1}, 2)
    assert own == sorted(own, reverse=True) and len(own) == len(DEMO_BUSINESSES[0].homestays)
    businesses = await walk("/homestayBussiness/homestayBussinessList", {}, 2)
    assert businesses == list(range(len(DEMO_BUSINESSES), 0, -1))
    comments = await walk("/homestayComment/commentList", {"homestayId": 1}, 1)
    full = (await api.post("/homestayComment/commentList", {"homestayId": 1}))["list"]
    assert comments == [c["id"] for c in full] and len(comments) >= 2
    assert all(c["nickname"] and c["createTime"] > 0 and 1 <= c["star"] <= 5 for c in full)
    item = (await api.post("/homestayBussiness/homestayBussinessList", {"pageSize": 1}))["list"][0]
    assert set(item) == {"id", "title", "info", "tags", "cover", "star", "isFav", "headerImg",
                         "sellMonth", "personConsume"}
    assert item["personConsume"] > 0 and item["isFav"] is False


@pytest.mark.parametrize(("path", "body"), [
    ("/homestay/homestayDetail", {"id": -1}),
    ("/homestay/homestayDetail", {"id": "one"}),
    ("/homestay/homestayDetail", {"id": [1]}),
    ("/homestay/homestayDetail", {}),
    ("/homestay/homestayList", {"page": -1}),
    ("/homestay/homestayList", {"pageSize": -5}),
    ("/homestay/businessList", {"homestayBusinessId": 1, "lastId": -1}),
    ("/homestay/businessList", {"lastId": 0}),
    ("/homestayComment/commentList", {"homestayId": 0}),
    ("/homestayComment/commentList", {"homestayId": 1, "pageSize": "ten"}),
    ("/homestayBussiness/homestayBussinessDetail", {"id": 2**64}),
])
async def test_bad_input_is_400_with_the_contract_body(api: Api, path: str,
                                                       body: dict[str, Any]) -> None:
    answer = await api.post(path, body, status=400)
    assert answer["code"] == 100002 and answer["msg"]


async def test_not_found(api: Api) -> None:
    for path in ("/homestay/homestayDetail", "/homestayBussiness/homestayBussinessDetail"):
        answer = await api.post(path, {"id": 999_999}, status=404)
        assert answer["code"] in (300001, 300002)


async def test_page_size_is_capped(api: Api) -> None:
    async def add_comments() -> None:
        async with api.catalogue.transaction() as tx:
            for n in range(MAX_PAGE_SIZE + 5):
                await api.catalogue.create_comment(tx, {"homestay_id": 2, "user_id": 1,
                                                        "content": f"评论{n}", "star": 4})

    await api.run(add_comments)
    page = (await api.post("/homestayComment/commentList",
                           {"homestayId": 2, "pageSize": 1000}))["list"]
    assert len(page) == MAX_PAGE_SIZE


async def test_writes_are_visible_through_the_cache(api: Api) -> None:
    before = (await api.post("/homestay/homestayDetail", {"id": 2}))["homestay"]
    preferred = [x["id"] for x in (await api.post("/homestay/homestayList", {}))["list"]]
    assert 2 not in preferred
    async def feature() -> None:
        async with api.catalogue.transaction() as tx:
            await api.catalogue.update_homestay(
                tx, 2, version=0, changes={"homestay_price": 12345, "title": "改名"})
            await api.catalogue.create_activity(tx, {"row_type": PREFERRED_HOMESTAY,
                                                     "data_id": 2})

    async def take_off_shelf() -> None:
        async with api.catalogue.transaction() as tx:
            await api.catalogue.update_homestay(tx, 2, version=1, changes={"row_state": 0})

    await api.run(feature)
    after = (await api.post("/homestay/homestayDetail", {"id": 2}))["homestay"]
    assert (after["homestayPrice"], after["title"]) == (123.45, "改名") != (
        before["homestayPrice"], before["title"])
    assert 2 in [x["id"] for x in (await api.post("/homestay/homestayList", {}))["list"]]
    await api.run(take_off_shelf)
    await api.post("/homestay/homestayDetail", {"id": 2}, status=404)
    assert 2 not in [x["id"] for x in (await api.post("/homestay/homestayList", {}))["list"]]


async def test_openapi_documents_every_travel_route(api: Api) -> None:
    response = await api.client.get("/docs/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/travel/v1/homestay/homestayDetail" in paths
    assert len([p for p in paths if p.startswith(BASE)]) == 9  # with addComment
    admin = {p for p in paths if p.startswith("/admin/v1/homestay")}
    assert admin == {f"/admin/v1/{r}{tail}" for r in ("homestays", "homestay-businesses",
                                                      "homestay-activities", "homestay-comments")
                     for tail in ("", "/{record_id}")}
