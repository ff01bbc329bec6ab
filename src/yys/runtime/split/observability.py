"""`yys up --split --observability`: the real Prometheus and Alertmanager as supervised children.

Prometheus scrapes every yys process of the split layout directly (its own HTTP port serves
`/metrics`), evaluates the rules of `deploy/observability/prometheus/rules/` and sends alerts to
the Alertmanager started beside it, configured by `deploy/observability/alertmanager/`. The
generated Prometheus config (JSON, which is YAML) goes to `<data dir>/split/prometheus/`.

Knobs (`YYS_OBSERVABILITY_*`): another rules directory or Alertmanager config (tests shorten the
`for:` durations and point the webhook at themselves), scrape and evaluation intervals.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

from yys.runtime.split.layout import STAGE_BROKER, ChildSpec

INSTALL_HINT = (
    "yys up --split --observability runs the real Prometheus and Alertmanager. Install them, e.g.\n"
    "  apt-get install prometheus prometheus-alertmanager"
)
CONFIG_HINT = (
    "yys up --split --observability needs the rules and Alertmanager config of the repository's\n"
    "deploy/observability/ (run it from a checkout, or set YYS_OBSERVABILITY_DIR)"
)
# Offsets from the edge port, beside the layout's own (edge P, health P+1, processes from P+2,
# broker P+100); taken ports are replaced like the layout's.
PROMETHEUS_OFFSET, ALERTMANAGER_OFFSET = 90, 91
SCRAPE_JOB = "yys"  # the alert rules select up{job="yys"}


class ObservabilitySettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="YYS_OBSERVABILITY_", extra="ignore", frozen=True)

    # deploy/observability of a checkout; found from this file or the working directory if unset.
    dir: Path | None = None
    rules_dir: Path | None = None  # default: <dir>/prometheus/rules
    alertmanager_config: Path | None = None  # default: <dir>/alertmanager/alertmanager.yml
    scrape_interval: str = "15s"
    evaluation_interval: str = "15s"
    retention: str = "2d"


def find_observability_dir(explicit: Path | None) -> Path | None:
    if explicit is not None:
        return explicit if explicit.is_dir() else None
    starts = [Path(__file__).resolve().parent, Path.cwd().resolve()]
    for start in starts:
        for folder in (start, *start.parents):
            candidate = folder / "deploy" / "observability"
            if (candidate / "prometheus" / "rules").is_dir():
                return candidate
    return None


def find_binaries() -> tuple[str, str] | None:
    """Debian names the Alertmanager binary prometheus-alertmanager; upstream, alertmanager."""
    prometheus = shutil.which("prometheus")
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    if prometheus is None or alertmanager is None:
        return None
    return prometheus, alertmanager


@dataclass(frozen=True)
class Stack:
    """Where the two servers run and what they read."""

    prometheus: str
    alertmanager: str
    rules_dir: Path
    alertmanager_config: Path
    settings: ObservabilitySettings

    @classmethod
    def locate(cls, settings: ObservabilitySettings) -> Stack | str:
        """The stack, or what is missing (a message for the user)."""
        binaries = find_binaries()
        if binaries is None:
            return INSTALL_HINT
        base = find_observability_dir(settings.dir)
        rules = settings.rules_dir or (base / "prometheus" / "rules" if base else None)
        config = settings.alertmanager_config or (
            base / "alertmanager" / "alertmanager.yml" if base else None)
        if rules is None or config is None or not rules.is_dir() or not config.is_file():
            return CONFIG_HINT
        return cls(binaries[0], binaries[1], rules.resolve(), config.resolve(), settings)

    def prometheus_config(self, targets: Mapping[str, int], alertmanager_port: int) -> dict[str, object]:
        """Static targets generated from the layout: one per yys process, labelled `process`
        (no `service` target label: the metrics carry their own)."""
        s = self.settings
        return {
            "global": {"scrape_interval": s.scrape_interval,
                       "evaluation_interval": s.evaluation_interval,
                       "scrape_timeout": _min_duration(s.scrape_interval, "10s")},
            "rule_files": [str(self.rules_dir / "*.yml")],
            "alerting": {"alertmanagers": [
                {"static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]}]},
            "scrape_configs": [
                {"job_name": SCRAPE_JOB, "metrics_path": "/metrics",
                 "static_configs": [{"targets": [f"127.0.0.1:{port}"], "labels": {"process": name}}
                                    for name, port in targets.items()]},
                {"job_name": "alertmanager",
                 "static_configs": [{"targets": [f"127.0.0.1:{alertmanager_port}"]}]},
            ],
        }

    def children(self, root: Path, targets: Mapping[str, int], prometheus_port: int,
                 alertmanager_port: int) -> list[ChildSpec]:
        """Write the Prometheus config and return both servers' specs (they stop last, with
        the broker, so the final state of the stopping processes is still scraped)."""
        prom_dir, am_dir = root / "prometheus", root / "alertmanager"
        for folder in (prom_dir / "data", am_dir / "data"):
            folder.mkdir(parents=True, exist_ok=True)
        conf = prom_dir / "prometheus.yml"
        conf.write_text(json.dumps(self.prometheus_config(targets, alertmanager_port), indent=2))
        prometheus = ChildSpec("prometheus", (
            self.prometheus, f"--config.file={conf}", f"--storage.tsdb.path={prom_dir / 'data'}",
            f"--storage.tsdb.retention.time={self.settings.retention}",
            f"--web.listen-address=127.0.0.1:{prometheus_port}",
            # Keeps the trace-id exemplars of the latency histograms (Grafana links them).
            "--enable-feature=exemplar-storage"), None, STAGE_BROKER)
        alertmanager = ChildSpec("alertmanager", (
            self.alertmanager, f"--config.file={self.alertmanager_config}",
            f"--storage.path={am_dir / 'data'}",
            f"--web.listen-address=127.0.0.1:{alertmanager_port}",
            "--cluster.listen-address=",  # one local instance: no gossip port
        ), None, STAGE_BROKER)
        return [alertmanager, prometheus]


def _seconds(duration: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    for unit in ("ms", "s", "m", "h"):
        if duration.endswith(unit):
            return float(duration[: -len(unit)]) * units[unit]
    return float(duration)


def _min_duration(a: str, b: str) -> str:
    """Prometheus refuses a scrape timeout longer than the scrape interval."""
    try:
        return a if _seconds(a) <= _seconds(b) else b
    except ValueError:  # a compound duration (1m30s): Prometheus itself will judge it
        return b
