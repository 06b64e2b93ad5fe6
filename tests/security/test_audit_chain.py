"""Issue 19, row 3: the audit chain cannot be cut or rewritten unnoticed, and what leaves the
portal (personal data, the audit itself), mail retries and reconcile runs are on it.

The tampering is what someone holding the database's credentials can do: delete the newest
rows and set the head row to match; rewrite a row in the middle and recompute every later
hash with the algorithm the code shows. They have neither IDP_AUDIT_KEY nor the checkpoint
file; ``flask audit verify`` must report both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import delete, update

from idp_bridge import audit
from idp_bridge.audit import checkpoint
from idp_bridge.audit.models import HEAD_ID, AuditEvent, AuditHead
from idp_bridge.extensions import db


@pytest.fixture
def chain(app: Flask) -> Iterator[Flask]:
    with app.app_context():
        for n in range(6):
            audit.record("member.approve", organization_key=f"org-{n}", note=f"event {n}")
            db.session.commit()
        yield app
        db.session.remove()


def verify_command(app: Flask) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    return result.exit_code, result.output


def events() -> list[AuditEvent]:
    return list(AuditEvent.query.order_by(AuditEvent.id))


def set_head_to(event: AuditEvent, count: int) -> None:
    db.session.execute(update(AuditHead).where(AuditHead.id == HEAD_ID).values(
        count=count, event_id=event.id, hash=event.hash))


def test_an_untouched_chain_verifies(chain: Flask) -> None:
    assert verify_command(chain) == (0, "audit chain intact (6 records)\n")
    assert checkpoint.read(chain) == checkpoint.Checkpoint(6, events()[-1].id,
                                                           events()[-1].hash)


def test_deleting_the_newest_events_is_reported(chain: Flask) -> None:
    kept = events()[:4]
    db.session.execute(delete(AuditEvent).where(AuditEvent.id > kept[-1].id))
    set_head_to(kept[-1], 4)  # the head row made to match: the database alone looks fine
    db.session.commit()
    code, output = verify_command(chain)
    assert code != 0 and "only 4 are left (the newest were deleted" in output


def test_a_rewritten_middle_with_recomputed_hashes_is_reported(chain: Flask) -> None:
    rows = events()
    previous = rows[1].hash
    for event in rows[2:]:  # rewrite the third event, recompute everything after it
        if event is rows[2]:
            event.details = {"note": "nothing happened here"}
        event.prev_hash = previous
        event.hash = hashlib.sha256(event.payload().encode()).hexdigest()
        previous = event.hash
    set_head_to(rows[-1], 6)
    db.session.commit()
    code, output = verify_command(chain)
    assert code != 0 and f"broken at record {rows[2].id}" in output


def test_a_rewrite_with_the_wrong_key_is_reported_too(chain: Flask) -> None:
    rows = events()
    previous = rows[0].hash
    for event in rows[1:]:
        event.prev_hash = previous
        event.hash = event.compute_hash(b"a guessed key")
        previous = event.hash
    db.session.commit()
    assert verify_command(chain)[0] != 0


def test_a_hand_edited_checkpoint_is_reported(chain: Flask) -> None:
    path = checkpoint.path_for(chain)
    path.write_text(path.read_text().replace('"count": 6', '"count": 2'))
    code, output = verify_command(chain)
    assert code != 0 and "unreadable" in output


def test_every_append_moves_the_head_and_the_checkpoint_together(chain: Flask) -> None:
    head = db.session.get(AuditHead, HEAD_ID)
    assert head is not None and head.count == 6
    [first_prev] = {e.prev_hash for e in events()[:1]}
    assert first_prev == "0" * 64
    # No two events share a predecessor: the chain has no fork.
    assert len({e.prev_hash for e in events()}) == 6


# Through the running bridge and the real Keycloak ------------------------------------------


def actions_since(live_app: Flask, after: int) -> list[tuple[str, str, str]]:
    with live_app.app_context():
        return [(e.action, e.actor_email, e.organization_key) for e in AuditEvent.query.filter(
            AuditEvent.id > after).order_by(AuditEvent.id)]


def last_id(live_app: Flask) -> int:
    with live_app.app_context():
        return int(db.session.query(db.func.max(AuditEvent.id)).scalar() or 0)


@pytest.mark.keycloak
def test_exports_retries_and_reconcile_runs_are_audited(make_org, bridge, live_app,
                                                        plan_admin):
    from tests.support.consoles import csrf_of, post_form
    from tests.support.consoles import signed_in as signed_in_as
    from tests.support.people import signed_in

    org = make_org(admins=1)
    site_admin = signed_in(bridge, org.people[0])
    reviewer = signed_in_as(bridge, plan_admin["email"])
    before = last_id(live_app)
    assert site_admin.get(f"{bridge}/org/{org.key}/members.csv", timeout=30).status_code == 200
    assert reviewer.get(f"{bridge}/admin/members.csv", timeout=30).status_code == 200
    assert reviewer.get(f"{bridge}/admin/audit?format=csv", timeout=30).status_code == 200
    post_form(reviewer, bridge, "/admin/mail", "/admin/mail/retry")
    for _ in range(2):  # the second run finds nothing to repair, and is on the record too
        token = csrf_of(reviewer.get(f"{bridge}/admin/organizations", timeout=30).text)
        # Reconcile reads every organization's groups: minutes on a loaded machine.
        reviewer.post(f"{bridge}/admin/reconcile", data={"csrf_token": token}, timeout=600)
    assert actions_since(live_app, before) == [
        ("members.export", org.people[0].email, org.key),
        ("members.export", plan_admin["email"], ""),
        ("audit.export", plan_admin["email"], ""),
        ("mail.retry", plan_admin["email"], ""),
        ("reconcile", plan_admin["email"], ""),
        ("reconcile", plan_admin["email"], "")]
    with live_app.app_context():
        assert audit.verify().ok
