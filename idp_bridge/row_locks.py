"""Holding rows until the transaction ends, the same way on PostgreSQL and SQLite.

A no-op UPDATE (the key set to itself) is a row lock on PostgreSQL and takes the database's
write lock on SQLite, which has no row locks. Either way a second request that wants the same
rows waits for the first to commit or roll back, and whatever it reads afterwards in its
transaction is what the first left. Decisions, draft cleanup and wizard submits all lean on
this to keep check-then-act honest without a version column on every table.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update

from idp_bridge.extensions import db


def hold(model: Any, condition: ColumnElement[bool]) -> int:
    """Lock the rows of ``model`` matching ``condition`` until commit; how many matched."""
    key = model.__mapper__.primary_key[0]
    result = db.session.execute(
        update(model).where(condition).values({key.name: key})
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]
