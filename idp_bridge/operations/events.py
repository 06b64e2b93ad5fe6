"""Business counters from what the database commits, not from what a view meant to do.

A registration started is a draft inserted; finished, a draft whose ``completed_at`` was set;
abandoned, an unfinished draft deleted (cleanup, or the registrant starting over), counted at
the step it stopped at; a decision, an audit event of a decision's kind; an email code sent,
an ``email-code`` mail in the outbox. Each is noted at flush and counted only when its transaction
commits, so a rolled-back decision or a refused final step counts nothing. Listening to
session events keeps every other area free of metrics calls.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from idp_bridge.audit.models import AuditEvent
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.operations import metrics
from idp_bridge.registration.models import RegistrationDraft

_PENDING = "idp_bridge.operations.pending"
NOT_DECISIONS = frozenset({"registration.complete", "reconcile"})


def _note(session: Session, count: Callable[[], None]) -> None:
    session.info.setdefault(_PENDING, []).append(count)


def count_started(brand: str | None) -> None:
    """A draft inserted outside the ORM by a statement that committed by itself
    (registration/draft_rows.py): counted by its writer, the commit being the statement's."""
    metrics.REGISTRATIONS_STARTED.labels(brand or "").inc()


def _after_flush(session: Session, _context: Any) -> None:
    for row in session.new:
        if isinstance(row, RegistrationDraft):
            _note(session, metrics.REGISTRATIONS_STARTED.labels(row.brand or "").inc)
        elif isinstance(row, OutboundEmail) and row.kind == "email-code":
            _note(session, metrics.CODES_SENT.labels("email").inc)
        elif isinstance(row, AuditEvent) and row.action not in NOT_DECISIONS:
            _note(session, metrics.DECISIONS.labels(row.action).inc)
    for row in session.dirty:
        if isinstance(row, RegistrationDraft) and row.completed_at is not None \
                and inspect(row).attrs.completed_at.history.added:
            _note(session, metrics.REGISTRATIONS_FINISHED.labels(
                row.brand or "", row.account_type or "").inc)
    for row in session.deleted:
        if isinstance(row, RegistrationDraft) and row.completed_at is None:
            _note(session, metrics.REGISTRATIONS_ABANDONED.labels(row.brand or "",
                                                                  row.step).inc)


def _after_commit(session: Session) -> None:
    for count in session.info.pop(_PENDING, []):
        count()


def _after_soft_rollback(session: Session, previous: Any) -> None:
    if previous.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_PENDING, None)


_installed = False


def install() -> None:
    """Listen on every ORM session (once per process)."""
    global _installed
    if _installed:
        return
    event.listen(Session, "after_flush", _after_flush)
    event.listen(Session, "after_commit", _after_commit)
    event.listen(Session, "after_soft_rollback", _after_soft_rollback)
    _installed = True
