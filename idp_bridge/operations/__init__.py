"""Running the bridge and seeing it run: probes, Prometheus metrics, the request id and
one log line per request (docs/operations.md, "Watching it run").

- ``probes``: ``/healthz`` and ``/readyz`` (JSON, 200 or 503 with what failed);
- ``metrics``: the Prometheus series and their own listener (``IDP_METRICS_PORT``);
- ``events``: business counters from what the database commits;
- ``request_id``: the proxy's ``X-Request-ID`` (bounded), to Keycloak and the audit log;
- ``logs``: JSON lines in production, plain text in dev.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Flask, g, request, session

from idp_bridge.brand import current_brand
from idp_bridge.operations import logs, metrics, request_id

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def init_app(app: Flask) -> None:
    # Imported here: the Keycloak gateway imports this package, and these import models.
    from idp_bridge.operations import events
    from idp_bridge.operations.probes import bp

    logs.configure(log_format(app.config))
    events.install()
    app.register_blueprint(bp)
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(lambda _error: request_id.end())


def log_format(config: Mapping[str, Any]) -> str:
    """IDP_LOG_FORMAT, or by default JSON in production and plain text in dev mode."""
    return str(config.get("IDP_LOG_FORMAT") or ("text" if config["IDP_DEV_MODE"] else "json"))


def _begin() -> None:
    g.request_started = time.perf_counter()
    g.request_id = request_id.begin(request.headers.get(request_id.HEADER))


def _finish(response: Any) -> Any:
    rid = g.get("request_id") or request_id.begin(None)
    duration = time.perf_counter() - g.get("request_started", time.perf_counter())
    route = request.url_rule.rule if request.url_rule else "unmatched"
    method = request.method if request.method in METHODS else "other"  # bounded labels
    metrics.HTTP_REQUESTS.labels(route, method, str(response.status_code)).inc()
    metrics.HTTP_LATENCY.labels(route, method).observe(duration)
    user = (session.get("user") or {}).get("sub", "") if session else ""
    logs.request_line({"request_id": rid, "brand": current_brand().key,
                       "method": method, "route": route,
                       "status": response.status_code,
                       "duration_ms": round(duration * 1000, 1), "user": str(user)})
    response.headers[request_id.HEADER] = rid
    return response
