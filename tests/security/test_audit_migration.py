"""Issue 19 row 3: an earlier release's audit chain (plain SHA-256, raw TINs in
``identifier.add``) is checked, re-chained with the key and masked by the migration, and then
verifies; the re-chaining is itself on the record. SQLite here; PostgreSQL too when
TEST_DATABASE_URL names a server."""

from __future__ import annotations

import hashlib
import json
import os
from datetime import datetime

import pytest
from flask_migrate import upgrade
from sqlalchemy import text

from idp_bridge import create_app
from idp_bridge.audit import verify
from idp_bridge.audit.models import AuditEvent
from idp_bridge.devstack.databases import create_database
from idp_bridge.extensions import db

BEFORE = "h7e3d9b2c4"  # the last revision with plain SHA-256 hashes


def legacy_payload(row: dict, prev_hash: str) -> str:
    return json.dumps({**{k: row[k] for k in (
        "actor_id", "actor_email", "action", "subject_id", "subject_email",
        "organization_key", "ip", "user_agent", "outcome", "details")},
        "at": row["at"].isoformat(), "prev_hash": prev_hash}, sort_keys=True)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path) -> str:  # type: ignore[no-untyped-def]
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'legacy.sqlite3'}"
    server = os.environ.get("TEST_DATABASE_URL")
    if not server:
        pytest.skip("needs TEST_DATABASE_URL")
    return create_database(server)


def test_an_earlier_chain_is_rekeyed_masked_and_verifies(database_url, tmp_path) -> None:
    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": database_url,
                          "IDP_AUDIT_CHECKPOINT_FILE": str(tmp_path / "checkpoint"),
                          "IDP_OUTBOX_DIR": str(tmp_path / "outbox")})
    with app.app_context():
        upgrade(revision=BEFORE)
        previous = "0" * 64
        for n, (action, details) in enumerate([
                ("organization.approve", {"note": "ok"}),
                ("identifier.add", {"npi": "1588000020", "tin": "391588002"}),
                ("member.approve", {})]):
            row = {"at": datetime(2026, 11, 1, 12, n), "actor_id": "", "actor_email": "a@b.test",
                   "action": action, "subject_id": "", "subject_email": "",
                   "organization_key": "1588000012-391588001", "ip": "", "user_agent": "cli",
                   "outcome": "ok", "details": details}
            digest = hashlib.sha256(legacy_payload(row, previous).encode()).hexdigest()
            db.session.execute(text(
                "INSERT INTO audit_events (at, actor_id, actor_email, action, subject_id, "
                "subject_email, organization_key, ip, user_agent, outcome, details, prev_hash, "
                "hash) VALUES (:at, :actor_id, :actor_email, :action, :subject_id, "
                ":subject_email, :organization_key, :ip, :user_agent, :outcome, :details, "
                ":prev_hash, :hash)"), {**row, "details": json.dumps(details),
                                        "prev_hash": previous, "hash": digest})
            previous = digest
        db.session.commit()
        upgrade()
        verdict = verify()
        events = list(AuditEvent.query.order_by(AuditEvent.id))
        assert verdict.ok, verdict.message()
        assert [e.action for e in events][-1] == "audit.rekeyed"
        assert events[-1].details == {"records": 3, "earlier_chain_intact": True,
                                      "earlier_head": previous, "tins_masked": 1}
        assert events[1].details["tin"] == "*****8002"
        assert "391588002" not in json.dumps([e.details for e in events])
        db.session.remove()
