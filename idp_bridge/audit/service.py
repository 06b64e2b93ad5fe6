"""Writing and checking the audit log."""

from __future__ import annotations

from typing import Any

from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.audit.models import GENESIS, AuditEvent
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.operations import request_id


def record(action: str, *, actor: Actor = SYSTEM, subject_id: str = "",
           subject_email: str = "", organization_key: str = "", outcome: str = "ok",
           **details: Any) -> AuditEvent:
    """Add an event to the session; it is written with the caller's commit. ``actor`` is who
    did it (the caller resolves it; the system when nobody did)."""
    last = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    event = AuditEvent(
        at=utcnow(), actor_id=actor.id, actor_email=actor.email,
        action=action, subject_id=subject_id, subject_email=subject_email,
        organization_key=organization_key, outcome=outcome, details=details,
        ip=actor.ip, user_agent=actor.user_agent[:300],
        prev_hash=last.hash if last else GENESIS, request_id=request_id.current(),
    )
    event.hash = event.compute_hash()
    db.session.add(event)
    db.session.flush()  # the next record in this transaction chains onto this one
    return event


def verify_chain() -> tuple[bool, int | None]:
    """(True, None) if intact, else (False, id of the first bad record)."""
    previous = GENESIS
    for event in db.session.query(AuditEvent).order_by(AuditEvent.id).yield_per(500):
        if event.prev_hash != previous or event.compute_hash() != event.hash:
            return False, event.id
        previous = event.hash
    return True, None
