"""Send what the outbox holds: claim a row atomically, send it, mark it sent.

Two deliverers (or a deliverer and a request sending its own mail right after its commit)
never send the same row twice: a row is claimed with one conditional UPDATE, and only the
claimant marks it sent. A failed send is retried with exponential backoff. If a deliverer
dies between the SMTP hand-off and marking the row sent, the claim expires and the row is
sent again with the same Message-ID (at-least-once; that window is a few milliseconds).
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import ColumnElement, bindparam, or_, select, update

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import utcnow
from idp_bridge.extensions import one_statement
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.mail.smtp import MailError, Relay, relay

log = logging.getLogger(__name__)
# Bodies that carry a one-time code are not kept once delivered.
SECRET_KINDS = frozenset({"email-code"})
CLAIM_SECONDS = 60  # longer than one SMTP attempt can take (its timeout is 10 s)


def backoff(attempts: int) -> timedelta:
    """5 s, 10 s, 20 s ... capped at 5 minutes (both configurable)."""
    base = current_app.config["IDP_MAIL_RETRY_BASE_SECONDS"]
    cap = current_app.config["IDP_MAIL_RETRY_MAX_SECONDS"]
    return timedelta(seconds=min(cap, base * 2 ** max(0, attempts - 1)))


def _claimable(now: datetime | ColumnElement[datetime]) -> ColumnElement[bool]:
    return (OutboundEmail.status == "pending") & or_(
        OutboundEmail.claimed_until.is_(None), OutboundEmail.claimed_until < now)


# What sending a row needs, read by the claim itself (one statement, not claim-then-select).
_TO_SEND = (OutboundEmail.to, OutboundEmail.subject, OutboundEmail.body,
            OutboundEmail.message_id, OutboundEmail.attempts, OutboundEmail.kind,
            OutboundEmail.brand, OutboundEmail.created_at)


# The claim and the two ways a claim ends, written once (issue 26: three of these for each
# email a request sends).
_CLAIM = AutocommitStatement(
    update(OutboundEmail)
    .where(OutboundEmail.id == bindparam("email_id"), _claimable(bindparam("now")))
    .values(claimed_until=bindparam("until"), claim_token=bindparam("token"))
    .returning(*_TO_SEND))


def claim(message_id: int, now: datetime) -> tuple[str, Any] | None:
    """Take one row for sending: the claim's token and what to send; None if it is sent or
    another deliverer holds it."""
    token = uuid.uuid4().hex
    row = _CLAIM.run(email_id=message_id, now=now, token=token,
                     until=now + timedelta(seconds=CLAIM_SECONDS)).first()
    return None if row is None else (token, row)


@functools.cache
def _ending(names: frozenset[str]) -> AutocommitStatement:
    return AutocommitStatement(
        update(OutboundEmail)
        .where(OutboundEmail.id == bindparam("email_id"),
               OutboundEmail.claim_token == bindparam("token"))
        .values(claimed_until=None, claim_token=None,
                **{name: bindparam(f"set_{name}") for name in sorted(names)}))


def _finish(message_id: int, token: str, **values: object) -> None:
    _ending(frozenset(values)).run(email_id=message_id, token=token,
                                   **{f"set_{name}": value for name, value in values.items()})


def deliver_one(message_id: int, timeout: float = 10,
                connection: Relay | None = None) -> bool | None:
    """True sent, False failed (retried later), None not ours to send. ``connection``: the
    relay connection of the caller's batch; one of its own otherwise."""
    claimed = claim(message_id, utcnow())
    if claimed is None:
        return None
    token, row = claimed
    try:
        if connection is None:
            with relay(timeout) as own:
                _send(own, row)
        else:
            _send(connection, row)
    except MailError as exc:
        attempts = row.attempts + 1
        _finish(message_id, token, attempts=attempts, next_attempt_at=utcnow() + backoff(attempts),
                last_error=str(exc.__cause__.__class__.__name__ if exc.__cause__ else exc)[:200])
        return False
    done: dict[str, object] = {"status": "sent", "sent_at": utcnow(),
                               "attempts": row.attempts + 1, "last_error": ""}
    if row.kind in SECRET_KINDS:
        done["body"] = "(one-time code removed after delivery)"
    _finish(message_id, token, **done)
    return True


def _send(connection: Relay, row: Any) -> None:
    connection.send(row.to, row.subject, row.body, message_id=row.message_id,
                    sender_name=brand_or_default(row.brand).portal_name,
                    written_at=row.created_at)


def deliver_ids(ids: list[int], timeout: float = 5) -> None:
    """Right after a commit: send these now, over one connection; failures stay pending for
    the deliverer."""
    with relay(timeout) as connection:
        _deliver_in_turn(ids, connection)


def _deliver_in_turn(ids: list[int], connection: Relay) -> None:
    for message_id in ids:
        try:
            if deliver_one(message_id, connection=connection) is False:
                # The relay is away: don't make the user wait for each of the others too.
                log.info("email %s and later ones queued for retry", message_id)
                return
        except Exception:  # never let mail break the answer the user is waiting for
            log.exception("immediate delivery of email %s failed; the deliverer will retry",
                          message_id)
            return


def due_ids(limit: int = 50) -> list[int]:
    now = utcnow()
    with one_statement() as connection:
        rows = connection.execute(
            select(OutboundEmail.id)
            .where(_claimable(now), OutboundEmail.next_attempt_at <= now)
            .order_by(OutboundEmail.next_attempt_at, OutboundEmail.id).limit(limit))
        return [r.id for r in rows]


def deliver_due(limit: int = 50) -> tuple[int, int]:
    """One pass over due rows: (sent, failed)."""
    sent = failed = 0
    with relay() as connection:
        for message_id in due_ids(limit):
            outcome = deliver_one(message_id, connection=connection)
            sent += outcome is True
            failed += outcome is False
    return sent, failed


def run_loop(app: Flask, stop: threading.Event, interval: float = 2.0,
             on_pass: Callable[[], None] | None = None) -> None:
    """The deliverer: poll for due rows until ``stop`` is set. ``on_pass`` is called after
    each pass (tests wait on it to prove that a pass found nothing more to send)."""
    while not stop.is_set():
        busy = False
        try:
            with app.app_context():
                sent, failed = deliver_due()
                busy = sent + failed > 0
                if busy:
                    log.info("mail deliverer: %d sent, %d to retry", sent, failed)
        except Exception:
            log.exception("mail deliverer pass failed; retrying")
        if on_pass is not None:
            on_pass()
        stop.wait(0.05 if busy else interval)


def start_thread(app: Flask, interval: float = 2.0, on_pass: Callable[[], None] | None = None
                 ) -> tuple[threading.Thread, threading.Event]:
    """Run the deliverer inside this process (``make run``, tests)."""
    stop = threading.Event()
    thread = threading.Thread(target=run_loop, args=(app, stop, interval, on_pass),
                              daemon=True, name="mail-deliverer")
    thread.start()
    return thread, stop


def undelivered(limit: int = 200,
                brands: Collection[str] | None = None) -> list[OutboundEmail]:
    """Mail not sent yet, oldest first; only these brands' when ``brands`` is given."""
    query = OutboundEmail.query.filter(OutboundEmail.status != "sent")
    if brands is not None:
        query = query.filter(OutboundEmail.brand.in_(sorted(brands)))
    return query.order_by(OutboundEmail.created_at).limit(limit).all()
