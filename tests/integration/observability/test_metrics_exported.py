"""Every metric of docs/METRICS.md is exported by a real `yys up`, with values a booking flow
explains: one order created per order, a duplicate notify counted as `duplicate` (not `paid`), an
unpaid order closed by its job as `timeout`, jobs and events counted once per run. Embedded
(SQLite, in-process bus and jobs) and on MariaDB + Redis + Kafka. Then `yys up --split`: every
child process (API, consumer, worker, scheduler) serves the process and build-info series.

The gRPC metrics (`yys_rpc_*`) are checked with the RPC plumbing, not here.
"""

from __future__ import annotations

import json
import re
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.e2e.api import call
from tests.e2e.conftest import clean_env, start_up
from tests.e2e.test_booking_flows import create_order, pay, some_homestay, user_token, wait_state
from tests.integration.observability.promql import catalogue
from tests.support.process import YysProcess, run_yys
from tests.support.servers import redis_test_url, throwaway_mariadb_database
from yys.runtime.split.layout import stable_free_port

# Starting `yys up` (and a split of a dozen processes) takes long on a busy 2-core host.
pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

CLOSE_DELAY = 3
FAST = {
    "YYS_ORDER_CLOSE_DELAY_SECONDS": str(CLOSE_DELAY),
    "YYS_JOB_POLL_INTERVAL_SECONDS": "0.2",
    "YYS_ORDER_SWEEP_INTERVAL_SECONDS": "1",
}
CALLBACK = "/payment/v1/thirdPayment/thirdPaymentWxPayCallback"
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))
_SAMPLE = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$')
_LABEL = re.compile(r'(\w+)="((?:[^"\\]|\\.)*)"')

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def scrape(base_url: str) -> Samples:
    with _OPENER.open(base_url + "/metrics", timeout=10) as resp:
        text = resp.read().decode()
    samples: Samples = {}
    for line in text.splitlines():
        match = _SAMPLE.match(line)
        if match and not line.startswith("#"):
            labels = frozenset(_LABEL.findall(match.group(2) or ""))
            samples[(match.group(1), labels)] = float(match.group(3))
    return samples


