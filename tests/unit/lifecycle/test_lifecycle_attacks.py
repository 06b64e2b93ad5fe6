"""Who may re-enable, suspend, restore and review, and with what: each refusal as an attacker
would meet it (another organization's member, a plain member, a replay, a forged field)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.extensions import db
from idp_bridge.lifecycle.models import NOTICE_DISABLED, AccessReview, Login
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def _as(client: FlaskClient, m: Membership) -> None:
    with client.session_transaction() as session:
        session["user"] = {"sub": m.user_id, "email": m.email, "name": "A", "roles": []}


def _disabled(fake: FakeKeycloak, m: Membership) -> None:
    fake.set_enabled(m.user_id, False)
    now = datetime(2026, 1, 1)
    db.session.add(Login(user_id=m.user_id, created_at=now, active_since=now,
                         notice=NOTICE_DISABLED, disabled_at=now, email=m.email))
    db.session.commit()


def test_reenable_refused_for_another_organizations_member_or_a_plain_member(
        client: FlaskClient, fake_keycloak: FakeKeycloak) -> None:
    mine, theirs = new_organization(fake_keycloak), new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, mine, site_admin=True)
    colleague = add_person(fake_keycloak, mine)
    stranger = add_person(fake_keycloak, theirs)
    _disabled(fake_keycloak, stranger)
    _as(client, admin)
    # their member, through my organization's address, or through theirs
    assert client.post(f"/org/{mine.key}/members/{stranger.id}/reenable").status_code == 404
    assert client.post(f"/org/{theirs.key}/members/{stranger.id}/reenable").status_code == 403
    _as(client, colleague)  # not a Site Administrator
    assert client.post(f"/org/{mine.key}/members/{colleague.id}/reenable").status_code == 403
    assert client.post(f"/admin/logins/{stranger.user_id}/reenable").status_code == 403
    assert not fake_keycloak.get_user(stranger.user_id).enabled


def test_reenable_replayed_changes_nothing_and_sends_nothing(
        client: FlaskClient, fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, org, site_admin=True)
    member = add_person(fake_keycloak, org)
    _disabled(fake_keycloak, member)
    _as(client, admin)
    client.post(f"/org/{org.key}/members/{member.id}/reenable")
    replay = client.post(f"/org/{org.key}/members/{member.id}/reenable",
                         follow_redirects=True)
    assert "This login is not disabled." in replay.get_data(as_text=True)
    assert OutboundEmail.query.filter_by(to=member.email,
                                         kind="lifecycle.login.reenabled").count() == 1


def test_suspend_and_access_review_refused_to_a_plain_member(
        client: FlaskClient, fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    add_person(fake_keycloak, org, site_admin=True)
    member = add_person(fake_keycloak, org)
    other = add_person(fake_keycloak, org)
    db.session.add(AccessReview(organization_id=org.id, due_at=datetime(2000, 1, 1)))
    db.session.commit()
    _as(client, member)
    assert client.post(f"/org/{org.key}/members/{other.id}/suspend").status_code == 403
    assert client.get(f"/org/{org.key}/access-review").status_code == 403
    assert client.post(f"/org/{org.key}/access-review",
                       data={f"m{other.id}": "revoke"}).status_code == 403
    assert db.session.get(Membership, other.id).status == "approved"


def test_access_review_ignores_a_forged_choice_for_someone_not_listed(
        client: FlaskClient, fake_keycloak: FakeKeycloak) -> None:
    mine, theirs = new_organization(fake_keycloak), new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, mine, site_admin=True)
    stranger = add_person(fake_keycloak, theirs)
    db.session.add(AccessReview(organization_id=mine.id, due_at=datetime(2000, 1, 1)))
    db.session.commit()
    _as(client, admin)
    done = client.post(f"/org/{mine.key}/access-review",
                       data={f"m{admin.id}": "keep", f"m{stranger.id}": "revoke"})
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, stranger.id).status == "approved"


def test_reenable_by_a_plan_administrator_for_anyone(client: FlaskClient,
                                                     fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, org, site_admin=True)
    _disabled(fake_keycloak, admin)  # a Site Administrator: only the plan can help
    reviewer = fake_keycloak.create_user("reviewer@plan.test", "Pat", "Reviewer", {},
                                         required_actions=[])
    fake_keycloak.assign_realm_role(reviewer, "plan-admin")
    with client.session_transaction() as session:
        session["user"] = {"sub": reviewer, "email": "reviewer@plan.test", "name": "P",
                           "roles": ["plan-admin"]}
    page = client.get(f"/admin/organizations/{org.id}").get_data(as_text=True)
    assert "Login disabled" in page and "Re-enable" in page
    client.post(f"/admin/logins/{admin.user_id}/reenable")
    assert fake_keycloak.get_user(admin.user_id).enabled
    mail = OutboundEmail.query.filter_by(to=admin.email,
                                         kind="lifecycle.login.reenabled").one()
    assert "reviewer@plan.test" in mail.body
