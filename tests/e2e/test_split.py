"""`yys up --split`: every service in its own process behind the nginx edge.

On MariaDB + Redis + a Kafka-protocol broker: the booking flow over the edge, then one process
killed mid-run (travel: the edge and the callers answer 503 with the contract body until the
supervisor has restarted it; the consumer between payment and settlement: the order is paid once
it is back), while every other process keeps running. On the embedded default (no setting at
all): start, serve, and stop on SIGINT with exit 0 and no process left behind.
"""

from __future__ import annotations

import itertools
import json
import os
import re
import signal
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.api import call
from tests.e2e.conftest import clean_env
from tests.e2e.test_booking_flows import create_order, detail, pay, some_homestay, user_token, wait_state
from tests.support.process import YysProcess, run_yys
from tests.support.servers import redis_test_url, tansu_broker, throwaway_mariadb_database
from yys.runtime.split.layout import stable_free_port

pytestmark = pytest.mark.e2e

CLOSE_DELAY = 6  # seconds: short enough to watch an unpaid order close
UNAVAILABLE = {"code": 100009, "msg": "service temporarily unavailable"}
GUESS_LIST = "/travel/v1/homestay/guessList"
CREATE = "/order/v1/homestayOrder/createHomestayOrder"
NOT_FOUND = {"code": 100007, "msg": "not found"}
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
PER_CLIENT = 30  # YYS_LOGIN_RATE_PER_CLIENT's default
_mobiles = itertools.count(int(time.time()))

FAST = {
    "YYS_ORDER_CLOSE_DELAY_SECONDS": str(CLOSE_DELAY),
    "YYS_JOB_POLL_INTERVAL_SECONDS": "0.2",
    "YYS_ORDER_SWEEP_INTERVAL_SECONDS": "2",
    # The test broker makes a joining member wait about a rebalance timeout.
    "YYS_KAFKA_SESSION_TIMEOUT_MS": "3000",
    "YYS_KAFKA_HEARTBEAT_INTERVAL_MS": "1000",
    "YYS_KAFKA_REBALANCE_TIMEOUT_MS": "3000",
    # A killed process stays down at least this long: long enough to observe the outage.
    "YYS_SPLIT_RESTART_INITIAL_SECONDS": "2",
}


def start_split(data_dir: Path, env: dict[str, str]) -> AbstractContextManager[YysProcess]:
    port = stable_free_port()  # not an ephemeral one: an outgoing connection could take it
    return run_yys(["up", "--split", "--port", str(port), "--data-dir", str(data_dir)], env,
                   ready_url=f"http://127.0.0.1:{port}/readyz", timeout=120, inherit_env=False,
                   stop_timeout=45)


def pids(data_dir: Path) -> dict[str, int]:
    state = json.loads((data_dir / "split" / "state.json").read_text())
    return {name: p["pid"] for name, p in state["processes"].items()}


def wait_for(what: str, check: Any, timeout: float) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.1)


def restarted(data_dir: Path, name: str, old_pid: int) -> int:
    def new_pid() -> int | None:
        pid = pids(data_dir).get(name)
        return pid if pid and pid != old_pid else None

    pid: int = wait_for(f"{name} restarted", new_pid, 30)
    return pid


def _create(base: str, token: str, homestay: dict[str, Any]) -> Any:
    start = int(time.time()) + 86400
    reply = call(base, CREATE, {"homestayId": homestay["id"], "isFood": False,
                                "liveStartTime": start, "liveEndTime": start + 86400,
                                "livePeopleNum": 1}, token=token)
    return reply


@pytest.fixture(scope="module")
def split(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[YysProcess, Path]]:
    import asyncio

    import redis.asyncio as aioredis

    async def flush() -> None:
        client = aioredis.from_url(redis_test_url())
        await client.flushdb()
        await client.aclose()

    data_dir = tmp_path_factory.mktemp("split-servers")
    # A broker of its own: no committed offsets or topics from other modules' runs.
    with tansu_broker() as kafka, throwaway_mariadb_database() as url:
        asyncio.run(flush())
        env = clean_env(**FAST, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_KAFKA_BOOTSTRAP_SERVERS=kafka)
        with start_split(data_dir, env) as proc:
            yield proc, data_dir
            assert proc.stop(signal.SIGINT, timeout=45) == 0
        asyncio.run(flush())


