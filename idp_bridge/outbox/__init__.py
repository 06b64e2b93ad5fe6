"""The dev outbox: every email, text and call script the system sends in dev mode.

One JSON file per message in a directory, written atomically, so that the mail sink (Python),
the Keycloak plugin's dev phone sender (Java), the ``/dev/outbox`` page and the tests all
share it without a server. File name: ``<epoch_millis>-<channel>-<uuid>.json``.
"""

from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

CODE_PATTERN = re.compile(r"\b(\d{6})\b")


@dataclass(frozen=True)
class Message:
    channel: str  # "email" | "sms" | "voice"
    to: str
    subject: str | None
    body: str
    sent_at: str
    sent_code: str | None = None  # "code" in the file: the phone plugin writes it on its own
    sender: str = ""  # an email's From, e.g. "WellFirst Health Provider Portal" <no-reply@…>

    @property
    def code(self) -> str | None:
        """The six-digit code in the message, if it carries one."""
        if self.sent_code:
            return self.sent_code
        match = CODE_PATTERN.search(self.body)
        return match.group(1) if match else None


class Outbox:
    def __init__(self, directory: str | os.PathLike[str]) -> None:
        self.directory = Path(directory)

    def write(self, channel: str, to: str, body: str, subject: str | None = None,
              sender: str = "") -> Message:
        self.directory.mkdir(parents=True, exist_ok=True)
        message = Message(channel, to, subject, body, datetime.now(UTC).isoformat(),
                          sender=sender)
        name = f"{time.time_ns() // 1_000_000}-{channel}-{uuid.uuid4().hex}"
        tmp = self.directory / f"{name}.tmp"
        tmp.write_text(json.dumps(asdict(message)), encoding="utf-8")
        tmp.replace(self.directory / f"{name}.json")
        return message

    def messages(self, to: str | None = None, channel: str | None = None) -> list[Message]:
        """Messages oldest first, optionally only those to one address/number or channel."""
        if not self.directory.is_dir():
            return []
        found = []
        for path in sorted(self.directory.glob("*.json"), key=_sort_key):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                continue  # a file being replaced right now; the next read sees it
            message = Message(
                channel=data.get("channel", ""),
                to=data.get("to", ""),
                subject=data.get("subject"),
                body=data.get("body", ""),
                sent_at=data.get("sent_at", ""),
                sent_code=data.get("code"),
                sender=data.get("sender", ""),
            )
            if to is not None and message.to.lower() != to.lower():
                continue
            if channel is not None and message.channel != channel:
                continue
            found.append(message)
        return found

    def latest(self, to: str, channel: str | None = None, timeout: float = 10.0,
               after: int = 0) -> Message:
        """The newest message to ``to``, waiting up to ``timeout`` seconds for one.

        ``after`` is a count of messages already seen: wait for a newer one than those.
        """
        deadline = time.monotonic() + timeout
        while True:
            found = self.messages(to=to, channel=channel)
            if len(found) > after:
                return found[-1]
            if time.monotonic() >= deadline:
                raise LookupError(f"no {channel or ''} message to {to} within {timeout}s")
            time.sleep(0.1)

    def count(self, to: str, channel: str | None = None) -> int:
        return len(self.messages(to=to, channel=channel))


def _sort_key(path: Path) -> tuple[int, str]:
    stamp = path.name.split("-", 1)[0]
    return (int(stamp) if stamp.isdigit() else 0, path.name)
