"""Statements committing by themselves on the driver's cursor (idp_bridge/autocommit.py): what
a caller gets back is what SQLAlchemy's own execution would give it, on SQLite and (when
TEST_DATABASE_URL names a server) PostgreSQL; a write commits by itself and leaves the pooled
connection as it found it; a refused or failed statement is SQLAlchemy's error and changes
nothing; a connection the server dropped is not handed out again."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from sqlalchemy import bindparam, event, func, insert, select
from sqlalchemy.exc import DBAPIError, IntegrityError

from idp_bridge import create_app
from idp_bridge.auth.sessions import WebSession
from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.extensions import db
from idp_bridge.registration import draft_rows
from idp_bridge.registration.models import RegistrationDraft
from tests.support.databases import DATABASES, SERVER_URL, app_on

WHEN = datetime(2026, 12, 8, 1, 2, 3, 4567)

SESSIONS = WebSession.__table__
DRAFTS = RegistrationDraft.__table__
_NEW_SESSION = AutocommitStatement(insert(SESSIONS).values(
    id_hash=bindparam("id_hash"), data=bindparam("data"), subject=None, keycloak_sid=None,
    brand="dean", created_at=bindparam("when"), last_seen_at=bindparam("when"),
    expires_at=bindparam("when")))
_SESSION = AutocommitStatement(select(SESSIONS).where(SESSIONS.c.id_hash == bindparam("id_hash")))
_DRAFT = AutocommitStatement(select(DRAFTS).where(DRAFTS.c.id == bindparam("id")))
_PID = AutocommitStatement(select(func.pg_backend_pid()))


@pytest.fixture(params=DATABASES)
def app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    # One pooled connection: each test reuses the connection a statement ran on.
    with app_on(request.param, tmp_path, "autocommit_test", overrides={
            "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 1, "max_overflow": 0}}) as app:
        yield app


def through_sqlalchemy(statement: object, **values: object) -> dict[str, object] | None:
    with db.engine.connect() as connection:
        row = connection.execute(statement, values).mappings().first()  # type: ignore[call-overload]
    return None if row is None else dict(row)


def test_rows_come_back_as_sqlalchemy_gives_them(app: Flask) -> None:
    data = {"registration_id": "r1", "nested": [1, "two", None, {"three": 3.5}]}
    assert _NEW_SESSION.run(id_hash="h1", data=data, when=WHEN).rowcount == 1
    mine = _SESSION.run(id_hash="h1").first()
    assert mine is not None and mine == through_sqlalchemy(_SESSION.statement, id_hash="h1")
    assert mine["data"] == data and mine.created_at == WHEN and mine.subject is None
    # A draft's columns: JSON, a float, integers, dates, NULLs.
    draft = draft_rows.created()
    draft_row = _DRAFT.run(id=draft.id).first()
    assert draft_row == through_sqlalchemy(_DRAFT.statement, id=draft.id)
    assert draft_row is not None and draft_row.code_sends == 0 and draft_row.context == {}
    assert _SESSION.run(id_hash="nobody").first() is None
    assert _SESSION.run(id_hash="nobody").scalar() is None


def test_a_write_commits_by_itself_and_leaves_the_connection_transactional(app: Flask) -> None:
    _NEW_SESSION.run(id_hash="h2", data={}, when=WHEN)
    # Seen at once from another connection: committed, nothing left open.
    assert through_sqlalchemy(_SESSION.statement, id_hash="h2") is not None
    # The pool's only connection is the ORM's next: its work is still a transaction that a
    # rollback undoes (the statement did not leave it committing each statement).
    db.session.add(WebSession(id_hash="h3", data={}, expires_at=WHEN, brand="dean"))
    db.session.flush()
    db.session.rollback()
    assert _SESSION.run(id_hash="h3").first() is None


def test_a_failed_statement_is_sqlalchemys_error_and_changes_nothing(app: Flask) -> None:
    _NEW_SESSION.run(id_hash="h4", data={"a": 1}, when=WHEN)
    with pytest.raises(IntegrityError):
        _NEW_SESSION.run(id_hash="h4", data={"a": 2}, when=WHEN)
    row = _SESSION.run(id_hash="h4").first()
    assert row is not None and row.data == {"a": 1}  # and the connection still works


def test_a_statement_needing_a_python_side_default_is_refused() -> None:
    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": "sqlite://"})
    with app.app_context(), pytest.raises(ValueError, match="Python-side default"):
        AutocommitStatement(insert(DRAFTS).values(step="account")).run()


def test_the_engines_listeners_see_each_statement(app: Flask) -> None:
    seen: list[str] = []

    def record(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        _SESSION.run(id_hash="h5")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert len(seen) == 1 and seen[0].startswith("SELECT") and "web_sessions" in seen[0]


def test_a_connection_the_server_dropped_is_not_handed_out_again(app: Flask) -> None:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("a server to drop the connection: PostgreSQL")
    pid = _PID.run().scalar()
    assert SERVER_URL is not None
    with psycopg.connect(SERVER_URL.replace("postgresql+psycopg", "postgresql"),
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
    with pytest.raises(DBAPIError) as refused:
        _SESSION.run(id_hash="h6")
    assert refused.value.connection_invalidated
    assert _PID.run().scalar() != pid  # a new connection, and it works


def test_values_made_of_sql_and_quotes_are_only_ever_values(app: Flask) -> None:
    """Every value is bound, never formatted into the text: a session id or a JSON value
    written as SQL is stored and matched as itself."""
    hostile = "x'); DELETE FROM web_sessions; -- \\ :id_hash %(id_hash)s ?"
    _NEW_SESSION.run(id_hash="h7", data={"note": hostile}, when=WHEN)
    assert _SESSION.run(id_hash=hostile).first() is None
    _NEW_SESSION.run(id_hash=hostile, data={}, when=WHEN)
    found = _SESSION.run(id_hash=hostile).first()
    assert found is not None and found.id_hash == hostile
    kept = _SESSION.run(id_hash="h7").first()
    assert kept is not None and kept.data == {"note": hostile}
