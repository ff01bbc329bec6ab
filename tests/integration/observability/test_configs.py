"""deploy/observability/ checked by the real tools: promtool (config, rules, rule unit tests),
amtool (config, routing), the CRD schemas of the Prometheus Operator, and the metric catalogue.

The binaries come from Debian's prometheus and prometheus-alertmanager packages (scripts/test
installs them). The CRD schemas are the project's shared k8s-schemas folder, beside the
repository (or YYS_K8S_SCHEMAS).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from tests.integration.observability.promql import (
    CATALOGUE,
    OBS,
    ROOT,
    base_name,
    catalogue,
    dashboards,
    in_catalogue,
    metric_names,
    panel_queries,
    panels,
    recorded,
    rule_files,
    rules,
    used_metric_names,
)

PROM = OBS / "prometheus"
ALERTMANAGER = OBS / "alertmanager" / "alertmanager.yml"


def tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.fail(f"{name} is not installed (scripts/test installs it: apt-get install "
                    "prometheus prometheus-alertmanager)")
    return path


def run(*argv: str, stdout_only: bool = False) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False, cwd=ROOT)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"{' '.join(argv)} failed:\n{output}"
    return proc.stdout if stdout_only else output


# --- Prometheus ----------------------------------------------------------------------------------

def test_promtool_check_config() -> None:
    out = run(tool("promtool"), "check", "config", str(PROM / "prometheus.yml"))
    assert f"SUCCESS: {len(rule_files())} rule files found" in out


def test_k8s_scrape_config_is_sound() -> None:
    """Debian's Prometheus is built without Kubernetes discovery, so promtool cannot load
    prometheus-k8s.yml: check what it would, short of the SD block."""
    config = yaml.safe_load((PROM / "prometheus-k8s.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "yys")
    assert job["kubernetes_sd_configs"] == [{"role": "pod"}]
    for relabel in job["relabel_configs"]:
        if "regex" in relabel:
            re.compile(relabel["regex"])  # RE2 and Python agree on these simple patterns
    targets = {r.get("target_label") for r in job["relabel_configs"]}
    assert {"process", "__address__", "__metrics_path__"} <= targets
    assert config["rule_files"] == ["rules/*.yml"]
    # The rest is plain Prometheus config: promtool checks it with the SD blocks removed.
    plain = {**config, "scrape_configs": [{"job_name": "yys", "static_configs": [{"targets": ["x:1"]}],
                                           "relabel_configs": job["relabel_configs"]}]}
    plain.pop("alerting")
    path = PROM / ".k8s-check.yml"
    path.write_text(yaml.safe_dump(plain))
    try:
        run(tool("promtool"), "check", "config", str(path))
    finally:
        path.unlink()


def test_promtool_check_rules() -> None:
    out = run(tool("promtool"), "check", "rules", *map(str, rule_files()))
    assert out.count("SUCCESS") == len(rule_files())


def test_promtool_unit_tests_pass() -> None:
    out = run(tool("promtool"), "test", "rules", str(PROM / "tests" / "alerts_test.yml"))
    assert "SUCCESS" in out


def test_every_alert_has_a_firing_and_a_quiet_unit_test() -> None:
    tests = yaml.safe_load((PROM / "tests" / "alerts_test.yml").read_text())["tests"]
    firing: set[str] = set()
    quiet: set[str] = set()
    for case in tests:
        for check in case.get("alert_rule_test", []):
            (firing if check["exp_alerts"] else quiet).add(check["alertname"])
    alerts = {r["alert"] for r in rules() if "alert" in r}
    assert alerts - firing == set(), "alerts never tested firing"
    assert alerts - quiet == set(), "alerts never tested staying quiet"


def test_alerts_carry_severity_summary_description_and_a_runbook_section() -> None:
    runbooks = (OBS / "runbooks.md").read_text()
    anchors = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-")
               for h in re.findall(r"^#+\s+(.+)$", runbooks, re.M)}
    for rule in rules():
        if "alert" not in rule:
            continue
        name = rule["alert"]
        assert rule["labels"]["severity"] in {"critical", "warning"}, name
        notes = rule["annotations"]
        assert notes["summary"] and notes["description"], name
        url = notes["runbook_url"]
        assert url == f"deploy/observability/runbooks.md#{name.lower()}", name
        assert url.split("#")[1] in anchors, f"{name}: no section {url} in runbooks.md"


# --- Alertmanager --------------------------------------------------------------------------------

def test_amtool_check_config() -> None:
    out = run(tool("amtool"), "check-config", str(ALERTMANAGER))
    assert "SUCCESS" in out


@pytest.mark.parametrize(("labels", "receivers"), [
    (["severity=critical", "alertname=YysServiceDown", "service=order"], "oncall-webhook,team-email"),
    (["severity=warning", "alertname=YysDelayQueueLate", "service=order"], "team-email"),
    (["alertname=Unknown"], "team-email"),
])
def test_alertmanager_routes_by_severity(labels: list[str], receivers: str) -> None:
    out = run(tool("amtool"), "config", "routes", "test", f"--config.file={ALERTMANAGER}", *labels,
              stdout_only=True)
    assert out.strip().splitlines()[-1] == receivers


def test_alertmanager_keeps_secrets_in_files() -> None:
    text = ALERTMANAGER.read_text()
    config = yaml.safe_load(text)
    assert config["global"]["smtp_auth_password_file"]
    assert "smtp_auth_password:" not in text and "password:" not in text.replace("password_file:", "")
    hooks = [w for r in config["receivers"] for w in r.get("webhook_configs", [])]
    assert hooks and all(w["http_config"]["authorization"]["credentials_file"] for w in hooks)
    assert any(r.get("email_configs") for r in config["receivers"])


def test_service_down_inhibits_the_symptoms_of_its_service() -> None:
    config = yaml.safe_load(ALERTMANAGER.read_text())
    alerts = {r["alert"] for r in rules() if "alert" in r}
    rule = next(r for r in config["inhibit_rules"]
                if r["source_matchers"] == ['alertname="YysServiceDown"'])
    assert rule["equal"] == ["service"]
    pattern = re.fullmatch(r'alertname=~"(.+)"', rule["target_matchers"][0])
    assert pattern is not None
    targets = set(pattern.group(1).split("|"))
    assert targets <= alerts, targets - alerts
    assert "YysHigh5xxRatio" in targets and "YysServiceDown" not in targets


# --- Grafana -------------------------------------------------------------------------------------

def test_dashboards_are_generated_and_current() -> None:
    run(sys.executable, str(OBS / "grafana" / "generate.py"), "--check")
    assert len(dashboards()) >= 4


def test_dashboards_are_valid_with_unique_panel_ids() -> None:
    uids = set()
    for name, board in dashboards().items():
        assert board["uid"] not in uids, name
        uids.add(board["uid"])
        ids = [p["id"] for p in panels(board)]
        assert len(ids) == len(set(ids)), f"{name}: duplicate panel ids"
        for panel in panels(board):
            if panel["type"] != "row":
                assert panel["targets"], f"{name}: {panel['title']} has no query"
                assert panel["datasource"]["uid"] == "prometheus"


def test_provisioning_points_at_the_dashboards_datasource() -> None:
    sources = yaml.safe_load((OBS / "grafana/provisioning/datasources/datasources.yml").read_text())
    uids = {d["uid"] for d in sources["datasources"]}
    assert {"prometheus", "loki", "tempo"} <= uids
    providers = yaml.safe_load((OBS / "grafana/provisioning/dashboards/dashboards.yml").read_text())
    assert providers["providers"][0]["type"] == "file"


# --- the catalogue -------------------------------------------------------------------------------

def test_metric_name_extraction() -> None:
    expr = ('histogram_quantile(0.99, sum by (service, le) (rate(a_seconds_bucket{le="0.5", '
            'x=~"a|b"}[5m]))) / on (service) group_left b_total offset 1h or 0 * sum(c)')
    assert metric_names(expr) == {"a_seconds_bucket", "b_total", "c"}
    assert base_name("a_seconds_bucket") == "a_seconds"


def test_every_metric_a_rule_or_panel_reads_is_in_the_catalogue() -> None:
    known = catalogue()
    assert len(known) > 20, f"could not read the table of {CATALOGUE}"
    unknown = {n: sorted(w) for n, w in used_metric_names().items() if not in_catalogue(n, known)}
    assert unknown == {}, f"not in docs/METRICS.md: {json.dumps(unknown, indent=1)}"


def test_every_catalogued_metric_is_on_some_panel_or_rule() -> None:
    used = {base_name(n) for n in used_metric_names()}
    assert catalogue() - used == set()


def test_recording_rules_follow_the_naming_convention() -> None:
    for name in recorded():
        assert re.fullmatch(r"[a-z_]+:yys_[a-z0-9_]+:[a-z0-9_]+", name), name
    assert list(panel_queries())


# --- Kubernetes ----------------------------------------------------------------------------------

def _schemas() -> Path:
    configured = os.environ.get("YYS_K8S_SCHEMAS")
    candidates = [Path(configured)] if configured else [ROOT.parent / "shared" / "k8s-schemas"]
    for path in candidates:
        if (path / "monitoring.coreos.com").is_dir():
            return path
    pytest.fail("the CRD schemas (shared/k8s-schemas beside the repository, or YYS_K8S_SCHEMAS) "
                "are missing")


@pytest.mark.parametrize("manifest", sorted((OBS / "k8s").glob("*.yaml")), ids=lambda p: p.name)
def test_k8s_manifests_match_their_crd_schema(manifest: Path) -> None:
    import jsonschema

    for doc in yaml.safe_load_all(manifest.read_text()):
        group, version = doc["apiVersion"].split("/")
        schema_path = _schemas() / group / f"{doc['kind'].lower()}_{version}.json"
        schema = json.loads(schema_path.read_text())
        # Not jsonschema.validate: it first checks the schema itself, and the CRD schemas use
        # Go regex syntax ("^(?i)…") that Python's re rejects, in fields we do not set.
        jsonschema.validators.validator_for(schema)(schema).validate(doc)
        if doc["kind"] == "PrometheusRule":
            continue  # its content: test_prometheusrule_is_generated_from_the_rule_files
        endpoints = doc["spec"].get("endpoints") or doc["spec"].get("podMetricsEndpoints")
        assert endpoints[0]["path"] == "/metrics"
        assert {"targetLabel": "job", "replacement": "yys"} in endpoints[0]["relabelings"]


def test_static_targets_match_the_default_split_layout() -> None:
    """prometheus.yml's targets are the ports `yys up --split --port 8888` prefers."""
    from yys.runtime.registry import SERVICES
    from yys.runtime.split.layout import ROLE_COMMANDS
    from yys.runtime.split.observability import ALERTMANAGER_OFFSET

    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    job = next(j for j in config["scrape_configs"] if j["job_name"] == "yys")
    static = {c["labels"]["process"]: c["targets"][0] for c in job["static_configs"]}
    expected = {name: f"127.0.0.1:{8888 + 2 + i}" for i, name in enumerate([*SERVICES, *ROLE_COMMANDS])}
    assert static == expected
    manager = config["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"]
    assert manager == [f"127.0.0.1:{8888 + ALERTMANAGER_OFFSET}"]


