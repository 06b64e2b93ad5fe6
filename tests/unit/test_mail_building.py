"""What the bridge hands its mail relay, read back as a mail client reads it: names and
subjects in any script arrive intact, a code is in the body as written, and nothing the
bridge puts in a header can start a header of its own."""

from __future__ import annotations

import email
from datetime import datetime
from email.policy import default

import pytest

from idp_bridge.mail.smtp import build

WRITTEN = datetime(2026, 12, 6, 16, 30)


def _read(data: bytes) -> email.message.EmailMessage:
    message = email.message_from_bytes(data, policy=default)
    assert isinstance(message, email.message.EmailMessage)
    return message


def test_a_mail_client_reads_back_what_was_written() -> None:
    body = ("Hello José Núñez,\n\nYour verification code is 482913. It expires in 10 minutes.\n"
            "Sign in at https://portal.test/register?step=individual&x=1\n" + "long " * 40)
    data = build("jose@clinic.test", "Votre code — Dean Health Plan", body,
                 '"Dean Health Plan Provider Portal" <no-reply@portal.test>', "<m1@portal.test>",
                 WRITTEN)
    assert all(len(line) <= 998 for line in data.split(b"\r\n"))
    message = _read(data)
    assert message["Subject"] == "Votre code — Dean Health Plan"
    assert message["To"] == "jose@clinic.test"
    assert message["Message-ID"] == "<m1@portal.test>"
    assert message["Date"].datetime.isoformat() == "2026-12-06T16:30:00+00:00"
    assert str(message["From"]) == "Dean Health Plan Provider Portal <no-reply@portal.test>"
    part = message.get_body(("plain",))
    assert part is not None
    assert part.get_content().replace("\r\n", "\n") == body  # on the wire lines end CRLF


@pytest.mark.parametrize("subject", ["Code\r\nBcc: victim@evil.test", "Code\nX-Injected: 1"])
def test_a_line_break_never_reaches_a_header(subject: str) -> None:
    with pytest.raises(ValueError):
        build("a@clinic.test", subject, "body", "no-reply@portal.test", None, WRITTEN)
