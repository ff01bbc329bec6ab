"""Whole flows over HTTP against a real `yys up`: accounts, the catalogue, every error class."""

from __future__ import annotations

import itertools
import random
import time

import pytest

from tests.e2e.api import call
from tests.support.process import YysProcess

pytestmark = pytest.mark.e2e

_mobiles = itertools.count(random.randint(0, 10_000) * 1000)


def new_mobile() -> str:
    return f"139{next(_mobiles) % 100_000_000:08d}"


def test_banner_prints_urls(yys: YysProcess) -> None:
    # The banner is printed just after the socket is bound, which can trail the first /readyz.
    deadline = time.monotonic() + 5
    while "Press Ctrl-C" not in yys.log_text() and time.monotonic() < deadline:
        time.sleep(0.05)
    log = yys.log_text()
    assert yys.base_url in log
    assert "/docs" in log and "/metrics" in log
    # The demo login is readable in the banner (the JSON log line masks the password).
    assert "13800000000 / password123" in log
    demo = call(yys.base_url, "/usercenter/v1/user/login",
                {"mobile": "13800000000", "password": "password123"})
    assert demo.status == 200, demo.body


def test_register_login_detail(yys: YysProcess) -> None:
    mobile = new_mobile()
    reg = call(yys.base_url, "/usercenter/v1/user/register", {"mobile": mobile, "password": "s3cret-pass"})
    assert reg.status == 200, reg.body
    assert set(reg.body) >= {"accessToken", "accessExpire", "refreshAfter"}

    again = call(yys.base_url, "/usercenter/v1/user/register", {"mobile": mobile, "password": "s3cret-pass"})
    assert again.status == 409 and set(again.body) == {"code", "msg"}

    login = call(yys.base_url, "/usercenter/v1/user/login", {"mobile": mobile, "password": "s3cret-pass"})
    assert login.status == 200
    token = login.body["accessToken"]

    detail = call(yys.base_url, "/usercenter/v1/user/detail", {}, token=token)
    assert detail.status == 200
    assert detail.body["userInfo"]["mobile"] == mobile
    assert "password" not in str(detail.body).lower()

    wrong = call(yys.base_url, "/usercenter/v1/user/login", {"mobile": mobile, "password": "not-it-at-all"})
    unknown = call(yys.base_url, "/usercenter/v1/user/login", {"mobile": new_mobile(), "password": "x" * 8})
    assert wrong.status == unknown.status == 401
    assert wrong.body["msg"] == unknown.body["msg"]


def test_tokens_are_checked(yys: YysProcess) -> None:
    for token in (None, "garbage", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0."):
        r = call(yys.base_url, "/usercenter/v1/user/detail", {}, token=token)
        assert r.status == 401 and r.body["code"] == 100003


def test_jwks_is_served(yys: YysProcess) -> None:
    r = call(yys.base_url, "/usercenter/v1/.well-known/jwks.json", method="GET")
    assert r.status == 200
    assert r.body["keys"][0]["kty"] == "EC"


def test_browse_every_travel_endpoint(yys: YysProcess) -> None:
    base = yys.base_url
    listing = call(base, "/travel/v1/homestay/homestayList", {"page": 1, "pageSize": 10})
    assert listing.status == 200 and listing.body["list"], listing.body
    homestay = listing.body["list"][0]
    assert {"id", "title", "homestayPrice", "banner", "homestayBusinessId"} <= set(homestay)

    detail = call(base, "/travel/v1/homestay/homestayDetail", {"id": homestay["id"]})
    assert detail.status == 200 and detail.body["homestay"]["id"] == homestay["id"]

    guess = call(base, "/travel/v1/homestay/guessList", {})
    assert guess.status == 200 and 0 < len(guess.body["list"]) <= 5

    business_id = homestay["homestayBusinessId"]
    by_business = call(base, "/travel/v1/homestay/businessList",
                       {"lastId": 0, "pageSize": 5, "homestayBusinessId": business_id})
    assert by_business.status == 200
    assert all(h["homestayBusinessId"] == business_id for h in by_business.body["list"])

    bosses = call(base, "/travel/v1/homestayBussiness/goodBoss", {})
    assert bosses.status == 200 and bosses.body["list"]
    assert bosses.body["list"][0]["nickname"]

    businesses = call(base, "/travel/v1/homestayBussiness/homestayBussinessList",
                      {"lastId": 0, "pageSize": 3})
    assert businesses.status == 200 and businesses.body["list"]
    first = businesses.body["list"][0]
    boss = call(base, "/travel/v1/homestayBussiness/homestayBussinessDetail", {"id": first["id"]})
    assert boss.status == 200 and boss.body["boss"]["nickname"]

    comments = call(base, "/travel/v1/homestayComment/commentList",
                    {"lastId": 0, "pageSize": 10, "homestayId": homestay["id"]})
    assert comments.status == 200
    assert isinstance(comments.body["list"], list)


def test_keyset_paging_has_no_gaps_or_duplicates(yys: YysProcess) -> None:
    seen: list[int] = []
    last_id = 0
    for _ in range(20):
        page = call(yys.base_url, "/travel/v1/homestayBussiness/homestayBussinessList",
                    {"lastId": last_id, "pageSize": 2})
        assert page.status == 200
        ids = [b["id"] for b in page.body["list"]]
        if not ids:
            break
        seen.extend(ids)
        last_id = ids[-1]
    assert len(seen) == len(set(seen)) >= 4
    assert seen == sorted(seen, reverse=True)


@pytest.mark.parametrize(
    ("path", "raw", "status"),
    [
        ("/travel/v1/homestay/homestayDetail", b"{oops", 400),
        ("/travel/v1/homestay/homestayDetail", b'{"id": "one"}', 400),
        ("/travel/v1/homestay/homestayDetail", b'{"id": 999999999}', 404),
        ("/travel/v1/homestay/homestayDetail", b'{"id": -5}', 400),
        ("/usercenter/v1/user/register", b'{"mobile": "12"}', 400),
        ("/usercenter/v1/user/register", b'{"mobile": "13800000000", "password": "short"}', 400),
        ("/travel/v1/nothing/here", b"{}", 404),
    ],
)
def test_error_classes(yys: YysProcess, path: str, raw: bytes, status: int) -> None:
    r = call(yys.base_url, path, raw=raw)
    assert r.status == status, r.body
    assert set(r.body) == {"code", "msg"}
    assert "Traceback" not in str(r.body)


def test_oversized_body_is_rejected(yys: YysProcess) -> None:
    r = call(yys.base_url, "/usercenter/v1/user/login", raw=b'{"mobile": "' + b"1" * 200_000 + b'"}')
    assert r.status == 413 and set(r.body) == {"code", "msg"}


def test_health_ready_metrics_docs(yys: YysProcess) -> None:
    assert yys.get("/healthz")[0] == 200
    status, body = yys.get("/readyz")
    assert status == 200 and b'"ok"' in body
    status, body = yys.get("/metrics")
    assert status == 200 and b"yys_http_server_requests_total" in body
    assert yys.get("/docs/openapi.json")[0] == 200
