"""Alembic migrations build the schema from empty and match the models exactly."""

from __future__ import annotations

import os

import pytest
from flask_migrate import check, upgrade

from idp_bridge import create_app
from idp_bridge.devstack.databases import create_database
from idp_bridge.extensions import db


@pytest.mark.keycloak  # uses the session's database server (SQLite, or TEST_DATABASE_URL)
def test_migrations_go_up_from_empty_without_drift(stack_env, tmp_path):
    server = os.environ.get("TEST_DATABASE_URL")
    url = create_database(server) if server else f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    app = create_app(env={**stack_env, "DATABASE_URL": url})
    with app.app_context():
        upgrade()  # "head": fails if the chain has branched into two heads
        check()  # exits non-zero (failing the test) if models and schema differ
        tables = set(db.inspect(db.engine).get_table_names())
    assert {"organizations", "memberships", "registrations", "audit_events",
            "npi_records", "alembic_version"} <= tables
