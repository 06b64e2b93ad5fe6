"""Dev mail sink: an SMTP server on loopback that files every message in the outbox.

Run on its own with ``python -m idp_bridge.outbox.mail_sink --port 2525 --dir var/outbox``.
"""

from __future__ import annotations

import argparse
import email
import email.policy
import threading
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller

from idp_bridge.outbox import Outbox


def _text_body(message: EmailMessage) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return part.get_content() if part is not None else ""


class _OutboxHandler:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        body = _text_body(message)
        for rcpt in envelope.rcpt_tos:
            self.outbox.write("email", rcpt, body, subject=str(message.get("Subject", "")),
                              sender=str(message.get("From", "")))
        return "250 Message accepted for delivery"


class MailSink:
    """A running SMTP server; ``stop()`` ends it."""

    def __init__(self, outbox_dir: str, host: str = "127.0.0.1", port: int = 2525) -> None:
        self.outbox = Outbox(outbox_dir)
        self._controller = Controller(_OutboxHandler(self.outbox), hostname=host, port=port)
        self.host, self.port = host, port

    def start(self) -> MailSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=2525)
    parser.add_argument("--dir", required=True, help="outbox directory")
    args = parser.parse_args()
    sink = MailSink(args.dir, args.host, args.port).start()
    print(f"mail sink listening on {args.host}:{args.port}, filing into {args.dir}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
