"""Writing and checking the audit log.

An append locks the chain's head row in the caller's transaction and reads the previous hash
from it in the same statement (``row_locks.holding_statement``), then moves it on: two
concurrent transactions can never chain onto one event. The lock is held until the caller
commits, so callers record their event at the end of their unit of work (decisions do). After
the commit the head is checkpointed outside the database (``checkpoint``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app
from sqlalchemy import event
from sqlalchemy.orm import Session

from idp_bridge.audit import checkpoint
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.audit.models import GENESIS, HEAD_ID, AuditEvent, AuditHead
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.operations import request_id
from idp_bridge.row_locks import holding_statement

log = logging.getLogger(__name__)
_PENDING = "audit_checkpoint"  # session.info: the head to checkpoint after the commit


def key() -> bytes:
    return str(current_app.config["IDP_AUDIT_KEY"]).encode()


def record(action: str, *, actor: Actor = SYSTEM, subject_id: str = "",
           subject_email: str = "", organization_key: str = "", outcome: str = "ok",
           **details: Any) -> AuditEvent:
    """Add an event to the session; it is written with the caller's commit. ``actor`` is who
    did it (the caller resolves it; the system when nobody did)."""
    head = _locked_head()
    event_ = AuditEvent(
        at=utcnow(), actor_id=actor.id, actor_email=actor.email,
        action=action, subject_id=subject_id, subject_email=subject_email,
        organization_key=organization_key, outcome=outcome, details=details,
        ip=actor.ip, user_agent=actor.user_agent[:300], prev_hash=head.hash,
        request_id=request_id.current(),
    )
    event_.hash = event_.compute_hash(key())
    db.session.add(event_)
    db.session.flush()  # its id, for the head
    head.count, head.event_id, head.hash = head.count + 1, event_.id, event_.hash
    db.session.flush()
    db.session.info[_PENDING] = (checkpoint.Checkpoint(head.count, head.event_id, head.hash),
                                 current_app._get_current_object())  # type: ignore[attr-defined]
    return event_


# Locked and read in one statement, written once (every audited change runs it).
_HOLD_HEAD = holding_statement(AuditHead, AuditHead.id == HEAD_ID)


def _locked_head() -> AuditHead:
    [head] = db.session.scalars(_HOLD_HEAD)
    return head


def _after_commit(session: Session) -> None:
    pending = session.info.pop(_PENDING, None)
    if pending is not None:
        head, app = pending
        try:
            checkpoint.advance(head, app)
        except OSError:
            # The events are committed; only the outside copy of the head lags (verify still
            # checks the chain and the head row). Loud, so an operator fixes the storage.
            log.error("audit checkpoint could not be written to %s", checkpoint.path_for(app))


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)


def init_app(app: Flask) -> None:
    if not event.contains(Session, "after_commit", _after_commit):
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", lambda s, _t: _after_rollback(s))


@dataclass(frozen=True)
class Verdict:
    ok: bool
    bad_id: int | None = None  # the first record that does not hold
    problem: str = ""
    count: int = 0

    def message(self) -> str:
        if self.ok:
            return f"audit chain intact ({self.count} records)"
        return f"audit chain broken at record {self.bad_id}: {self.problem}"


def verify() -> Verdict:
    """Every hash recomputed with the key; the database's head and the checkpoint outside it
    must each name an event that is still the chain's n-th, with the same hash."""
    marks = [("the checkpoint outside the database", checkpoint.read())]
    head = db.session.get(AuditHead, HEAD_ID)
    if head is not None:
        marks.append(("the chain's head row",
                      checkpoint.Checkpoint(head.count, head.event_id, head.hash)))
    secret, previous, count = key(), GENESIS, 0
    for event_ in db.session.query(AuditEvent).order_by(AuditEvent.id).yield_per(500):
        if event_.prev_hash != previous:
            return Verdict(False, event_.id, "it does not follow the record before it "
                                              "(a record was deleted or inserted)", count)
        if event_.compute_hash(secret) != event_.hash:
            return Verdict(False, event_.id, "its contents changed since it was written",
                           count)
        count += 1
        for name, mark in marks:
            if mark is not None and mark.count == count and (
                    mark.event_id, mark.hash) != (event_.id, event_.hash):
                return Verdict(False, event_.id, f"{name} names another record here", count)
        previous = event_.hash
    for name, mark in marks:
        if mark is not None and mark.count > count:
            return Verdict(False, mark.event_id, f"{name} says {mark.count} records up to "
                           f"record {mark.event_id}; only {count} are left (the newest were "
                           "deleted; if this database was replaced on purpose, e.g. restored "
                           f"or recreated, move {checkpoint.path_for(current_app)} aside)",
                           count)
        if mark is not None and mark.count < 0:
            return Verdict(False, None, f"{name} is unreadable ({mark.hash})", count)
    return Verdict(True, None, "", count)


def verify_chain() -> tuple[bool, int | None]:
    """(True, None) if intact, else (False, id of the first bad record)."""
    verdict = verify()
    return verdict.ok, verdict.bad_id
