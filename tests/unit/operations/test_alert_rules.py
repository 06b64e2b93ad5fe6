"""The alert rules in deploy/prometheus: valid (promtool check rules), each alert proven to
fire on its failure and stay quiet otherwise (promtool test rules), and naming only series
the bridge really exports."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, generate_latest

import idp_bridge.operations.metrics  # noqa: F401  (defines the bridge's series)
from idp_bridge.config import REPO_ROOT
from idp_bridge.operations.metrics import DatabaseCollector, ReadinessCollector

RULES = REPO_ROOT / "deploy" / "prometheus"
promtool = pytest.mark.skipif(shutil.which("promtool") is None,
                              reason="promtool is absent (Debian package prometheus)")


@promtool
def test_metrics_alert_rules_pass_promtool_check() -> None:
    done = subprocess.run(["promtool", "check", "rules", str(RULES / "alerts.yml")],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "11 rules found" in done.stdout


@promtool
def test_metrics_alert_rules_unit_tests_pass_promtool_test() -> None:
    done = subprocess.run(["promtool", "test", "rules", "alerts.test.yml"], cwd=RULES,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    alerts = set(re.findall(r"- alert: (\w+)", (RULES / "alerts.yml").read_text()))
    tested = set(re.findall(r"alertname: (\w+)", (RULES / "alerts.test.yml").read_text()))
    assert alerts == tested  # every alert has its promtool test


# Exported by our Keycloak plugin on Keycloak's /metrics (PhoneCodeMetrics.java), shown
# there through the real Keycloak by tests/operations/test_observed_journeys.py.
PLUGIN_SERIES = {"idp_bridge_phone_codes_sent_total", "idp_bridge_phone_codes_refused_total"}


def test_metrics_alert_rules_name_only_series_the_bridge_exports(app: Flask) -> None:
    registry = CollectorRegistry()
    registry.register(DatabaseCollector(app))
    registry.register(ReadinessCollector(app))
    exported = (generate_latest(registry) + generate_latest(REGISTRY)).decode()
    names = set(re.findall(r"^# TYPE (\w+) (\w+)", exported, re.MULTILINE))
    series = {n for n, kind in names} | {f"{n}_total" for n, kind in names if kind == "counter"} \
        | {f"{n}_count" for n, kind in names if kind == "histogram"}
    for path in (RULES / "alerts.yml", REPO_ROOT / "deploy" / "grafana" / "dashboards"
                 / "identity.json"):
        used = set(re.findall(r"\b(idp_bridge_\w+)", path.read_text()))
        used = {re.sub(r"_bucket$", "", name) for name in used}
        histograms = {n for n, kind in names if kind == "histogram"}
        assert used - series - histograms - PLUGIN_SERIES == set(), path.name
