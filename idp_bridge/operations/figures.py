"""Figures read from the bridge's database: shared by the metrics scrape and the readiness
probe (the mail backlog), so both say the same thing."""

from __future__ import annotations

from sqlalchemy import func, select

from idp_bridge.auth.sessions import WebSession
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.registration.models import RegistrationDraft


def oldest_undelivered_age() -> float:
    """Seconds since the oldest email not yet delivered was written (0: none waiting)."""
    oldest = db.session.scalar(select(func.min(OutboundEmail.created_at))
                               .where(OutboundEmail.status != "sent"))
    return max(0.0, (utcnow() - oldest).total_seconds()) if oldest else 0.0


def database_figures() -> dict[str, tuple[str, float]]:
    now = utcnow()
    waiting = db.session.scalar(select(func.count()).select_from(OutboundEmail)
                                .where(OutboundEmail.status != "sent")) or 0
    sessions = db.session.scalar(select(func.count()).select_from(WebSession)
                                 .where(WebSession.expires_at > now,
                                        WebSession.subject.is_not(None))) or 0
    drafts = db.session.scalar(select(func.count()).select_from(RegistrationDraft)
                               .where(RegistrationDraft.completed_at.is_(None),
                                      RegistrationDraft.expires_at > now)) or 0
    figures = {
        "mail_outbox_depth": ("Emails written but not yet delivered.", float(waiting)),
        "mail_outbox_oldest_age_seconds": ("Age of the oldest email not yet delivered "
                                           "(0: none).", oldest_undelivered_age()),
        "active_sessions": ("Signed-in browser sessions not yet expired.", float(sessions)),
        "registrations_in_progress": ("Registrations started, not finished, not expired.",
                                      float(drafts)),
    }
    db.session.rollback()  # a scrape holds no transaction open
    return figures
