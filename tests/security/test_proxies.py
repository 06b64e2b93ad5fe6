"""Issue 19 row 13: X-Forwarded-* are believed only from the configured number of proxies,
so behind the compose topology's nginx the audit log records the client's address, and
without a proxy a client cannot choose the address it is recorded (and limited) under."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from flask import Flask, request

from idp_bridge import audit, create_app
from idp_bridge.auth import current_actor
from idp_bridge.config import REPO_ROOT
from idp_bridge.devstack.keycloak_server import KeycloakServer, free_port
from idp_bridge.extensions import db

NGINX = "10.0.0.5"  # the proxy container, as the bridge sees it
CLIENT = "203.0.113.7"


def audited_app(tmp_path: Path, proxies: str) -> Flask:
    app = create_app(env={"IDP_DEV_MODE": "1", "IDP_TRUSTED_PROXIES": proxies,
                          "DATABASE_URL": f"sqlite:///{tmp_path / 'proxies.sqlite3'}",
                          "IDP_OUTBOX_DIR": str(tmp_path / "outbox")},
                     overrides={"TESTING": True, "WTF_CSRF_ENABLED": False})

    @app.post("/test-audited-action")
    def audited_action() -> dict[str, Any]:
        event = audit.record("test.action", actor=current_actor())
        db.session.commit()
        return {"ip": event.ip, "scheme": request.scheme}

    with app.app_context():
        db.create_all()
    return app


def through_nginx(app: Flask, forwarded_for: str) -> dict[str, Any]:
    """What nginx sends: X-Forwarded-For $proxy_add_x_forwarded_for (what the client sent,
    then the client's address), X-Forwarded-Proto https, from nginx's own address."""
    response = app.test_client().post(
        "/test-audited-action", environ_base={"REMOTE_ADDR": NGINX},
        headers={"X-Forwarded-For": forwarded_for, "X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    return response.get_json()


def test_behind_one_proxy_the_audit_records_the_client(tmp_path: Path) -> None:
    app = audited_app(tmp_path, "1")
    assert through_nginx(app, CLIENT) == {"ip": CLIENT, "scheme": "https"}
    # A client's own X-Forwarded-For is the left part nginx appends to: not believed.
    assert through_nginx(app, f"198.51.100.99, {CLIENT}")["ip"] == CLIENT
    with app.app_context():
        assert [e.ip for e in db.session.query(audit.AuditEvent)] == [CLIENT, CLIENT]


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(tmp_path: Path) -> None:
    app = audited_app(tmp_path, "0")
    assert through_nginx(app, "198.51.100.99") == {"ip": NGINX, "scheme": "http"}


def test_the_compose_topology_trusts_exactly_its_one_nginx() -> None:
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert compose["services"]["bridge"]["environment"]["IDP_TRUSTED_PROXIES"] == "1"
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;" in nginx
    assert "IDP_TRUSTED_PROXIES" not in str(compose["services"]["proxy"])


def test_a_slow_client_is_held_by_the_proxy_not_by_the_bridges_threads() -> None:
    """The image serves the bridge from one process with a few threads (gunicorn.conf.py):
    eight clients dribbling their requests in would hold them all. nginx reads every request
    whole before it passes it on, and the bridge publishes no port of its own around it."""
    nginx = (REPO_ROOT / "deploy" / "nginx.conf").read_text()
    assert "proxy_request_buffering on;" in nginx
    assert "proxy_request_buffering off" not in nginx
    compose = yaml.safe_load((REPO_ROOT / "docker-compose.yml").read_text())
    assert not compose["services"]["bridge"].get("ports")  # reached only through nginx


@pytest.fixture(scope="module")
def dev_keycloak(stack_env: dict[str, str],
                 tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakServer]:
    """A Keycloak started exactly as `make run` starts it (dev mode, hostname pinned), on
    ports of its own: the suite's shared Keycloak answers by Host for the passkey journeys."""
    workdir = tmp_path_factory.mktemp("dev-keycloak")
    server = KeycloakServer.in_private_copy(
        workdir, http_port=free_port(), management_port=free_port(), env=stack_env,
        log_path=workdir / "keycloak.log").start()
    try:
        server.wait_ready(float(os.environ.get("IDP_TEST_KEYCLOAK_READY_SECONDS", "600")))
        yield server
    finally:
        server.stop()


@pytest.mark.keycloak
@pytest.mark.parametrize("host", ["evil.example", "evil.example:8443"])
def test_the_dev_keycloak_names_itself_whatever_the_host_header(dev_keycloak: KeycloakServer,
                                                                host: str) -> None:
    import requests

    discovery = requests.get(
        f"{dev_keycloak.base_url}/realms/master/.well-known/openid-configuration",
        headers={"Host": host}, timeout=30).json()
    assert discovery["issuer"] == f"{dev_keycloak.base_url}/realms/master"
    assert "evil.example" not in str(discovery)
