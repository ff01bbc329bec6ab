"""The order composition root: roles, client binding, migrations, own settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from yys.kit.settings import Settings
from yys.runtime.app import build_process
from yys.runtime.platform import build_platform
from yys.runtime.registry import SERVICES
from yys.services.order.local_client import LocalOrderClient
from yys.services.order.settings import OrderSettings


def test_registered_after_travel() -> None:
    names = list(SERVICES)
    assert SERVICES["order"] == "yys.services.order.wiring"
    assert names.index("order") == names.index("travel") + 1


def test_build(tmp_path: Path) -> None:
    process = build_process(build_platform(Settings(data_dir=tmp_path)), ["order"])
    (order,) = process.services
    assert order.name == "order"
    assert [(t.name, t.role) for t in order.background] == [
        ("order-relay", "api"), ("order-consumer", "consumer"), ("order-worker", "worker"),
        ("order-scheduler", "scheduler")]
    assert isinstance(process.clients.order, LocalOrderClient)
    assert order.migrations is not None
    assert {"order_homestay_order", "order_idempotency_key", "order_settlement_record",
            "order_delay_job", "order_leader_lease", "order_refund_request",
            "order_outbox"} <= set(order.migrations.metadata.tables)
    paths = {route.path for router in order.route_handlers for route in router.routes}
    assert paths == {f"/order/v1/homestayOrder/{name}" for name in (
        "createHomestayOrder", "userHomestayOrderList", "userHomestayOrderDetail", "refund")} | {
        "/admin/v1/orders", "/admin/v1/orders/{sn:str}", "/admin/v1/orders/{sn:str}/check-in",
        "/admin/v1/orders/{sn:str}/refund", "/admin/v1/orders/{sn:str}/cancel", "/admin/v1/stats",
        "/admin/v1/settlements", "/admin/v1/settlements/run"}
    assert order.needs == ("usercenter", "travel", "payment", "mqueue", "admin")


def test_own_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    assert OrderSettings().commission_bps == 500
    monkeypatch.setenv("YYS_ORDER_COMMISSION_BPS", "250")
    monkeypatch.setenv("YYS_ORDER_CLOSE_DELAY_SECONDS", "5")  # the shared setting: ignored here
    assert OrderSettings().commission_bps == 250
    monkeypatch.setenv("YYS_ORDER_COMMISSION_BPS", "10001")
    with pytest.raises(ValueError):
        OrderSettings()
