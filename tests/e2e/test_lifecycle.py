"""Every order state has a real path, over HTTP on a running `yys up` (embedded, and MariaDB +
Redis): book → pay → check-in → comment; book → pay → refund (guest and operator); book → pay →
stay ends → expired; concurrent admin edits → one 409; a disabled guest is locked out."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.api import Reply, call
from tests.e2e.conftest import clean_env, start_up
from tests.e2e.test_booking_flows import create_order, detail, pay, some_homestay, user_token, wait_state
from tests.support.process import YysProcess
from tests.support.servers import redis_test_url, throwaway_mariadb_database

pytestmark = pytest.mark.e2e

ADMIN_PASSWORD = "lifecycle-admin-pass"
ENV = {
    "YYS_ADMIN_PASSWORD": ADMIN_PASSWORD,
    "YYS_JOB_POLL_INTERVAL_SECONDS": "0.2",
    "YYS_ORDER_EXPIRE_INTERVAL_SECONDS": "1",
    "YYS_ORDER_REFUND_RETRY_INTERVAL_SECONDS": "1",
}


@pytest.fixture(scope="module", params=["embedded", pytest.param("mariadb", marks=[
    pytest.mark.mariadb, pytest.mark.redis])])
def yys(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[YysProcess]:
    data_dir = tmp_path_factory.mktemp(f"lifecycle-{request.param}")
    if request.param == "embedded":
        with start_up(data_dir, clean_env(**ENV)) as proc:
            yield proc
        return
    with throwaway_mariadb_database() as url:
        env = clean_env(**ENV, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_REDIS_KEY_PREFIX=f"yys-e2e-{int(time.time())}:")
        with start_up(data_dir, env) as proc:
            yield proc


def admin_token(base: str) -> str:
    r = call(base, "/admin/v1/auth/login", {"username": "admin", "password": ADMIN_PASSWORD})
    assert r.status == 200, r.body
    return str(r.body["accessToken"])


def admin(base: str, method: str, path: str, body: Any = None, *, token: str) -> Reply:
    return call(base, "/admin/v1" + path, body if body is not None else ({} if method != "GET" else None),
                token=token, method=method)


def paid_order(base: str) -> tuple[str, str, dict[str, Any]]:
    token = user_token(base)
    homestay = some_homestay(base)
    sn = create_order(base, token, homestay)
    pay(base, token, sn)
    wait_state(base, token, sn, 1, timeout=10)
    return token, sn, homestay


def test_book_pay_check_in_comment(yys: YysProcess) -> None:
    base = yys.base_url
    token, sn, homestay = paid_order(base)
    boss = admin_token(base)
    wrong = admin(base, "POST", f"/orders/{sn}/check-in", {"tradeCode": "WRONGONE"}, token=boss)
    assert wrong.status in (400, 409) and set(wrong.body) == {"code", "msg"}
    code = detail(base, token, sn)["tradeCode"]
    ok = admin(base, "POST", f"/orders/{sn}/check-in", {"tradeCode": code}, token=boss)
    assert ok.status == 200, ok.body
    assert detail(base, token, sn)["tradeState"] == 2

    comment = call(base, "/travel/v1/homestayComment/addComment",
                   {"homestayId": homestay["id"], "orderSn": sn, "content": "住得很舒服 / lovely stay",
                    "star": 5}, token=token)
    assert comment.status == 200, comment.body
    again = call(base, "/travel/v1/homestayComment/addComment",
                 {"homestayId": homestay["id"], "orderSn": sn, "content": "twice", "star": 4}, token=token)
    assert again.status == 409
    listed = call(base, "/travel/v1/homestayComment/commentList",
                  {"lastId": 0, "pageSize": 50, "homestayId": homestay["id"]})
    assert comment.body["id"] in [c["id"] for c in listed.body["list"]]

    audit = admin(base, "GET", "/audit-log?resource=orders&pageSize=100", token=boss)
    assert audit.status == 200
    assert any(e["resourceId"] == sn and e["action"] == "check-in" for e in audit.body["list"]) or \
        _eventually_audited(base, boss, sn, "check-in")


def _eventually_audited(base: str, boss: str, sn: str, action: str) -> bool:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        audit = admin(base, "GET", "/audit-log?resource=orders&pageSize=100", token=boss)
        if any(e["resourceId"] == sn and e["action"] == action for e in audit.body["list"]):
            return True
        time.sleep(0.2)
    return False


def _payment_refunded(base: str, boss: str, sn: str) -> bool:
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        order = admin(base, "GET", f"/orders/{sn}", token=boss)
        if order.status == 200 and [p["payStatus"] for p in order.body["payments"]] == [2]:
            return True
        time.sleep(0.2)
    return False


def test_guest_refund_before_the_stay(yys: YysProcess) -> None:
    base = yys.base_url
    token, sn, _ = paid_order(base)
    r = call(base, "/order/v1/homestayOrder/refund", {"sn": sn}, token=token)
    assert r.status == 200, r.body
    assert detail(base, token, sn)["tradeState"] == 3
    assert _payment_refunded(base, admin_token(base), sn)
    again = call(base, "/order/v1/homestayOrder/refund", {"sn": sn}, token=token)
    assert again.status in (200, 409)  # idempotent or refused, never a second refund
    assert _payment_refunded(base, admin_token(base), sn)


def test_operator_refund_and_cancel(yys: YysProcess) -> None:
    base = yys.base_url
    boss = admin_token(base)
    token, sn, homestay = paid_order(base)
    assert admin(base, "POST", f"/orders/{sn}/cancel", token=boss).status == 409  # paid: no cancel
    assert admin(base, "POST", f"/orders/{sn}/refund", token=boss).status == 200
    assert detail(base, token, sn)["tradeState"] == 3
    assert _payment_refunded(base, boss, sn)

    unpaid = create_order(base, token, homestay)
    assert admin(base, "POST", f"/orders/{unpaid}/cancel", token=boss).status == 200
    assert detail(base, token, unpaid)["tradeState"] == -1


def test_a_stay_that_ended_unused_expires(yys: YysProcess) -> None:
    base = yys.base_url
    now = int(time.time())
    start = now - now % 86400  # 00:00 UTC today: the earliest start the API accepts
    if now - start < 180:
        pytest.skip("too close to midnight UTC for a stay that has already ended")
    token = user_token(base)
    homestay = some_homestay(base)
    r = call(base, "/order/v1/homestayOrder/createHomestayOrder",
             {"homestayId": homestay["id"], "isFood": False, "liveStartTime": start,
              "liveEndTime": start + 60, "livePeopleNum": 1, "remark": ""}, token=token)
    assert r.status == 200, r.body
    sn = r.body["orderSn"]
    pay(base, token, sn)
    wait_state(base, token, sn, 4, timeout=20)  # paid (1), then expired (4) by the scheduler


def test_concurrent_admin_edits_one_409(yys: YysProcess) -> None:
    base = yys.base_url
    boss = admin_token(base)
    homestay = some_homestay(base)
    current = admin(base, "GET", f"/homestays/{homestay['id']}", token=boss)
    assert current.status == 200, current.body
    version = current.body["version"]
    results: list[int] = []

    def edit(title: str) -> None:
        r = admin(base, "PATCH", f"/homestays/{homestay['id']}", {"title": title, "version": version},
                  token=boss)
        results.append(r.status)

    threads = [threading.Thread(target=edit, args=(f"并发 {i}",)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409]


def test_operator_price_change_shows_on_the_storefront_at_once(yys: YysProcess) -> None:
    base = yys.base_url
    boss = admin_token(base)
    homestay = some_homestay(base)
    before = call(base, "/travel/v1/homestay/homestayDetail", {"id": homestay["id"]}).body["homestay"]
    current = admin(base, "GET", f"/homestays/{homestay['id']}", token=boss).body
    new_price = round(before["homestayPrice"] + 11.5, 2)
    r = admin(base, "PATCH", f"/homestays/{homestay['id']}",
              {"homestayPrice": new_price, "version": current["version"]}, token=boss)
    assert r.status == 200, r.body
    after = call(base, "/travel/v1/homestay/homestayDetail", {"id": homestay["id"]}).body["homestay"]
    assert after["homestayPrice"] == new_price
    assert after["foodPrice"] == before["foodPrice"]  # a partial update touches nothing else


def test_a_disabled_guest_is_locked_out_everywhere(yys: YysProcess) -> None:
    base = yys.base_url
    boss = admin_token(base)
    mobile = f"137{int(time.time() * 1000) % 100_000_000:08d}"
    reg = call(base, "/usercenter/v1/user/register", {"mobile": mobile, "password": "guest-pass-1"})
    assert reg.status == 200, reg.body
    token = reg.body["accessToken"]
    me = call(base, "/usercenter/v1/user/detail", {}, token=token).body["userInfo"]
    assert admin(base, "POST", f"/users/{me['id']}/disable", token=boss).status == 200
    assert call(base, "/usercenter/v1/user/detail", {}, token=token).status == 401
    orders = call(base, "/order/v1/homestayOrder/userHomestayOrderList",
                  {"lastId": 0, "pageSize": 5, "tradeState": -99}, token=token)
    assert orders.status == 401
    login = call(base, "/usercenter/v1/user/login", {"mobile": mobile, "password": "guest-pass-1"})
    assert login.status in (401, 403)
    assert admin(base, "POST", f"/users/{me['id']}/enable", token=boss).status == 200
    assert call(base, "/order/v1/homestayOrder/userHomestayOrderList",
                {"lastId": 0, "pageSize": 5, "tradeState": -99}, token=token).status == 200


def test_settlement_totals_match_the_used_orders(yys: YysProcess) -> None:
    from datetime import datetime
    from zoneinfo import ZoneInfo

    base = yys.base_url
    boss = admin_token(base)
    now = int(time.time())
    start = now - now % 86400
    token = user_token(base)
    homestay = some_homestay(base)
    sns = []
    for people in (1, 2):
        r = call(base, "/order/v1/homestayOrder/createHomestayOrder",
                 {"homestayId": homestay["id"], "isFood": True, "liveStartTime": start,
                  "liveEndTime": start + 86400, "livePeopleNum": min(people, homestay["peopleNum"]),
                  "remark": ""}, token=token)
        assert r.status == 200, r.body
        sns.append(r.body["orderSn"])
    for sn in sns:
        pay(base, token, sn)
        wait_state(base, token, sn, 1, timeout=10)
    for sn in sns[:1]:  # only the checked-in one counts
        code = detail(base, token, sn)["tradeCode"]
        assert admin(base, "POST", f"/orders/{sn}/check-in", {"tradeCode": code}, token=boss).status == 200
    used = detail(base, token, sns[0])
    day = datetime.fromtimestamp(used["liveEndDate"], ZoneInfo("Asia/Shanghai")).date().isoformat()

    run = admin(base, "POST", "/settlements/run", {"day": day}, token=boss)
    assert run.status == 200, run.body
    again = admin(base, "POST", "/settlements/run", {"day": day}, token=boss)
    assert again.status == 200 and again.body["newRecords"] == 0
    records = admin(base, "GET", f"/settlements?day={day}&businessId={homestay['homestayBusinessId']}",
                    token=boss)
    assert records.status == 200 and records.body["total"] == 1
    [record] = records.body["list"]
    assert record["orderCount"] == 1
    assert record["grossAmount"] == pytest.approx(used["orderTotalPrice"])
    assert record["commissionAmount"] + record["netAmount"] == pytest.approx(record["grossAmount"])
