"""Outgoing email over SMTP (the dev mail sink in dev, the plan's relay in production).

Only the mail deliverer (``idp_bridge.mail.deliverer``) calls this for the bridge's own
emails; everything else adds a row to the outbox with ``idp_bridge.mail.enqueue``.
"""

from __future__ import annotations

import smtplib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from flask import current_app

from idp_bridge.clock import utcnow


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def send_mail(to: str, subject: str, body: str, message_id: str | None = None,
              timeout: float = 10, sender_name: str = "",
              written_at: datetime | None = None) -> None:
    """``sender_name``: the brand's portal, shown as the sender (one address for both).
    ``written_at`` (UTC): when the bridge wrote it, not when a retry got it out; mail
    clients sort by it, so of two codes the newer is on top whatever order they arrive in."""
    message = EmailMessage()
    message["From"] = formataddr((sender_name, current_app.config["IDP_MAIL_FROM"]))
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime((written_at or utcnow()).replace(tzinfo=UTC))
    if message_id:
        # The same Message-ID on every retry: a duplicate after a crash is recognisable.
        message["Message-ID"] = message_id
    message.set_content(body)
    try:
        with smtplib.SMTP(
            current_app.config["IDP_SMTP_HOST"], current_app.config["IDP_SMTP_PORT"],
            timeout=timeout
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # Never include the body: it may carry a one-time code.
        current_app.logger.warning("mail to %s (%s) failed: %s", to, subject, type(exc).__name__)
        raise MailError("The email could not be sent. Please try again.") from exc
