"""Suspended is a state of its own: groups taken away and sessions ended, roles kept, and one
action restores exactly the same groups. The members page lists suspended people with a
Restore button, and shows each member's last sign-in and who decided their membership."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.approvals import decisions
from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import org_path, role_path, site_admins_path
from idp_bridge.lifecycle.sign_ins import record
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.messages import message
from idp_bridge.organizations.models import Membership
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

ADMIN = Actor(id="admin-1", email="admin@clinic.test", ip="127.0.0.1", user_agent="test")


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def reread(membership: Membership) -> Membership:
    db.session.expire_all()
    found = db.session.get(Membership, membership.id)
    assert found is not None
    return found


def test_suspend_takes_groups_and_sessions_and_keeps_roles(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    add_person(fake_keycloak, org, site_admin=True)
    person = add_person(fake_keycloak, org, site_admin=True, roles=["claims", "remittance"])
    before = fake_keycloak.user_group_paths(person.user_id)

    decisions.suspend_member(person, ADMIN, reason="left the practice?")

    assert fake_keycloak.user_group_paths(person.user_id) == []
    assert person.user_id in fake_keycloak.ended_sessions
    kept = reread(person)
    assert (kept.status, kept.roles, kept.is_site_admin) == (
        "suspended", ["claims", "remittance"], True)
    assert kept.decided_by == ADMIN.email
    event = AuditEvent.query.filter_by(action="member.suspend").one()
    assert event.details["reason"] == "left the practice?"

    decisions.restore_member(kept, ADMIN)

    assert fake_keycloak.user_group_paths(person.user_id) == before == sorted([
        org_path(org.key), site_admins_path(org.key), role_path(org.key, "claims"),
        role_path(org.key, "remittance")])
    assert reread(person).status == "approved"
    assert [m.kind for m in OutboundEmail.query.filter_by(to=person.email)] == [
        "member.suspended", "member.restored"]


def test_suspend_refuses_the_last_site_administrator(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    only = add_person(fake_keycloak, org, site_admin=True)
    with pytest.raises(DecisionFailed, match=message("decision.last_admin")):
        decisions.suspend_member(only, ADMIN)
    assert reread(only).status == "approved"
    # a screening that suspends the whole organization says so
    decisions.suspend_member(reread(only), ADMIN, keep_an_admin=False)
    assert reread(only).status == "suspended"


def test_suspend_and_restore_only_from_their_state(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    add_person(fake_keycloak, org, site_admin=True)
    person = add_person(fake_keycloak, org)
    with pytest.raises(DecisionFailed):
        decisions.restore_member(person, ADMIN)  # not suspended
    decisions.suspend_member(person, ADMIN)
    with pytest.raises(DecisionFailed):
        decisions.suspend_member(reread(person), ADMIN)  # twice
    assert AuditEvent.query.filter_by(action="member.suspend").count() == 1


def test_suspend_half_done_in_keycloak_is_undone(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    add_person(fake_keycloak, org, site_admin=True)
    person = add_person(fake_keycloak, org, roles=["claims"])
    before = fake_keycloak.user_group_paths(person.user_id)
    fake_keycloak.fail("remove_from_group", nth=2, status=500)
    with pytest.raises(DecisionFailed):
        decisions.suspend_member(person, ADMIN)
    assert fake_keycloak.user_group_paths(person.user_id) == before
    assert reread(person).status == "approved"


def _as_site_admin(client: FlaskClient, admin: Membership) -> None:
    with client.session_transaction() as session:
        session["user"] = {"sub": admin.user_id, "email": admin.email, "name": "A", "roles": []}


def test_suspend_and_restore_from_the_members_page_with_last_sign_in(
        client: FlaskClient, fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, org, site_admin=True)
    person = add_person(fake_keycloak, org, roles=["claims"], first_name="Robin")
    person.decided_by, person.decided_at = "approver@clinic.test", org.created_at
    record(person.user_id, datetime(2026, 3, 4, 5, 6), "dean-portal")
    db.session.commit()
    _as_site_admin(client, admin)

    page = client.get(f"/org/{org.key}/members").get_data(as_text=True)
    assert "Last sign-in 2026-03-04 05:06 UTC" in page
    assert "Decided by approver@clinic.test" in page
    assert "Never signed in" in page  # the administrator, never recorded

    client.post(f"/org/{org.key}/members/{person.id}/suspend")
    page = client.get(f"/org/{org.key}/members").get_data(as_text=True)
    assert "Suspended (1)" in page and "Claims" in page.split("Suspended (1)")[1]
    assert fake_keycloak.user_group_paths(person.user_id) == []

    client.post(f"/org/{org.key}/members/{person.id}/restore")
    assert fake_keycloak.user_group_paths(person.user_id) == sorted(
        [org_path(org.key), role_path(org.key, "claims")])
    rows = client.get(f"/org/{org.key}/members.csv").get_data(as_text=True).splitlines()
    robin = next(r for r in rows if person.email in r)
    assert ",2026-03-04T05:06," in robin  # last sign-in
    assert f",{admin.email}," in robin  # who decided it last: the restoring administrator