def total(samples: Samples, name: str, **labels: str) -> float:
    """Sum of `name` over the series whose labels include `labels`."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(ls) for (n, ls), _ in samples.items() if n == name]


def exported_names(samples: Samples) -> set[str]:
    names = {n for n, _ in samples}
    for suffix in ("_bucket", "_count", "_sum", "_created", "_total"):
        names |= {n[: -len(suffix)] for n in names if n.endswith(suffix)}
    return names


def eventually(check: Callable[[], bool], what: str, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {within}s"
        time.sleep(0.2)


def resend_notify(proc: YysProcess, prepay_id: str) -> tuple[dict[str, str], bytes]:
    """The sandbox's signed notify of `prepay_id`, built afresh with the process's keys (from
    its data dir) and transaction (from its database): what a provider retry sends."""
    import asyncio

    from yys.kit.db import Database
    from yys.kit.settings import Settings
    from yys.kit.wechatpay.settings import WxPayKeyring, WxPaySettings
    from yys.services.paysandbox.identity import SandboxIdentity
    from yys.services.paysandbox.repository import SqlSandboxRepository

    settings = Settings(data_dir=proc.data_dir,  # type: ignore[attr-defined]
                        database_url=proc.database_url)  # type: ignore[attr-defined]

    async def transaction() -> object:
        db = Database(settings.database_url_for("paysandbox"))
        try:
            async with db.read() as conn:
                return await SqlSandboxRepository(conn).get_by_prepay_id(prepay_id)
        finally:
            await db.dispose()

    txn = asyncio.run(transaction())
    assert txn is not None
    identity = SandboxIdentity.from_keyring(WxPayKeyring(WxPaySettings(), settings))
    return identity.notify(txn)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def embedded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[YysProcess]:
    data_dir = tmp_path_factory.mktemp("metrics-embedded")
    with start_up(data_dir, clean_env(**FAST)) as proc:
        proc.data_dir, proc.database_url = data_dir, None  # type: ignore[attr-defined]
        yield proc


@pytest.fixture(scope="module")
def on_servers(tmp_path_factory: pytest.TempPathFactory, kafka_bootstrap: str) -> Iterator[YysProcess]:
    import uuid

    with throwaway_mariadb_database() as url:
        env = clean_env(**FAST, YYS_DATABASE_URL=url, YYS_REDIS_URL=redis_test_url(),
                        YYS_REDIS_KEY_PREFIX=f"yys-metrics-{uuid.uuid4().hex[:8]}:",
                        YYS_KAFKA_BOOTSTRAP_SERVERS=kafka_bootstrap,
                        YYS_KAFKA_SESSION_TIMEOUT_MS="3000", YYS_KAFKA_HEARTBEAT_INTERVAL_MS="1000",
                        YYS_KAFKA_REBALANCE_TIMEOUT_MS="3000")
        data_dir = tmp_path_factory.mktemp("metrics-servers")
        with start_up(data_dir, env) as proc:
            proc.data_dir, proc.database_url = data_dir, url  # type: ignore[attr-defined]
            yield proc


@pytest.fixture(scope="module", params=["embedded", pytest.param("on_servers", marks=[
    pytest.mark.mariadb, pytest.mark.redis, pytest.mark.kafka])])
def yys(request: pytest.FixtureRequest) -> YysProcess:
    proc: YysProcess = request.getfixturevalue(request.param)
    return proc


def test_booking_flow_counts(yys: YysProcess) -> None:
    base = yys.base_url
    token = user_token(base)
    homestay = some_homestay(base)
    before = scrape(base)

    def delta(name: str, **labels: str) -> float:
        return total(scrape(base), name, **labels) - total(before, name, **labels)

    start = int(time.time()) + 86400
    booking = {"homestayId": homestay["id"], "isFood": False, "liveStartTime": start,
               "liveEndTime": start + 86400, "livePeopleNum": 1, "remark": "metrics"}
    replies = [call(base, "/order/v1/homestayOrder/createHomestayOrder", booking, token=token,
                    headers={"Idempotency-Key": "metrics-once"}) for _ in range(2)]
    assert [r.status for r in replies] == [200, 200], replies
    paid_sn = replies[0].body["orderSn"]
    assert replies[1].body["orderSn"] == paid_sn  # the replay creates nothing
    params = pay(base, token, paid_sn)
    wait_state(base, token, paid_sn, 1, timeout=10)
    eventually(lambda: delta("yys_notifications_sent_total", result="ok") >= 1, "notification")

    # The provider sends the signed notify again: acknowledged, counted as a duplicate.
    headers, body = resend_notify(yys, params["package"].removeprefix("prepay_id="))
    again = call(base, CALLBACK, raw=body, headers=headers)
    assert (again.status, again.body) == (200, {"code": "SUCCESS"})
    assert delta("yys_payment_callbacks_total", result="duplicate") == 1
    bad = call(base, CALLBACK, raw=b'{"id": "forged"}', headers={"Wechatpay-Signature": "bad"})
    assert bad.status in (400, 401)

    unpaid_sn = create_order(base, token, homestay)
    wait_state(base, token, unpaid_sn, -1, timeout=CLOSE_DELAY + 15)
    eventually(lambda: delta("yys_jobs_total", service="order", task="defer:homestay_order:close",
                             result="ok") >= 1, "close job counted", within=30)

    assert delta("yys_orders_created_total") == 2
    assert delta("yys_orders_paid_total") == 1
    assert delta("yys_payment_callbacks_total", result="paid") == 1
    assert delta("yys_payment_callbacks_total", result="bad_signature") == 1
    assert delta("yys_orders_closed_total", reason="timeout") == 1
    assert delta("yys_orders_closed_total", reason="sweep") == 0
    after = scrape(base)
    assert total(after, "yys_order_overdue_unpaid") == 0
    assert total(after, "yys_order_payment_settle_seconds_count") >= 1

    # The payment event went through the outbox and the order consumer, once.
    eventually(lambda: delta("yys_outbox_published_total", service="payment",
                             messaging_destination="payment-update-paystatus") == 1, "published")
    assert delta("yys_messaging_processed_total", group="order", result="ok") == 1
    assert delta("yys_messaging_process_duration_seconds_count", group="order") == 1
    assert delta("yys_outbox_publish_failures_total") == 0
    # Gauges refreshed by their owners every few seconds: an idle platform has no backlog.
    eventually(lambda: total(scrape(base), "yys_outbox_backlog") == 0
               and total(scrape(base), "yys_messaging_consumer_lag", group="order") == 0,
               "backlog and lag drained")
    lags = series(scrape(base), "yys_messaging_consumer_lag")
    assert {s["messaging_destination"] for s in lags if s["group"] == "order"} == {
        "payment-update-paystatus"}
    # Statements by service and operation; pool connections of every pool.
    final = scrape(base)
    for service in ("order", "payment", "usercenter", "travel"):
        assert total(final, "yys_db_client_operation_duration_seconds_count",
                     service=service) > 0, service
    assert total(final, "yys_db_client_operation_duration_seconds_count", service="order",
                 db_operation="insert") >= 2
    assert {s["state"] for s in series(final, "yys_db_client_connections")} == {"idle", "used"}
    assert total(final, "yys_jobs_lateness_seconds_count", service="order") >= 2
    assert {s["state"] for s in series(final, "yys_jobs_depth") if s["service"] == "order"} == {
        "due", "scheduled", "running"}


def test_every_catalogue_metric_is_exported(yys: YysProcess) -> None:
    samples = scrape(yys.base_url)  # runs after the flow (module order)
    names = exported_names(samples)
    owned = {n for n in catalogue() if not n.startswith("yys_rpc_")}
    if yys.database_url is None:  # type: ignore[attr-defined]
        owned.discard("yys_cache_backend_errors_total")  # embedded: no cache backend to fail
    assert owned - names == set()
    assert {"process_cpu_seconds_total", "process_resident_memory_bytes",
            "python_gc_objects_collected_total", "python_info"} <= {n for n, _ in samples}
    (info,) = series(samples, "yys_build_info")
    assert info["process"] == "yys" and info["version"]


def test_split_children_serve_process_metrics(tmp_path: Path) -> None:
    port = stable_free_port()
    with run_yys(["up", "--split", "--port", str(port), "--data-dir", str(tmp_path)], clean_env(),
                 ready_url=f"http://127.0.0.1:{port}/readyz", timeout=120, inherit_env=False,
                 stop_timeout=45):
        state = json.loads((tmp_path / "split" / "state.json").read_text())
        ports = {name: p["http_port"] for name, p in state["processes"].items() if p["http_port"]}
        assert {"order", "payment", "consumer", "worker", "scheduler"} <= set(ports)
        for name, http_port in ports.items():
            samples = scrape(f"http://127.0.0.1:{http_port}")
            (info,) = series(samples, "yys_build_info")
            assert info["process"] == name, (name, info)
            assert total(samples, "process_cpu_seconds_total") > 0, name
            assert total(samples, "python_gc_objects_collected_total") > 0, name
