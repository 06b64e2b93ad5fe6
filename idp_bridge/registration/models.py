"""Registration drafts: the wizard's server-side context (read and written through
``registration/context.py``, never by key). The browser holds only the id."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Float, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.brand import request_brand_key
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db

DRAFT_LIFETIME = timedelta(hours=2)


class RegistrationDraft(db.Model):  # type: ignore[name-defined]
    __tablename__ = "registrations"

    id: Mapped[str] = mapped_column(String(43), primary_key=True,
                                    default=lambda: secrets.token_urlsafe(32))
    account_type: Mapped[str | None] = mapped_column(String(16))
    # The brand the registration runs under (idp_bridge.brand), from its first request.
    brand: Mapped[str] = mapped_column(String(16), default=request_brand_key,
                                       server_default="dean")
    step: Mapped[str] = mapped_column(String(32))
    context: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # A Keycloak user this draft created, to be removed if the draft is abandoned.
    # Indexed: every sign-in asks for an unfinished registration of its login (drafts.py).
    keycloak_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(default=lambda: utcnow() + DRAFT_LIFETIME)
    completed_at: Mapped[datetime | None]
    # The email code's counts (registration/email_code.py owns them), in columns so that
    # concurrent requests change them with one conditional UPDATE each.
    code_sends: Mapped[int] = mapped_column(default=0, server_default="0")
    code_last_send: Mapped[float | None] = mapped_column(Float)  # epoch seconds
    code_wrong_tries: Mapped[int] = mapped_column(default=0, server_default="0")

    def touch(self) -> None:
        self.expires_at = utcnow() + DRAFT_LIFETIME

    @property
    def expired(self) -> bool:
        return self.completed_at is None and self.expires_at < utcnow()


class TermsAcceptance(db.Model):  # type: ignore[name-defined]
    """Which version of the Terms & Conditions a user accepted (Keycloak keeps only a time)."""

    __tablename__ = "terms_acceptances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), index=True)
    version: Mapped[str] = mapped_column(String(32))
    accepted_at: Mapped[datetime] = mapped_column(default=utcnow)
