"""The transactional outbox: one row per email the bridge means to send.

A row is added in the same database transaction as the decision that causes it, so an email
exists exactly when its decision does. The deliverer sends rows and marks them sent.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.brand import request_brand_key
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db


class OutboundEmail(db.Model):  # type: ignore[name-defined]
    __tablename__ = "mail_outbox"
    __table_args__ = (Index("ix_mail_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Stable across retries, so a receiving server (or a person) can spot a duplicate.
    message_id: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    # Whose email it is (idp_bridge.brand): the sender's name and wording are that brand's.
    brand: Mapped[str] = mapped_column(String(16), default=request_brand_key,
                                       server_default="dean")
    to: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # pending -> sent; a pending row is retried with backoff until it goes out.
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str] = mapped_column(String(200), default="")
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    # A deliverer owns a row until this time; another may take it over afterwards.
    claimed_until: Mapped[datetime | None]
    claim_token: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
