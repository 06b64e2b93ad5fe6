"""``/healthz`` (the process answers) and ``/readyz`` (it can serve: database reachable and
migrated to head, Keycloak's realm answering within a short timeout, mail not stuck).

Kubernetes-style probes for compose's health checks, the Dockerfile's HEALTHCHECK and the
load balancer. Not behind sign-in; they answer a fixed vocabulary (which check failed and
a short reason) and never an exception's text, a version, a host name or a setting.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

import requests
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import Blueprint, current_app, jsonify
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from idp_bridge.extensions import db

log = logging.getLogger(__name__)
bp = Blueprint("operations", __name__)


@dataclass(frozen=True)
class Failure:
    check: str  # database, keycloak, mail
    reason: str

    def as_json(self) -> dict[str, str]:
        return {"check": self.check, "reason": self.reason}


@cache
def migration_heads(directory: str) -> frozenset[str]:
    return frozenset(ScriptDirectory(directory).get_heads())


def database_failure() -> Failure | None:
    from idp_bridge import MIGRATIONS_DIR

    try:
        with db.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as exc:
        log.warning("readiness: database unreachable (%s)", type(exc).__name__)
        return Failure("database", "unreachable")
    if current != migration_heads(MIGRATIONS_DIR):
        return Failure("database", "not migrated to the release's schema")
    return None


def keycloak_failure() -> Failure | None:
    config = current_app.config
    timeout = config["IDP_READY_KEYCLOAK_TIMEOUT_SECONDS"]
    realm = f"{config['IDP_KEYCLOAK_URL']}/realms/{config['IDP_REALM']}"
    try:
        answer = requests.get(realm, timeout=timeout, allow_redirects=False)
    except requests.RequestException as exc:
        log.warning("readiness: Keycloak unreachable (%s)", type(exc).__name__)
        return Failure("keycloak", f"realm not reachable within {timeout:g} s")
    if answer.status_code != 200:
        return Failure("keycloak", f"realm answered {answer.status_code}")
    return None


def mail_failure() -> Failure | None:
    from idp_bridge.operations.figures import oldest_undelivered_age

    limit = current_app.config["IDP_READY_MAIL_BACKLOG_SECONDS"]
    try:
        age = oldest_undelivered_age()
    except SQLAlchemyError:
        db.session.rollback()
        return None  # the database check already says so
    finally:
        db.session.rollback()
    if age > limit:
        return Failure("mail", f"oldest undelivered email is older than {limit:g} s")
    return None


CHECKS = (database_failure, keycloak_failure, mail_failure)
CHECK_NAMES = ("database", "keycloak", "mail")


def failures() -> list[Failure]:
    return [failure for check in CHECKS if (failure := check()) is not None]


def _answer(body: dict[str, Any], status: int) -> Any:
    response = jsonify(body)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/healthz")
def healthz() -> Any:
    return _answer({"status": "ok"}, 200)


@bp.get("/readyz")
def readyz() -> Any:
    failed = failures()
    if failed:
        return _answer({"status": "unready", "failed": [f.as_json() for f in failed]}, 503)
    return _answer({"status": "ready"}, 200)


@bp.route("/metrics", methods=["GET", "POST", "HEAD"])
def metrics_not_here() -> Any:
    """Metrics are served on their own port (IDP_METRICS_PORT), never here."""
    return _answer({"status": "not found"}, 404)
