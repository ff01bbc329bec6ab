"""`yys up --split --observability`: what Prometheus is told, and what is said when the stack
cannot run. The servers themselves: tests/e2e/test_observability.py."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from yys.runtime.split import observability as obs
from yys.runtime.split.observability import CONFIG_HINT, INSTALL_HINT, ObservabilitySettings, Stack

REPO_OBS = Path(__file__).resolve().parents[3] / "deploy" / "observability"


def _stack(tmp_path: Path, **settings: str) -> Stack:
    return Stack("prometheus", "alertmanager", tmp_path / "rules", tmp_path / "am.yml",
                 ObservabilitySettings(**settings))  # type: ignore[arg-type]


def test_config_scrapes_every_process_with_a_process_label(tmp_path: Path) -> None:
    stack = _stack(tmp_path, scrape_interval="1s", evaluation_interval="2s")
    config = stack.prometheus_config({"order": 9002, "worker": 9009}, alertmanager_port=9091)
    job = config["scrape_configs"][0]  # type: ignore[index]
    assert job["job_name"] == "yys"  # what the alert rules select
    assert job["static_configs"] == [
        {"targets": ["127.0.0.1:9002"], "labels": {"process": "order"}},
        {"targets": ["127.0.0.1:9009"], "labels": {"process": "worker"}}]
    assert config["global"] == {"scrape_interval": "1s", "evaluation_interval": "2s",
                                "scrape_timeout": "1s"}  # never longer than the interval
    assert config["rule_files"] == [str(tmp_path / "rules" / "*.yml")]
    managers = config["alerting"]["alertmanagers"]  # type: ignore[index]
    assert managers == [{"static_configs": [{"targets": ["127.0.0.1:9091"]}]}]


def test_children_write_the_config_and_stop_last(tmp_path: Path) -> None:
    specs = _stack(tmp_path).children(tmp_path / "split", {"order": 9002}, 9090, 9091)
    assert [s.name for s in specs] == ["alertmanager", "prometheus"]
    written = json.loads((tmp_path / "split" / "prometheus" / "prometheus.yml").read_text())
    assert written["global"]["scrape_timeout"] == "10s"  # 15s interval: Prometheus's default
    prometheus = specs[1].argv
    assert "--web.listen-address=127.0.0.1:9090" in prometheus
    assert "--cluster.listen-address=" in specs[0].argv  # a single local Alertmanager


def test_locate_finds_the_repository_configs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(obs, "find_binaries", lambda: ("/bin/prometheus", "/bin/alertmanager"))
    stack = Stack.locate(ObservabilitySettings())
    assert isinstance(stack, Stack)
    assert stack.rules_dir == (REPO_OBS / "prometheus" / "rules").resolve()
    assert stack.alertmanager_config == (REPO_OBS / "alertmanager" / "alertmanager.yml").resolve()


def test_locate_says_what_is_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(obs, "find_binaries", lambda: None)
    assert Stack.locate(ObservabilitySettings()) == INSTALL_HINT
    monkeypatch.setattr(obs, "find_binaries", lambda: ("/bin/prometheus", "/bin/alertmanager"))
    assert Stack.locate(ObservabilitySettings(dir=tmp_path)) == CONFIG_HINT
    rules = tmp_path / "rules"
    shutil.copytree(REPO_OBS / "prometheus" / "rules", rules)
    found = Stack.locate(ObservabilitySettings(
        rules_dir=rules, alertmanager_config=REPO_OBS / "alertmanager" / "alertmanager.yml"))
    assert isinstance(found, Stack) and found.rules_dir == rules.resolve()


def test_observability_needs_split() -> None:
    from typer.testing import CliRunner

    from yys.runtime.cli import app

    result = CliRunner().invoke(app, ["up", "--observability"])
    assert result.exit_code == 2
    text = " ".join(result.output.replace("│", " ").split())  # typer's error box may wrap
    assert "--observability needs --split" in text