# --- logs: the shipping pipelines parse what yys writes ------------------------------------------

LOG_FIELDS = {"timestamp", "level", "service", "trace_id", "span_id", "request_id", "user_id"}
_LOG_LINE = """
import structlog
from yys.kit.observability import logging as yl
yl.configure_logging(level="INFO", json=True, service="order")
yl.bind_request("req-1")
yl.set_user_id(42)
structlog.get_logger("t").info("order created", sn="HS1")
"""


def test_promtail_and_alloy_parse_the_fields_yys_logs() -> None:
    out = run(sys.executable, "-c", _LOG_LINE, stdout_only=True)
    line = json.loads(out.strip().splitlines()[-1])  # a real line of kit/observability/logging
    assert {"timestamp", "level", "service", "request_id", "user_id"} <= set(line), line
    assert line["service"] == "order" and line["level"] == "info"
    # promtail's `timestamp` stage reads it as RFC3339Nano: UTC with a Z.
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z", line["timestamp"]), line

    promtail = yaml.safe_load((OBS / "promtail" / "promtail.yml").read_text())
    stages = promtail["scrape_configs"][0]["pipeline_stages"]
    parsed = next(s["json"]["expressions"] for s in stages if "json" in s)
    assert set(parsed) >= LOG_FIELDS and all(parsed[f] == f for f in LOG_FIELDS)
    labels = set().union(*(s["labels"] for s in stages if "labels" in s))
    metadata = next(s["structured_metadata"] for s in stages if "structured_metadata" in s)
    # Per-request values never become stream labels (one stream per request would sink Loki).
    assert labels == {"process", "level", "service"}
    assert set(metadata) == {"trace_id", "span_id", "request_id", "user_id"}

    alloy = (OBS / "promtail" / "alloy.river").read_text()
    for name in LOG_FIELDS:
        assert f"{name} = \"\"" in alloy, name


def test_otel_collector_pipeline_is_wired() -> None:
    config = yaml.safe_load((OBS / "otel" / "otel-collector.yml").read_text())
    traces = config["service"]["pipelines"]["traces"]
    assert traces["receivers"] == ["otlp"]
    assert set(config["receivers"]["otlp"]["protocols"]) == {"grpc", "http"}
    for section in ("receivers", "processors", "exporters"):
        assert set(traces[section]) <= set(config[section]), section
    assert {"otlp/tempo", "otlp/jaeger"} <= set(traces["exporters"])


def test_prometheusrule_is_generated_from_the_rule_files() -> None:
    run(sys.executable, str(OBS / "k8s" / "generate.py"), "--check")
    doc = yaml.safe_load((OBS / "k8s" / "prometheusrule.yaml").read_text())
    groups = [g for path in rule_files() for g in yaml.safe_load(path.read_text())["groups"]]
    assert doc["spec"]["groups"] == groups
