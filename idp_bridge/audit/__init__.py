"""Append-only, tamper-evident audit log: who did what, to whom, in which organization.

Each record carries the hash of the previous one; ``verify_chain`` recomputes them all, so
an edited or deleted row shows up as a break at that point.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

import click
from flask import has_request_context, request, session
from flask.cli import AppGroup
from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.extensions import db
from idp_bridge.models import utcnow

GENESIS = "0" * 64


class AuditEvent(db.Model):  # type: ignore[name-defined]
    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[str] = mapped_column(String(64), default="")
    actor_email: Mapped[str] = mapped_column(String(254), default="")
    action: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64), default="")
    subject_email: Mapped[str] = mapped_column(String(254), default="")
    organization_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    ip: Mapped[str] = mapped_column(String(64), default="")
    user_agent: Mapped[str] = mapped_column(String(300), default="")
    outcome: Mapped[str] = mapped_column(String(16), default="ok")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def payload(self) -> str:
        return json.dumps({
            "at": self.at.isoformat(), "actor_id": self.actor_id,
            "actor_email": self.actor_email, "action": self.action,
            "subject_id": self.subject_id, "subject_email": self.subject_email,
            "organization_key": self.organization_key, "ip": self.ip,
            "user_agent": self.user_agent, "outcome": self.outcome, "details": self.details,
            "prev_hash": self.prev_hash,
        }, sort_keys=True)

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()


def record(action: str, *, subject_id: str = "", subject_email: str = "",
           organization_key: str = "", outcome: str = "ok",
           actor: dict[str, str] | None = None, **details: Any) -> AuditEvent:
    """Add an event to the session; it is written with the caller's commit."""
    if actor is None and has_request_context():
        actor = session.get("user") or {}
    actor = actor or {}
    last = db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first()
    event = AuditEvent(
        at=utcnow(), actor_id=actor.get("sub", ""), actor_email=actor.get("email", ""),
        action=action, subject_id=subject_id, subject_email=subject_email,
        organization_key=organization_key, outcome=outcome, details=details,
        ip=(request.remote_addr or "") if has_request_context() else "",
        user_agent=(request.user_agent.string[:300] if has_request_context() else "cli"),
        prev_hash=last.hash if last else GENESIS,
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


audit_cli = AppGroup("audit", help="The audit log.")


@audit_cli.command("verify")
def verify_command() -> None:
    """Check the hash chain of the whole audit log."""
    ok, bad_id = verify_chain()
    if not ok:
        raise click.ClickException(f"audit chain broken at record {bad_id}")
    click.echo(f"audit chain intact ({db.session.query(AuditEvent).count()} records)")
