"""/readyz against the real stack: ready when everything answers, 503 naming the check
when the database, Keycloak or the mail relay fails (the suite's fault injection), ready
again once it is back. /healthz keeps answering throughout: the process is alive."""

from __future__ import annotations

import time

import pytest
import requests

from idp_bridge.mail.models import OutboundEmail
from idp_bridge.outbox.mail_sink import MailSink
from tests.support.consoles import email
from tests.support.wizard import WizardClient, person

pytestmark = pytest.mark.keycloak


def _ready(bridge: str) -> tuple[int, set[str]]:
    answer = requests.get(f"{bridge}/readyz", timeout=30)
    body = answer.json()
    return answer.status_code, {f["check"] for f in body.get("failed", [])}


def _until(bridge: str, wanted: set[str], timeout: float = 60) -> tuple[int, set[str]]:
    """Poll /readyz until the failed checks are ``wanted`` (the event, not a fixed sleep)."""
    deadline = time.monotonic() + timeout
    state = _ready(bridge)
    while state[1] != wanted and time.monotonic() < deadline:
        time.sleep(0.5)
        state = _ready(bridge)
    return state


def test_readyz_ready_when_database_keycloak_and_mail_answer(bridge) -> None:
    assert _until(bridge, set()) == (200, set())
    assert requests.get(f"{bridge}/readyz", timeout=30).json() == {"status": "ready"}


def test_readyz_keycloak_stopped_answers_503_keycloak_within_its_timeout(
        bridge, keycloak_paused) -> None:
    with keycloak_paused():
        started = time.monotonic()
        status, failed = _ready(bridge)
        took = time.monotonic() - started
        assert requests.get(f"{bridge}/healthz", timeout=5).status_code == 200
    assert (status, failed) == (503, {"keycloak"})
    assert took < 10, took  # a probe that hangs would be killed by the load balancer
    assert _until(bridge, set())[0] == 200


def test_readyz_database_unreachable_answers_503_database(bridge, database_refused) -> None:
    with database_refused():
        status, failed = _ready(bridge)
        assert requests.get(f"{bridge}/healthz", timeout=5).status_code == 200
    assert (status, failed) == (503, {"database"})
    assert _until(bridge, set())[0] == 200


def _restart(sink: MailSink) -> None:
    fresh = MailSink(str(sink.outbox.directory), sink.host, sink.port)
    sink._controller = fresh._controller  # noqa: SLF001  (the session's sink, back on its port)
    sink.start()


def test_readyz_mail_relay_down_answers_503_mail_then_ready_once_delivered(
        bridge, live_app, outbox, mail_sink, deliverer, fresh_org) -> None:
    live_app.config["IDP_READY_MAIL_BACKLOG_SECONDS"] = 2
    mail_sink.stop()
    try:
        wizard = WizardClient(bridge, outbox)
        org = fresh_org()
        wizard.account("organization", org["npi"], org["tin"])
        wizard.answer_questionnaire()
        wizard.organization()
        who = person(email("readiness-mail"))
        wizard.send_code(who)  # written to the outbox; the relay refuses it
        status, failed = _until(bridge, {"mail"})
        assert (status, failed) == (503, {"mail"})
        body = requests.get(f"{bridge}/readyz", timeout=30).json()
        assert body["failed"] == [{"check": "mail",
                                   "reason": "oldest undelivered email is older than 2 s"}]
    finally:
        _restart(mail_sink)
    try:
        assert _until(bridge, set()) == (200, set())  # the deliverer sent the backlog
        with live_app.app_context():
            assert OutboundEmail.query.filter(OutboundEmail.status != "sent").count() == 0
    finally:
        live_app.config["IDP_READY_MAIL_BACKLOG_SECONDS"] = 900
