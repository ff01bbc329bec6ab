"""`yys_build_info{process}` names what runs: the whole platform, or one split child."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from prometheus_client import REGISTRY

from yys.kit.observability.metrics import publish_build_info
from yys.runtime.app import process_label

ALL = ("api", "consumer", "worker", "scheduler")


def fake(services: list[str], roles: tuple[str, ...]) -> Any:
    return SimpleNamespace(services=[SimpleNamespace(name=s) for s in services], roles=roles)


@pytest.mark.parametrize(("services", "roles", "label"), [
    (["usercenter", "travel", "order"], ALL, "yys"),  # `yys up`
    (["order"], ("api",), "order"),  # split: an API process per service
    (["usercenter", "travel", "order"], ("consumer",), "consumer"),
    (["usercenter", "travel", "order"], ("worker",), "worker"),
    (["usercenter", "travel", "order"], ("scheduler",), "scheduler"),
])
def test_process_label(services: list[str], roles: tuple[str, ...], label: str) -> None:
    assert process_label(fake(services, roles)) == label


def test_build_info_has_one_series() -> None:
    publish_build_info("order")
    publish_build_info("yys")
    series = [s for m in REGISTRY.collect() if m.name == "yys_build_info" for s in m.samples]
    assert len(series) == 1 and series[0].value == 1
    assert series[0].labels["process"] == "yys" and series[0].labels["version"]
