"""The audit log's tables: one hash-chained row per event, and the chain's head.

Each event's hash is an HMAC (key: ``IDP_AUDIT_KEY``, never in the database) over its fields
and the previous event's hash. ``AuditHead`` is one row: the number of events, the last
event's id and hash. Every append locks it first (``service.record``), so two transactions
can never chain onto the same event (a fork), on PostgreSQL as on SQLite.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any

from sqlalchemy import DDL, JSON, String, event
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db

GENESIS = "0" * 64
HEAD_ID = 1


def keyed_hash(key: bytes, payload: str) -> str:
    return hmac.new(key, payload.encode(), hashlib.sha256).hexdigest()


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
    # The request that wrote it (X-Request-ID, operations/request_id.py): ties the event to
    # the bridge's request line and Keycloak's access log. A correlation aid outside the
    # hashed payload, like the row id.
    request_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
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

    def compute_hash(self, key: bytes) -> str:
        return keyed_hash(key, self.payload())


class AuditHead(db.Model):  # type: ignore[name-defined]
    """The chain's head: locked by every append, so appends are serialized."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    event_id: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS)


# A new database (create_all: dev, tests) gets the one head row with its table; the
# migration inserts it for an existing one.
_SEED_HEAD = f"INSERT INTO audit_head (id, count, event_id, hash) VALUES ({HEAD_ID}, 0, 0, '{GENESIS}')"  # noqa: E501, S608  (constants only)
event.listen(AuditHead.__table__, "after_create", DDL(_SEED_HEAD))
