"""A Site Administrator's approval as one request (issue 26): the click does not wait on the
mail relay (the decision's email is the deliverer's to send) and does a fixed, small amount of
database work, whatever the organization's size. The same approval through the real Keycloak
and the live deliverer: tests/approvals/test_approvals.py."""

from __future__ import annotations

from typing import Any

from flask import Flask
from sqlalchemy import event

from idp_bridge.extensions import db
from idp_bridge.mail.deliverer import deliver_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization


def _organization_with_people_waiting(app: Flask, fake: FakeKeycloak,
                                      waiting: int) -> tuple[Any, str, list[int]]:
    with app.app_context():
        organization = new_organization(fake)
        admin = add_person(fake, organization, site_admin=True)
        people = [add_person(fake, organization, status="pending") for _ in range(waiting)]
        client = app.test_client()
        with client.session_transaction() as session:
            session["user"] = {"sub": admin.user_id, "name": "Alex Admin", "email": admin.email,
                               "groups": [], "roles": []}
        return client, organization.key, [p.id for p in people]


def test_an_approval_leaves_its_email_to_the_deliverer(app: Flask,
                                                       fake_keycloak: FakeKeycloak) -> None:
    client, key, [waiting] = _organization_with_people_waiting(app, fake_keycloak, 1)

    done = client.post(f"/org/{key}/members/{waiting}/approve")

    assert done.status_code == 302
    with app.app_context():
        mail = OutboundEmail.query.filter_by(kind="member.approved").one()
        # Committed with the decision, never tried by the request (the unit app's relay
        # refuses at once: a try would have counted an attempt and an error).
        assert (mail.status, mail.attempts, mail.last_error) == ("pending", 0, "")
        assert db.session.get(Membership, waiting).status == "approved"
        # The deliverer's pass is what tries it (and retries it while the relay is away).
        assert deliver_due() == (0, 1)
        db.session.expire_all()
        assert mail.attempts == 1 and mail.status == "pending"


def test_an_approval_commits_twice_and_runs_a_fixed_number_of_statements(
        app: Flask, fake_keycloak: FakeKeycloak) -> None:
    client, key, waiting = _organization_with_people_waiting(app, fake_keycloak, 3)
    client.post(f"/org/{key}/members/{waiting[0]}/approve")  # warm: first-use reads
    counts = {"statements": 0, "commits": 0}

    def statement(*_: Any) -> None:
        counts["statements"] += 1

    def commit(*_: Any) -> None:
        counts["commits"] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", statement)
    event.listen(engine, "commit", commit)
    try:
        assert client.post(f"/org/{key}/members/{waiting[1]}/approve").status_code == 302
    finally:
        event.remove(engine, "before_cursor_execute", statement)
        event.remove(engine, "commit", commit)
    # One transaction, the decision's (lock and re-read, the membership, the audit chain, the
    # email's row); the session's flash message is one statement committing by itself; no
    # mail claim, send or mark-sent.
    assert counts["commits"] == 1
    assert counts["statements"] <= 12, counts
