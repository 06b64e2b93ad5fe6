"""The bridge's Prometheus metrics (prometheus-client), and the endpoint that serves them.

Counters and histograms are kept per process; under gunicorn (``gunicorn.conf.py``) every
worker writes them to files in ``PROMETHEUS_MULTIPROC_DIR`` and the master's metrics
listener adds them up (prometheus-client's multiprocess mode). Figures that live in the
database (outbox depth and oldest undelivered mail, active sessions, registrations in
progress) are read at scrape time by :class:`DatabaseCollector`, so every process agrees.

The listener is its own port (``IDP_METRICS_PORT`` on ``IDP_METRICS_ADDRESS``), never the
public address: ``/metrics`` there is answered 404 (probes.py), and nginx refuses it too.
"""

from __future__ import annotations

import logging
import os
import re
import threading
from collections.abc import Iterator
from typing import Any

from flask import Flask
from prometheus_client import REGISTRY, CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector

log = logging.getLogger(__name__)

PREFIX = "idp_bridge"

HTTP_REQUESTS = Counter(f"{PREFIX}_http_requests", "Requests answered, by route and status.",
                        ["route", "method", "status"])
HTTP_LATENCY = Histogram(f"{PREFIX}_http_request_duration_seconds",
                         "Time to answer a request, by route.", ["route", "method"],
                         buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30))
REGISTRATIONS_STARTED = Counter(f"{PREFIX}_registrations_started",
                                "Registrations started (a draft created).", ["brand"])
REGISTRATIONS_FINISHED = Counter(f"{PREFIX}_registrations_finished",
                                 "Registrations completed.", ["brand", "kind"])
REGISTRATIONS_ABANDONED = Counter(f"{PREFIX}_registrations_abandoned",
                                  "Unfinished registrations removed, by the step they "
                                  "stopped at.", ["brand", "step"])
DECISIONS = Counter(f"{PREFIX}_decisions", "Decisions committed, by kind (the audit action).",
                    ["kind"])
CODES_SENT = Counter(f"{PREFIX}_codes_sent",
                     "Verification codes the bridge sent (phone codes: Keycloak's metrics).",
                     ["channel"])
CODES_REFUSED = Counter(f"{PREFIX}_codes_refused",
                        "Code sends refused (cooldown, per-registration or per-address cap).",
                        ["channel", "reason"])
LOCKOUTS = Counter(f"{PREFIX}_lockouts",
                   "Codes locked after too many wrong tries.", ["channel"])
KEYCLOAK_CALLS = Histogram(f"{PREFIX}_keycloak_admin_call_duration_seconds",
                           "Keycloak admin API calls, by operation (method and path "
                           "template).", ["operation"],
                           buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
KEYCLOAK_ERRORS = Counter(f"{PREFIX}_keycloak_admin_call_errors",
                          "Keycloak admin API calls that failed (5xx, refused, timed out), "
                          "by operation.", ["operation", "reason"])


class DatabaseCollector(Collector):
    """Gauges read from the bridge's database when Prometheus scrapes."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from idp_bridge.operations.figures import database_figures

        try:
            with self.app.app_context():
                figures = database_figures()
        except Exception:  # a scrape must answer even when the database does not
            log.warning("metrics: the database did not answer", exc_info=False)
            up = GaugeMetricFamily(f"{PREFIX}_database_up", "The database answered the scrape.")
            up.add_metric([], 0)
            yield up
            return
        up = GaugeMetricFamily(f"{PREFIX}_database_up", "The database answered the scrape.")
        up.add_metric([], 1)
        yield up
        for name, (help_text, value) in figures.items():
            gauge = GaugeMetricFamily(f"{PREFIX}_{name}", help_text)
            gauge.add_metric([], value)
            yield gauge


class ReadinessCollector(Collector):
    """``/readyz`` as gauges, for alerting: ``idp_bridge_ready`` and one per check."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[GaugeMetricFamily]:
        from idp_bridge.operations.probes import CHECK_NAMES, failures

        with self.app.app_context():
            failed = {failure.check for failure in failures()}
        ready = GaugeMetricFamily(f"{PREFIX}_ready", "1 when /readyz answers 200.")
        ready.add_metric([], 0 if failed else 1)
        yield ready
        checks = GaugeMetricFamily(f"{PREFIX}_ready_check", "1 when this readiness check "
                                   "passes (database, keycloak, mail).", labels=["check"])
        for name in CHECK_NAMES:
            checks.add_metric([name], 0 if name in failed else 1)
        yield checks


_OPERATION_ID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def operation(method: str, url: str, realm: str) -> str:
    """``PUT /users/{id}/groups/{id}``: the admin API route, no ids, keys or query (a bounded
    label set; an organization key or an email never becomes a label)."""
    path = url.split("?", 1)[0]
    for prefix in (f"/admin/realms/{realm}", f"/realms/{realm}"):
        if prefix in path:
            path = path.split(prefix, 1)[1]
            break
    parts: list[str] = []
    for part in path.strip("/").split("/"):
        if parts and parts[-1] == "group-by-path":
            parts.append("{path}")
            break
        parts.append("{id}" if _OPERATION_ID.match(part) or any(c.isdigit() for c in part)
                     else part)
    return f"{method} /{'/'.join(parts)}"


def registry_for_scrape(app: Flask) -> CollectorRegistry:
    """What the metrics port serves: every process's counters, and the database's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    registry.register(DatabaseCollector(app))
    registry.register(ReadinessCollector(app))
    return registry


_serving: dict[str, Any] = {}
_serving_lock = threading.Lock()


def serve_metrics(app: Flask, port: int | None = None, address: str | None = None) -> int:
    """Start the metrics listener (once per process); returns its port (0: not started)."""
    port = app.config["IDP_METRICS_PORT"] if port is None else port
    address = address or app.config["IDP_METRICS_ADDRESS"]
    if not port:
        return 0
    with _serving_lock:
        if "port" not in _serving:
            server, _thread = start_http_server(port, address, registry=registry_for_scrape(app))
            _serving.update(port=server.server_address[1], server=server)
    return int(_serving["port"])
