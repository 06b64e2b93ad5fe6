"""The outbox and its deliverer against a real SMTP server (the dev mail sink), no Keycloak:
a row goes out once, a failed send is retried with backoff and the same Message-ID, and two
deliverers never send the same row twice."""

from __future__ import annotations

import email
import email.policy
import threading
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from idp_bridge.clock import utcnow
from idp_bridge.devstack.keycloak_server import free_port
from idp_bridge.extensions import db
from idp_bridge.mail import enqueue, take_queued_ids
from idp_bridge.mail.deliverer import backoff, claim, deliver_due, deliver_one
from idp_bridge.mail.models import OutboundEmail


class Recorder:
    """An SMTP server that remembers each message's Message-ID and recipient (and Date)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, str]] = []
        self.dates: list[datetime] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.received.append((str(message["Message-ID"]), envelope.rcpt_tos[0]))
        self.dates.append(parsedate_to_datetime(str(message["Date"])))
        return "250 OK"


@pytest.fixture
def smtp(app):  # type: ignore[no-untyped-def]
    port = free_port()
    app.config.update(IDP_SMTP_HOST="127.0.0.1", IDP_SMTP_PORT=port)
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    yield recorder, controller
    if controller._thread is not None:  # noqa: SLF001
        controller.stop()


def _queue(app, n: int = 1) -> list[int]:  # type: ignore[no-untyped-def]
    with app.app_context():
        ids = [enqueue("test", f"person{i}@clinic.test", "Hello", "Body").id for i in range(n)]
        db.session.commit()
        take_queued_ids()
        return ids


def test_a_rolled_back_decision_sends_nothing(app, smtp):
    recorder, controller = smtp
    controller.start()
    with app.app_context():
        enqueue("test", "nobody@clinic.test", "Never", "Body")
        db.session.rollback()
        assert deliver_due() == (0, 0)
    assert recorder.received == []


def test_mail_server_down_then_back_sends_once_with_the_same_message_id(app, smtp):
    recorder, controller = smtp
    [message_id] = _queue(app)
    with app.app_context():
        assert deliver_one(message_id, timeout=2) is False  # nothing listens yet
        row = db.session.get(OutboundEmail, message_id)
        assert row.status == "pending" and row.attempts == 1 and row.last_error
        assert row.next_attempt_at > utcnow()  # backed off
        assert deliver_due() == (0, 0)  # not due yet
        row.next_attempt_at = utcnow()
        written = row.created_at = utcnow() - timedelta(hours=1)  # the server was away long
        db.session.commit()
        controller.start()
        assert deliver_due() == (1, 0)
        assert deliver_due() == (0, 0)  # sent rows are never sent again
        db.session.remove()
        row = db.session.get(OutboundEmail, message_id)
        assert row.status == "sent" and row.attempts == 2
        assert recorder.received == [(row.message_id, "person0@clinic.test")]
        # Dated when it was written, not when the retry got it out: a mail client sorts an
        # email code sent later above this one, whatever order they arrive in.
        [dated] = recorder.dates
        assert abs(dated - written.replace(tzinfo=UTC)) < timedelta(seconds=1)


def test_backoff_grows_and_is_capped(app):
    with app.app_context():
        waits = [backoff(n) for n in range(1, 10)]
    assert waits[:4] == [timedelta(seconds=s) for s in (5, 10, 20, 40)]
    assert max(waits) == timedelta(seconds=300)


def test_a_claimed_row_cannot_be_claimed_again(app):
    [message_id] = _queue(app)
    with app.app_context():
        assert claim(message_id, utcnow()) is not None
        assert claim(message_id, utcnow()) is None
        # A deliverer that died holding it: the claim expires and another takes over.
        assert claim(message_id, utcnow() + timedelta(minutes=2)) is not None


def test_four_deliverers_at_once_send_each_row_exactly_once(app, smtp, tmp_path: Path):
    recorder, controller = smtp
    controller.start()
    ids = _queue(app, 40)
    barrier = threading.Barrier(4)

    def deliverer() -> None:
        with app.app_context():
            barrier.wait()
            deliver_due(limit=100)

    threads = [threading.Thread(target=deliverer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    message_ids = [m for m, _ in recorder.received]
    assert len(message_ids) == len(ids) == len(set(message_ids))


def test_deliver_once_and_status_commands(app, smtp):
    recorder, controller = smtp
    _queue(app, 2)
    runner = app.test_cli_runner()
    down = runner.invoke(args=["mail", "deliver", "--once"])
    assert down.exit_code == 0 and "0 sent, 2 to retry" in down.output
    status = runner.invoke(args=["mail", "status"])
    assert "pending: 2" in status.output and "ConnectionRefusedError" in status.output
    controller.start()
    with app.app_context():
        db.session.execute(OutboundEmail.__table__.update().values(next_attempt_at=utcnow()))
        db.session.commit()
    up = runner.invoke(args=["mail", "deliver", "--once"])
    assert "2 sent, 0 to retry" in up.output and len(recorder.received) == 2
    assert "sent: 2" in runner.invoke(args=["mail", "status"]).output
