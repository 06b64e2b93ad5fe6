"""Holding rows until the transaction ends, the same way on PostgreSQL and SQLite.

A no-op UPDATE (the key set to itself) is a row lock on PostgreSQL and takes the database's
write lock on SQLite, which has no row locks. Either way a second request that wants the same
rows waits for the first to commit or roll back, and whatever it reads afterwards in its
transaction is what the first left. Decisions, draft cleanup and wizard submits all lean on
this to keep check-then-act honest without a version column on every table.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Executable, update

from idp_bridge.extensions import db


def hold(model: Any, condition: ColumnElement[bool]) -> int:
    """Lock the rows of ``model`` matching ``condition`` until commit; how many matched."""
    key = model.__mapper__.primary_key[0]
    result = db.session.execute(
        update(model).where(condition).values({key.name: key})
        .execution_options(synchronize_session=False))
    return int(result.rowcount)  # type: ignore[attr-defined]


M = TypeVar("M")


def hold_fresh(model: type[M], condition: ColumnElement[bool]) -> list[M]:
    """``hold``, and the held rows read in the same statement (``UPDATE ... RETURNING``, on
    PostgreSQL and on SQLite 3.35+): what the lock's holder sees is what the previous holder
    committed, one round trip fewer than holding, then reading. Objects of these rows already
    in the session are overwritten with what was read."""
    return list(db.session.scalars(holding_statement(model, condition)))


def holding_statement(model: type[M], condition: ColumnElement[bool]) -> Executable:
    """``hold_fresh``'s statement, to build once at import with a ``bindparam`` in
    ``condition`` and run with ``db.session.scalars(statement, params)``: the hottest holds
    (a wizard submit's draft) skip building and keying the statement at every request."""
    key = model.__mapper__.primary_key[0]  # type: ignore[attr-defined]
    return (update(model).where(condition).values({key.name: key}).returning(model)
            .execution_options(synchronize_session=False, populate_existing=True))
