"""Every Keycloak admin API call, seen from the bridge: its latency and failures by operation,
and the request id sent along (``X-Request-ID``), so a Keycloak access log line and the
bridge's request line name the same request."""

from __future__ import annotations

import time
from typing import Any

import requests
from requests.adapters import HTTPAdapter

from idp_bridge.operations import metrics, request_id


class ObservedAdapter(HTTPAdapter):
    """requests' adapter with no retries (the gateway's rule: the user's retry is the
    retry), timing each call and adding the request id."""

    def __init__(self, realm: str) -> None:
        super().__init__(max_retries=0)
        self.realm = realm

    def send(self, request: requests.PreparedRequest, *args: Any,
             **kwargs: Any) -> requests.Response:
        rid = request_id.current()
        if rid:
            request.headers[request_id.HEADER] = rid
        operation = metrics.operation(request.method or "", request.path_url, self.realm)
        started = time.perf_counter()
        try:
            response = super().send(request, *args, **kwargs)
        except requests.RequestException as exc:
            metrics.KEYCLOAK_ERRORS.labels(operation, type(exc).__name__).inc()
            raise
        finally:
            metrics.KEYCLOAK_CALLS.labels(operation).observe(time.perf_counter() - started)
        if response.status_code >= 500:
            metrics.KEYCLOAK_ERRORS.labels(operation, str(response.status_code)).inc()
        return response


def observe(session: requests.Session, realm: str) -> None:
    adapter = ObservedAdapter(realm)
    session.mount("http://", adapter)
    session.mount("https://", adapter)
