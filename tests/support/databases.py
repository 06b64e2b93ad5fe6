"""An app on either database: SQLite always, PostgreSQL when TEST_DATABASE_URL names a
server (e.g. postgresql+psycopg://portal:portal@127.0.0.1/postgres); for tests whose subject
takes a different path on each (bulk loads, statements run on the driver's cursor)."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask

from idp_bridge import create_app
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.extensions import db

SERVER_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite", "postgresql"]  # a fixture's params


@contextmanager
def app_on(database: str, tmp_path: Path, name: str,
           overrides: Mapping[str, Any] | None = None) -> Iterator[Flask]:
    """The app on a fresh database of that kind (the test is skipped for PostgreSQL when no
    server is named), its tables created, inside its app context; the database is dropped
    after."""
    if database == "postgresql" and not SERVER_URL:
        pytest.skip("TEST_DATABASE_URL names no PostgreSQL server")
    url = (create_database(SERVER_URL, name) if database == "postgresql" and SERVER_URL
           else f"sqlite:///{tmp_path / f'{name}.sqlite3'}")
    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": url,
                          "IDP_OUTBOX_DIR": str(tmp_path / "outbox")}, overrides=overrides)
    with app.app_context():
        db.create_all()
        yield app
        db.session.remove()
        db.engine.dispose()
    if database == "postgresql" and SERVER_URL:
        drop_databases(SERVER_URL, url)  # stops an autovacuum worker a load woke
