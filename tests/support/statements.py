"""The SQL statements an app runs while a block runs (issue 26: round trips counted)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from idp_bridge.extensions import db


@contextmanager
def statements(app: Any) -> Iterator[list[tuple[str, bool]]]:
    """Each statement run meanwhile, and whether it ran on an autocommit connection (one
    that begins no transaction). ``idp_bridge.autocommit`` runs its statements on the
    driver's cursor, with no SQLAlchemy connection to name (``conn`` is None): each is one
    statement committing by itself."""
    seen: list[tuple[str, bool]] = []

    def record(conn, cursor, statement, *rest) -> None:  # type: ignore[no-untyped-def]
        autocommit = conn is None or \
            conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT"
        seen.append((" ".join(statement.split()), autocommit))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
