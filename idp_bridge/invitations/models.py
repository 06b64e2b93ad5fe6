"""Invitations: a Site Administrator asks a colleague in by email, with roles preset.

The link carries a random token (256 bits); only its SHA-256 is stored, so a copy of the
database cannot be turned into working links. A resend replaces the hash (the old link is
dead); accepting or revoking ends it.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Organization


class Invitation(db.Model):  # type: ignore[name-defined]
    __tablename__ = "invitations"
    __table_args__ = (
        # The members page lists an organization's open invitations; the cap counts an
        # administrator's sends of the last day.
        Index("ix_invitations_org_status", "organization_id", "status"),
        Index("ix_invitations_inviter_sent", "invited_by_id", "last_sent_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    email: Mapped[str] = mapped_column(String(254))
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # pending -> accepted | revoked | expired (the scheduler's invitations.expire; the link
    # stops working at expires_at either way); a resend makes an expired one pending again
    status: Mapped[str] = mapped_column(String(16), default="pending")
    invited_by_id: Mapped[str] = mapped_column(String(64))
    invited_by: Mapped[str] = mapped_column(String(254))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    sends: Mapped[int] = mapped_column(default=1, server_default="1")
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_user_id: Mapped[str | None] = mapped_column(String(64))

    organization: Mapped[Organization] = relationship()

    def expired(self, now: datetime) -> bool:
        return self.status == "pending" and now >= self.expires_at