@pytest.mark.mariadb
@pytest.mark.redis
@pytest.mark.kafka
class TestOnServers:
    def test_book_pay_paid(self, split: tuple[YysProcess, Path]) -> None:
        base = split[0].base_url
        token = user_token(base)
        sn = create_order(base, token, some_homestay(base))
        assert detail(base, token, sn)["tradeState"] == 0
        params = pay(base, token, sn)  # payment → sandbox → notify → payment, all via the edge
        assert params["package"].startswith("prepay_id=")
        # How fast is bench/split.py's business; on a busy 2-core machine this takes seconds.
        wait_state(base, token, sn, 1, timeout=20)

    def test_pages_come_from_the_web_process_through_the_edge(self, split: tuple[YysProcess, Path]
                                                                ) -> None:
        proc, data_dir = split
        assert "web" in pids(data_dir)
        status, home = proc.get("/", headers={"Accept-Language": "en"})
        # The web process renders from the JSON API, which it reaches through the edge too.
        assert status == 200 and b"Preferred homestays" in home and b'href="/homestay/' in home
        status, page = proc.get("/homestay/1")
        assert status == 200 and b'id="book-title"' in page
        status, css = proc.get("/static/css/site.css")
        assert status == 200 and b":focus-visible" in css
        # The demo photos are relative URLs the web process serves through the edge too.
        photo = re.search(rb'<img src="(/static/demo/[^"]+)"', page)
        assert photo is not None, re.findall(rb"<img[^>]*>", page)
        status, svg = proc.get(photo.group(1).decode())
        assert status == 200 and svg.lstrip().startswith(b"<svg")
        status, body = proc.get("/no/such/page")
        assert status == 404 and json.loads(body)["code"] == 100007  # not a browser: JSON

    def test_unknown_paths_are_a_page_for_browsers_and_json_for_the_rest(
            self, split: tuple[YysProcess, Path]) -> None:
        proc, data_dir = split
        browser = {"Accept": BROWSER, "Accept-Language": "en"}
        status, page = proc.get("/no/such/page", headers=browser)
        assert status == 404 and b"Page not found" in page and b'href="/"' in page
        for path in ("/nowhere/v1/x", "/travel/v1/nothing", "/metrics", "/docs/openapi.json"):
            status, body = proc.get(path, headers=browser)  # API prefixes, process internals
            assert status == 404 and json.loads(body) == NOT_FOUND, path
        # The web process down: unknown paths are the edge's own JSON 404, not a 503.
        before = pids(data_dir)
        os.kill(before["web"], signal.SIGKILL)
        status, body = proc.get("/no/such/page", headers=browser)
        assert status == 404 and json.loads(body) == NOT_FOUND
        restarted(data_dir, "web", before["web"])
        wait_for("web serving again",
                 lambda: b"Page not found" in proc.get("/no/such/page", headers=browser)[1], 30)

    def test_storefront_guests_have_login_budgets_of_their_own(
            self, split: tuple[YysProcess, Path]) -> None:
        # Guest → edge (appends 127.0.0.1) → web → edge again → usercenter: the guest's address
        # survives both hops, so each guest has the default per-client budget to themselves.
        base = split[0].base_url

        def guest(address: str) -> httpx.Client:
            return httpx.Client(base_url=base, timeout=15, follow_redirects=False, trust_env=False, headers={
                "Origin": base, "Accept-Language": "en", "X-Forwarded-For": address})

        def failed_login(client: httpx.Client) -> httpx.Response:
            mobile = f"157{next(_mobiles) % 100_000_000:08d}"
            return client.post("/login", data={"mobile": mobile, "password": "wrong-pass-1"})

        left = 60 - int(time.time()) % 60  # the default window: one fixed minute
        if left < 20:
            time.sleep(left + 1)
        with guest("203.0.113.7") as guest_a, guest("198.51.100.9") as guest_b:
            for _ in range(PER_CLIENT):
                assert failed_login(guest_a).status_code == 401
            refused = failed_login(guest_a)
            assert refused.status_code == 429 and "Too many login attempts" in refused.text
            assert failed_login(guest_b).status_code == 401  # not 429: B's budget is B's
        over = call(base, "/usercenter/v1/user/login", {"mobile": "15700000000", "password": "x"},
                    headers={"X-Forwarded-For": "203.0.113.7"})
        assert over.status == 429 and over.body["code"] == 200004, over.body

    def test_unpaid_order_is_closed(self, split: tuple[YysProcess, Path]) -> None:
        base = split[0].base_url
        token = user_token(base)
        sn = create_order(base, token, some_homestay(base))
        wait_state(base, token, sn, -1, timeout=CLOSE_DELAY + 15)

    def test_edge_health_lists_every_process(self, split: tuple[YysProcess, Path]) -> None:
        proc, data_dir = split
        status, body = proc.get("/readyz")
        assert status == 200
        processes = json.loads(body)["processes"]
        assert {"travel", "order", "payment", "consumer", "worker", "scheduler", "nginx"} <= set(processes)
        assert "broker" not in processes  # the configured broker is not ours to run
        assert proc.get("/healthz")[0] == 200
        missing = call(proc.base_url, "/nowhere/v1/x", {})
        assert missing.status == 404 and missing.body["code"] == 100007
        assert set(pids(data_dir)) == set(processes)

    def test_travel_killed_answers_503_then_recovers(self, split: tuple[YysProcess, Path]) -> None:
        proc, data_dir = split
        base = proc.base_url
        token = user_token(base)
        homestay = some_homestay(base)
        before = pids(data_dir)
        os.kill(before["travel"], signal.SIGKILL)

        # The edge answers for the dead process itself; order's call to it fails the same way.
        direct = call(base, GUESS_LIST, {})
        assert (direct.status, direct.body) == (503, UNAVAILABLE)
        assert direct.headers.get("content-type", "").startswith("application/json")
        order = _create(base, token, homestay)
        assert order.status == 503 and order.body["code"] == 100009, order.body
        assert proc.get("/readyz")[0] == 503

        new_travel = restarted(data_dir, "travel", before["travel"])
        wait_for("travel serving again", lambda: call(base, GUESS_LIST, {}).status == 200, 60)
        wait_for("edge ready again", lambda: proc.get("/readyz")[0] == 200, 30)
        # order's channel to travel reconnects by itself (its back-off is capped at 2 s).
        created = wait_for("order reaches travel again",
                           lambda: (r := _create(base, token, homestay)).status == 200 and r, 15)
        assert detail(base, token, created.body["orderSn"])["tradeState"] == 0
        after = pids(data_dir)
        assert after == {**before, "travel": new_travel}  # nobody else was restarted

    def test_consumer_killed_before_settlement_loses_nothing(
            self, split: tuple[YysProcess, Path]) -> None:
        proc, data_dir = split
        base = proc.base_url
        token = user_token(base)
        sn = create_order(base, token, some_homestay(base))
        before = pids(data_dir)
        os.kill(before["consumer"], signal.SIGKILL)
        pay(base, token, sn)  # paid at the provider; the event waits in Kafka
        time.sleep(1.0)
        assert detail(base, token, sn)["tradeState"] == 0  # nobody settled it yet

        new_consumer = restarted(data_dir, "consumer", before["consumer"])
        wait_state(base, token, sn, 1, timeout=45)
        assert pids(data_dir) == {**before, "consumer": new_consumer}


def _session_members(session_ids: set[int]) -> list[int]:
    """Live processes in any of these sessions (each child leads its own)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        state, sid = fields[0], int(fields[3])
        if sid in session_ids and state != "Z":
            found.append(int(entry.name))
    return found


def test_embedded_default_serves_and_stops_cleanly(tmp_path: Path) -> None:
    with start_split(tmp_path, clean_env()) as proc:
        reply = call(proc.base_url, GUESS_LIST, {})
        assert reply.status == 200 and reply.body["list"], reply.body
        children = pids(tmp_path)
        assert "broker" in children  # no broker configured: it started the local one
        assert _session_members(set(children.values()))
        code = proc.stop(signal.SIGINT, timeout=45)
    assert code == 0, proc.log_tail()
    assert _session_members(set(children.values())) == []
