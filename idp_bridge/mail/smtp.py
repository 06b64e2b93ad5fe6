"""Outgoing email over SMTP (the dev mail sink in dev, the plan's relay in production).

Only the mail deliverer (``idp_bridge.mail.deliverer``) calls this for the bridge's own
emails; everything else adds a row to the outbox with ``idp_bridge.mail.enqueue``.

A message is built with the classic ``email.mime`` classes, not ``EmailMessage``: the
modern policy parses every header it is given back into a structured object (~0.4 ms of CPU
an email, a third of a code send; issue 26) to check what the bridge wrote itself. The one
check that matters here, no line break inside a header, is made by :func:`_header`.
"""

from __future__ import annotations

import smtplib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.nonmultipart import MIMENonMultipart
from email.policy import compat32
from email.utils import format_datetime, formataddr
from functools import cache

from flask import current_app

from idp_bridge.clock import utcnow

# UTF-8 bodies, quoted-printable: readable as sent when ASCII, safe for any name or line length.
_UTF8 = Charset("utf-8")
_UTF8.body_encoding = QP
_WIRE = compat32.clone(linesep="\r\n")


@cache
def _local_hostname() -> str:
    """The name said in EHLO. smtplib asks the resolver for it (``getfqdn``, a reverse lookup)
    at every connection when not told; it does not change while the process runs."""
    return socket.getfqdn()


class MailError(RuntimeError):
    """The message could not be handed to the SMTP server."""


def _header(value: str) -> str:
    """A header value as given (RFC 2047 words when not ASCII); never one that could start a
    header of its own."""
    if "\r" in value or "\n" in value:
        raise ValueError("a header value may not contain a line break")
    return value if value.isascii() else Header(value, "utf-8").encode()


def build(to: str, subject: str, body: str, sender: str, message_id: str | None,
          written_at: datetime) -> bytes:
    message = MIMENonMultipart("text", "plain")
    message.set_payload(body, _UTF8)
    message["From"] = sender
    message["To"] = _header(to)
    message["Subject"] = _header(subject)
    message["Date"] = format_datetime(written_at.replace(tzinfo=UTC))
    if message_id:
        # The same Message-ID on every retry: a duplicate after a crash is recognisable.
        message["Message-ID"] = _header(message_id)
    return message.as_bytes(policy=_WIRE)


class Relay:
    """One SMTP connection for the emails of one request or one deliverer pass, opened at
    the first of them (a request that sends two no longer says hello twice)."""

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._smtp: smtplib.SMTP | None = None

    def send(self, to: str, subject: str, body: str, message_id: str | None = None,
             sender_name: str = "", written_at: datetime | None = None) -> None:
        """``sender_name``: the brand's portal, shown as the sender (one address for both).
        ``written_at`` (UTC): when the bridge wrote it, not when a retry got it out; mail
        clients sort by it, so of two codes the newer is on top whatever order they arrive
        in."""
        address = current_app.config["IDP_MAIL_FROM"]
        data = build(to, subject, body, formataddr((sender_name, address)), message_id,
                     written_at or utcnow())
        try:
            if self._smtp is None:
                self._smtp = smtplib.SMTP(current_app.config["IDP_SMTP_HOST"],
                                          current_app.config["IDP_SMTP_PORT"],
                                          local_hostname=_local_hostname(),
                                          timeout=self.timeout)
            self._smtp.sendmail(address, [to], data)
        except (OSError, smtplib.SMTPException) as exc:
            self.close()  # a connection that failed once is not trusted with the next email
            # Never include the body: it may carry a one-time code.
            current_app.logger.warning("mail to %s (%s) failed: %s", to, subject,
                                       type(exc).__name__)
            raise MailError("The email could not be sent. Please try again.") from exc

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                smtp.close()


@contextmanager
def relay(timeout: float = 10) -> Iterator[Relay]:
    connection = Relay(timeout)
    try:
        yield connection
    finally:
        connection.close()

