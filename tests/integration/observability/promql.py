"""What the observability configs name: metric names in PromQL, the catalogue, the panels.

Shared by test_configs.py (static checks) and tests/e2e/test_observability.py (against a real
Prometheus). Only what these tests need of PromQL: metric names, not a parser.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[3]
OBS = ROOT / "deploy" / "observability"
RULES_DIR = OBS / "prometheus" / "rules"
DASHBOARDS_DIR = OBS / "grafana" / "dashboards"
CATALOGUE = ROOT / "docs" / "METRICS.md"

# Series Prometheus makes itself, and the families the catalogue lists as `process_*`, `python_*`.
BUILTIN = {"up", "ALERTS", "ALERTS_FOR_STATE", "scrape_duration_seconds", "scrape_samples_scraped"}
CATALOGUE_PREFIXES = ("process_", "python_")
HISTOGRAM_SUFFIXES = ("_bucket", "_count", "_sum")

_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "offset", "bool", "inf", "nan",
    # aggregation operators (may be written `sum by (x) (...)`, not followed by "(")
    "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile",
    "count_values", "group",
}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'')
_MATCHERS = re.compile(r"\{[^}]*\}")
_RANGES = re.compile(r"\[[^\]]*\]")
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w.:])([A-Za-z_:][A-Za-z0-9_:]*)(\s*\()?")


def metric_names(expr: str) -> set[str]:
    """The metric (or recorded series) names an expression selects."""
    text = _STRING.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    names = set()
    for match in _IDENT.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS or re.fullmatch(r"\d.*", name):
            continue
        names.add(name)
    # `{__name__="x"}` selectors
    names |= set(re.findall(r'__name__\s*=\s*"([^"]+)"', expr))
    return names


def base_name(name: str) -> str:
    for suffix in HISTOGRAM_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def catalogue() -> set[str]:
    """The metric names of docs/METRICS.md's table (first column, in backticks)."""
    names = set()
    for line in CATALOGUE.read_text().splitlines():
        match = re.match(r"\|\s*`([a-z_*]+)`", line)
        if match and "*" not in match.group(1):
            names.add(match.group(1))
    return names


def in_catalogue(name: str, known: set[str]) -> bool:
    return (name in known or base_name(name) in known or name in BUILTIN
            or name.startswith(CATALOGUE_PREFIXES))


def rule_files(rules_dir: Path = RULES_DIR) -> list[Path]:
    return sorted(rules_dir.glob("*.yml"))


def rules(rules_dir: Path = RULES_DIR) -> Iterator[dict[str, Any]]:
    for path in rule_files(rules_dir):
        for group in yaml.safe_load(path.read_text())["groups"]:
            yield from group["rules"]


def recorded(rules_dir: Path = RULES_DIR) -> dict[str, str]:
    """Recording rule name → its expression."""
    return {r["record"]: r["expr"] for r in rules(rules_dir) if "record" in r}


def dashboards() -> dict[str, dict[str, Any]]:
    return {p.name: json.loads(p.read_text()) for p in sorted(DASHBOARDS_DIR.glob("*.json"))}


def panels(board: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in board["panels"]:
        yield panel
        yield from panel.get("panels", [])


def panel_queries() -> Iterator[tuple[str, str, str]]:
    """(dashboard file, panel title, PromQL) of every query panel."""
    for name, board in dashboards().items():
        for panel in panels(board):
            for target in panel.get("targets", []):
                yield name, panel["title"], target["expr"]


def raw_metric_names(expr: str, records: dict[str, str]) -> set[str]:
    """Metric names an expression reads, recorded series resolved to what they read."""
    out: set[str] = set()
    for name in metric_names(expr):
        if name in records:
            out |= raw_metric_names(records[name], records)
        else:
            out.add(name)
    return out


def used_metric_names() -> dict[str, set[str]]:
    """Every metric name a rule or a panel reads → where (for messages)."""
    records = recorded()
    used: dict[str, set[str]] = {}
    for rule in rules():
        where = rule.get("alert") or rule.get("record")
        for name in raw_metric_names(rule["expr"], records):
            used.setdefault(name, set()).add(f"rule {where}")
    for board, title, expr in panel_queries():
        for name in raw_metric_names(expr, records):
            used.setdefault(name, set()).add(f"{board}: {title}")
    return used
