"""One row per security notice the bridge has queued: the unique ``source`` is what makes a
notice go out once, however often its event is read (overlapping polls, two collectors)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db


class SecurityNotice(db.Model):  # type: ignore[name-defined]
    __tablename__ = "security_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # "kc:<Keycloak event id>" for what Keycloak recorded, "bridge:<...>" for the bridge's own
    # actions (a passkey removed, a second factor reset, Site Administrator rights).
    source: Mapped[str] = mapped_column(String(120), unique=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    # Empty when the person no longer exists (nothing was sent).
    email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class NoticeCursor(db.Model):  # type: ignore[name-defined]
    """How far Keycloak's event log has been read (one row, ``name='keycloak'``)."""

    __tablename__ = "security_notice_cursor"

    name: Mapped[str] = mapped_column(String(20), primary_key=True)
    # Keycloak's event time (epoch ms) of the newest event read.
    last_event_ms: Mapped[int] = mapped_column(BigInteger, default=0)
