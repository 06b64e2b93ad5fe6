"""/healthz and /readyz in the unit layer: each failing check named, nothing else said;
/metrics is not served on the public address."""

from __future__ import annotations

import json
import socket
from datetime import timedelta

import pytest
from flask import Flask
from flask_migrate import stamp

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail


def _closed_port() -> int:
    with socket.socket() as sock:  # bound, never listening: a refused connection
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def nowhere_keycloak(app: Flask) -> str:
    url = f"http://127.0.0.1:{_closed_port()}"
    app.config["IDP_KEYCLOAK_URL"] = url
    return url


def _failed(answer) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {f["check"]: f["reason"] for f in answer.get_json()["failed"]}


def test_healthz_answers_without_sign_in(client) -> None:
    answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.get_json() == {"status": "ok"}
    assert answer.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in answer.headers


def test_readyz_names_an_unmigrated_database_and_an_unreachable_keycloak(
        client, nowhere_keycloak) -> None:
    answer = client.get("/readyz")
    assert answer.status_code == 503
    failed = _failed(answer)
    assert failed["database"] == "not migrated to the release's schema"
    assert failed["keycloak"] == "realm not reachable within 2 s"
    assert "mail" not in failed


def test_readyz_database_migrated_leaves_only_keycloak(app, client, nowhere_keycloak) -> None:
    with app.app_context():
        stamp(revision="heads")
    assert set(_failed(client.get("/readyz"))) == {"keycloak"}


def test_readyz_names_mail_older_than_the_setting(app, client, nowhere_keycloak) -> None:
    app.config["IDP_READY_MAIL_BACKLOG_SECONDS"] = 600
    with app.app_context():
        stamp(revision="heads")
        db.session.add(OutboundEmail(message_id="<m1@test>", kind="decision", to="a@b.test",
                                     subject="s", body="b",
                                     created_at=utcnow() - timedelta(minutes=11)))
        db.session.commit()
    failed = _failed(client.get("/readyz"))
    assert failed["mail"] == "oldest undelivered email is older than 600 s"
    with app.app_context():
        OutboundEmail.query.update({"status": "sent"})
        db.session.commit()
    assert "mail" not in _failed(client.get("/readyz"))


def test_readiness_answer_reveals_no_address_secret_version_or_error_text(
        app, client, nowhere_keycloak) -> None:
    body = client.get("/readyz").get_data(as_text=True)
    port = nowhere_keycloak.rsplit(":", 1)[1]
    for leak in (port, "127.0.0.1", "sqlite", app.config["SECRET_KEY"],
                 app.config["IDP_CLIENT_SECRET"], "Traceback", "Error", "26.7", "version"):
        assert leak not in body, leak
    assert set(json.loads(body)) == {"status", "failed"}


@pytest.mark.parametrize("path", ["/metrics", "/b/wellfirst/metrics", "/metrics/"])
def test_metrics_refused_on_the_public_address(client, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 404
    assert "idp_bridge_" not in answer.get_data(as_text=True)
