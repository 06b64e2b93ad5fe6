"""The request id: the proxy's X-Request-ID kept when well-formed, replaced when not (no
header or log injection, bounded size), answered, and written into audit events."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from idp_bridge import audit
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.operations import request_id

SAFE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")


def test_request_id_from_the_proxy_is_kept_and_answered(client) -> None:
    answer = client.get("/healthz", headers={"X-Request-ID": "3f2a9c0e5b7d4e61a8c9d0e1f2a3b4c5"})
    assert answer.headers["X-Request-ID"] == "3f2a9c0e5b7d4e61a8c9d0e1f2a3b4c5"


def test_request_id_made_when_the_proxy_sends_none(client) -> None:
    first = client.get("/healthz").headers["X-Request-ID"]
    second = client.get("/healthz").headers["X-Request-ID"]
    assert SAFE.fullmatch(first) and first != second


def test_request_id_oversized_or_injected_is_replaced(client) -> None:
    for bad in ("a" * 65, "abc;X-Admin: yes", "abc\tdef", "id with spaces", "<script>", "-leading",
                "ünïcode", ""):
        answered = client.get("/healthz", headers={"X-Request-ID": bad}).headers["X-Request-ID"]
        assert answered != bad and SAFE.fullmatch(answered), bad


@settings(max_examples=200)
@given(st.text(max_size=200))
def test_request_id_accepts_only_bounded_safe_values(incoming: str) -> None:
    kept = request_id.accepted(incoming)
    assert SAFE.fullmatch(kept) and len(kept) <= 64
    assert kept == incoming or not SAFE.fullmatch(incoming)


def test_request_id_written_into_audit_events(app) -> None:
    with app.test_request_context("/", headers={"X-Request-ID": "proxy-id-42"}):
        app.preprocess_request()
        audit.record("test.event")
        db.session.commit()
        event = db.session.query(AuditEvent).one()
        assert event.request_id == "proxy-id-42"
    with app.app_context():  # outside a request (the CLI): no id, the chain still verifies
        audit.record("test.event")
        db.session.commit()
        assert db.session.query(AuditEvent).order_by(AuditEvent.id.desc()).first() \
            .request_id == ""
        assert audit.service.verify_chain() == (True, None)
