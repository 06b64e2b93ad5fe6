"""Security notices: one email in the person's brand for each change to how they sign in.

Two sources, one table (``SecurityNotice.source`` is unique, so each notice is queued once):

- what people do in Keycloak (password, phone, app, passkey, recovery codes) is read back from
  **Keycloak's own event log** (``collect``): Keycloak writes the event in the same database
  transaction as the change, so a change without its event cannot exist, and the log keeps
  events for 30 days (``eventsExpiration``). The bridge reads it from a cursor, re-reading a
  window of ``OVERLAP_MS`` before it (an event is stamped when it is made but visible only
  when its transaction commits), and queues each notice in the same transaction as its row:
  read twice, it is refused by the unique source; mail down, it waits in the outbox.
- what the bridge itself does (a passkey removed, a second factor reset, Site Administrator
  rights) is queued by ``notify`` inside that action's own transaction.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy.exc import IntegrityError

from idp_bridge.brand import brand_or_default
from idp_bridge.extensions import db
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.keycloak.protocol import Gateway
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.notices.events import EVENT_TYPES, notice_kind, source_of
from idp_bridge.notices.models import NoticeCursor, SecurityNotice

log = logging.getLogger(__name__)

OVERLAP_MS = 10 * 60 * 1000
PAGE = 100
CURSOR = "keycloak"


def compose(kind: str, brand: str | None, **params: str) -> tuple[str, str]:
    """Subject and body of a notice in ``brand``'s words."""
    chosen = brand_or_default(brand)
    what = message(f"notice.{kind}", brand=chosen, **params)
    subject = message("notice.subject", brand=chosen)
    body = message("notice.body", brand=chosen, what=what)
    return subject, body


def notify(user_id: str, email: str, brand: str | None, kind: str, source: str,
           **params: str) -> bool:
    """Queue one notice in the current transaction (the caller commits). False when this
    source was already noticed (nothing queued)."""
    try:
        with db.session.begin_nested():
            db.session.add(SecurityNotice(source=source[:120], user_id=user_id, kind=kind,
                                          email=email))
            db.session.flush()
    except IntegrityError:
        return False
    if email:
        subject, body = compose(kind, brand, **params)
        enqueue(f"security_notice.{kind}", email, subject, body, brand=brand_or_default(
            brand).key)
    return True


def collect(gateway: Gateway) -> int:
    """Read Keycloak's new credential events and queue their notices; the number queued.
    Safe to run again or twice at once: a notice already queued is never queued again."""
    cursor = db.session.get(NoticeCursor, CURSOR) or NoticeCursor(name=CURSOR, last_event_ms=0)
    since = max(0, (cursor.last_event_ms or 0) - OVERLAP_MS)
    queued, newest, first = 0, cursor.last_event_ms or 0, 0
    while True:
        events = gateway.user_events(list(EVENT_TYPES), since, first, PAGE)
        for event in events:
            newest = max(newest, int(event.get("time") or 0))
            queued += _one(gateway, event)
        if len(events) < PAGE:
            break
        first += PAGE
    cursor.last_event_ms = newest
    db.session.merge(cursor)
    try:
        db.session.commit()
    except IntegrityError:  # another collector created the cursor first: its rows stand
        db.session.rollback()
    return queued


def _one(gateway: Gateway, event: dict[str, Any]) -> int:
    kind = notice_kind(event)
    if kind is None or not event.get("id"):
        return 0
    if db.session.query(SecurityNotice.id).filter_by(source=source_of(event)).first():
        return 0  # read again in the overlap window
    user_id = str(event["userId"])
    try:
        user = gateway.get_user(user_id)
        email, brand = user.email, user.attribute("brand")
    except GatewayError as exc:
        if exc.status != 404:
            raise  # Keycloak cannot answer: the cursor does not move past this event
        email, brand = "", None  # the person is gone: nothing to tell anyone
    return int(notify(user_id, email, brand, kind, source_of(event)))
