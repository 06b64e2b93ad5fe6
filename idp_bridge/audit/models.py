"""The audit log's table: one hash-chained row per event."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db

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

    def compute_hash(self) -> str:
        return hashlib.sha256(self.payload().encode()).hexdigest()
