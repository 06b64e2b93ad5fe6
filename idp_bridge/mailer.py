"""Outgoing email over SMTP (the dev mail sink in dev, the plan's relay in production)."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

from flask import current_app


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def send_mail(to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Subject"] = subject
    message.set_content(body)
    try:
        with smtplib.SMTP(
            current_app.config["SMTP_HOST"], current_app.config["SMTP_PORT"], timeout=10
        ) as smtp:
            smtp.send_message(message)
    except (OSError, smtplib.SMTPException) as exc:
        # Never include the body: it may carry a one-time code.
        current_app.logger.warning("mail to %s (%s) failed: %s", to, subject, type(exc).__name__)
        raise MailError("The email could not be sent. Please try again.") from exc
