"""The draft a wizard request works on, read and written as plain statements (issue 26).

A submit holds its draft's row until its transaction ends and reads the row in the same
statement (:func:`held`); it writes back, in one UPDATE, only the columns it changed
(:func:`save`). A screen that only shows the draft reads it with one statement on a
connection of its own (:func:`shown`). Either way the object belongs to no ORM session: no
identity map, no unit of work, no flush, which cost a submit about as much again as its two
statements. Completing a registration does go through the ORM (memberships, the audit chain,
the outbox, the metrics that count completed drafts): :func:`attached` hands the draft over.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, inspect, select, update
from sqlalchemy.orm import InstanceState, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.extensions import commit_keeping_loaded, db, one_statement
from idp_bridge.operations import events
from idp_bridge.registration.models import RegistrationDraft

_TABLE = RegistrationDraft.__table__
# Written once (issue 26): the hold is a no-op UPDATE, a row lock on PostgreSQL and the write
# lock on SQLite (row_locks.py), answering the row as the previous holder left it.
_HOLD = (update(_TABLE).where(_TABLE.c.id == bindparam("draft_id"))
         .values(id=_TABLE.c.id).returning(*_TABLE.c))
_SHOW = AutocommitStatement(select(_TABLE).where(_TABLE.c.id == bindparam("draft_id")))
# A new draft: its id, brand and times are the columns' own defaults (issue 26: through the
# ORM, a transaction begun and committed around one INSERT).
_CREATE = insert(_TABLE).returning(*_TABLE.c)


def created() -> RegistrationDraft:
    """A new draft at the first screen, written by one statement committing by itself, and
    counted as started (the ORM's flush counts the drafts it inserts: operations/events.py)."""
    with one_statement() as connection:
        row = connection.execute(_CREATE, {"step": "account", "context": {}}).mappings().one()
    events.count_started(row["brand"])
    return from_row(row)


def held(draft_id: str) -> RegistrationDraft | None:
    """The draft, its row held until the request's transaction ends (None if it is gone)."""
    row = db.session.connection().execute(_HOLD, {"draft_id": draft_id}).mappings().first()
    return None if row is None else from_row(row)


def shown(draft_id: str) -> RegistrationDraft | None:
    """The draft to show, read on a connection of its own: no transaction begun and rolled
    back around it, nothing that could write it by accident."""
    row = _SHOW.run(draft_id=draft_id).first()
    return None if row is None else from_row(row)


def from_row(row: Any) -> RegistrationDraft:
    """The draft a statement answered with all its columns, in no ORM session."""
    draft = RegistrationDraft(**row)
    make_transient_to_detached(draft)  # as read: nothing changed yet
    return draft


def save(draft: RegistrationDraft, connection: Connection | None = None) -> None:
    """Write what the request changed on ``draft`` (one UPDATE, in its transaction, or on
    ``connection``); the object then holds what the row holds. A column may be set to an
    expression over the row (the email code gives back a try as ``code_wrong_tries - 1``);
    its result is read back.

    Raises StaleDataError, as the ORM's flush would, if the row was removed meanwhile."""
    state: InstanceState[RegistrationDraft] = inspect(draft)
    changed = {attribute.key: attribute.history.added[0]
               for attribute in state.attrs if attribute.history.added}
    if not changed:
        return
    row = (connection or db.session.connection()).execute(
        update(_TABLE).where(_TABLE.c.id == draft.id).values(changed)
        .returning(*(_TABLE.c[name] for name in changed))).mappings().first()
    if row is None:
        raise StaleDataError(f"registration draft {draft.id} was removed meanwhile")
    for name in changed:
        set_committed_value(draft, name, row[name])


def commit(draft: RegistrationDraft) -> None:
    """:func:`save`, then commit: the row's hold ends here, and what the request goes on
    with is the draft as just written. When the request has nothing else open (an earlier
    commit of this request ended its hold: Password Setup commits the login it created
    first), the UPDATE is a statement committing by itself: no transaction begun and
    committed around it, two round trips fewer."""
    session = db.session()
    if session.in_transaction() or session.new or session.dirty or session.deleted:
        save(draft)
        commit_keeping_loaded()
        return
    with one_statement() as connection:
        save(draft, connection)


def attached(draft: RegistrationDraft) -> RegistrationDraft:
    """The same draft in the ORM session, what the request changed written first (no read:
    the session takes the object's values as the row's; this request has loaded no other
    copy of it)."""
    save(draft)
    db.session.add(draft)
    return draft
