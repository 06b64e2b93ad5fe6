"""Invitations with the fake Keycloak: roles preset, a link that works once for 7 days (at
most 30), resend kills the old link, revoke, the daily cap, an existing login accepts by
signing in, a new person is put at Individual Enrollment with the NPI/TIN and the verified
email filled in, the members page lists pending and expired ones."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient

from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.config import load_settings
from idp_bridge.extensions import db
from idp_bridge.invitations import service
from idp_bridge.invitations.models import Invitation
from idp_bridge.keycloak.groups import org_path, role_path
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration import context
from idp_bridge.registration.drafts import DRAFT_KEY
from idp_bridge.registration.models import RegistrationDraft
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


@pytest.fixture
def clinic(fake_keycloak: FakeKeycloak) -> tuple[Organization, Membership]:
    org = new_organization(fake_keycloak)
    admin = add_person(fake_keycloak, org, site_admin=True, first_name="Ada")
    return org, admin


def actor_of(m: Membership) -> Actor:
    return Actor(id=m.user_id, email=m.email, ip="127.0.0.1", user_agent="test")


def _as(client: FlaskClient, user_id: str, email: str, name: str = "Robin Earlier") -> None:
    with client.session_transaction() as session:
        session["user"] = {"sub": user_id, "email": email, "name": name, "roles": []}


def token_in_mail(to: str) -> str:
    mail = OutboundEmail.query.filter_by(to=to, kind="invitation") \
        .order_by(OutboundEmail.id.desc()).first()
    assert mail is not None
    return re.search(r"/invitations/([A-Za-z0-9_-]+)", mail.body).group(1)


def test_invitation_link_lasts_the_setting_at_most_30_days() -> None:
    assert load_settings({"IDP_DEV_MODE": "1"})["IDP_INVITATION_DAYS"] == 7
    assert load_settings({"IDP_DEV_MODE": "1", "IDP_INVITATION_DAYS": "90"})[
        "IDP_INVITATION_DAYS"] == 30


def test_invitation_sent_with_roles_by_mail_and_audited(client: FlaskClient, clinic) -> None:
    org, admin = clinic
    _as(client, admin.user_id, admin.email)
    answer = client.post(f"/org/{org.key}/invitations",
                         data={"email": "New.Colleague@Clinic.test",
                               "roles": ["claims", "remittance"]})
    assert answer.status_code == 302
    invitation = Invitation.query.one()
    assert (invitation.email, invitation.roles) == ("new.colleague@clinic.test",
                                                    ["claims", "remittance"])
    assert invitation.expires_at - invitation.created_at == timedelta(days=7)
    token = token_in_mail("new.colleague@clinic.test")
    assert invitation.token_hash != token and len(token) >= 43  # only its hash is kept
    assert AuditEvent.query.filter_by(action="invitation.send").count() == 1
    page = client.get(f"/org/{org.key}/members").get_data(as_text=True)
    assert "new.colleague@clinic.test" in page and "Pending until" in page


def test_invitation_refusals_keep_what_was_typed(client: FlaskClient, clinic,
                                                  fake_keycloak: FakeKeycloak) -> None:
    org, admin = clinic
    _as(client, admin.user_id, admin.email)
    bad = client.post(f"/org/{org.key}/invitations",
                      data={"email": "not an email", "roles": ["claims"]})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a valid email address" in text
    assert 'value="not an email"' in text and 'value="claims" checked' in text
    member = add_person(fake_keycloak, org)
    taken = client.post(f"/org/{org.key}/invitations", data={"email": member.email})
    assert "already a member" in taken.get_data(as_text=True)
    assert Invitation.query.count() == 0


def test_invitation_cap_per_site_administrator_per_day(app: Flask, clinic) -> None:
    org, admin = clinic
    app.config["IDP_INVITATIONS_PER_ADMIN_PER_DAY"] = 2
    service.invite(org, "a@clinic.test", [], actor_of(admin))
    service.resend(Invitation.query.one(), actor_of(admin))  # a resend counts
    with pytest.raises(service.InvitationRefused, match="invitation.cap"):
        service.invite(org, "b@clinic.test", [], actor_of(admin))


def test_invitation_resend_kills_the_old_link_and_revoke_kills_the_new(
        client: FlaskClient, clinic) -> None:
    org, admin = clinic
    first = service.invite(org, "x@clinic.test", ["claims"], actor_of(admin))
    second = service.resend(Invitation.query.one(), actor_of(admin))
    assert client.get(f"/invitations/{first}").status_code == 410
    assert client.get(f"/invitations/{second}").status_code == 200
    service.revoke(Invitation.query.one(), actor_of(admin))
    closed = client.get(f"/invitations/{second}")
    assert closed.status_code == 410 and "no longer works" in closed.get_data(as_text=True)
    assert client.get("/invitations/" + "A" * 500).status_code == 410  # bounded


def test_invitation_expires_after_its_days_and_is_listed_as_expired(
        client: FlaskClient, clinic) -> None:
    org, admin = clinic
    token = service.invite(org, "late@clinic.test", [], actor_of(admin))
    invitation = Invitation.query.one()
    invitation.expires_at = datetime(2026, 1, 8)
    invitation.created_at = datetime(2026, 1, 1)
    db.session.commit()
    outcome = run_due(datetime(2026, 1, 7, 23), force=True, only="invitations.expire")
    assert outcome[0].result == "0 invitation(s) expired"
    outcome = run_due(datetime(2026, 1, 8), force=True, only="invitations.expire")
    assert outcome[0].result == "1 invitation(s) expired"
    assert client.get(f"/invitations/{token}").status_code == 410
    _as(client, admin.user_id, admin.email)
    page = client.get(f"/org/{org.key}/members").get_data(as_text=True)
    assert "late@clinic.test" in page and "Expired 2026-01-08" in page
    assert AuditEvent.query.filter_by(action="invitation.expire").count() == 1


def test_invitation_accepted_by_an_existing_login_once(client: FlaskClient, clinic,
                                                       fake_keycloak: FakeKeycloak) -> None:
    org, admin = clinic
    other_org = new_organization(fake_keycloak)
    existing = add_person(fake_keycloak, other_org, first_name="Robin")
    token = service.invite(org, existing.email, ["claims"], actor_of(admin))
    signed_out = client.post(f"/invitations/{token}/accept")
    assert signed_out.status_code == 302 and "/login" in signed_out.headers["Location"]
    _as(client, existing.user_id, existing.email)
    assert "Accept the invitation" in client.get(f"/invitations/{token}").get_data(
        as_text=True)
    assert client.post(f"/invitations/{token}/accept").status_code == 302
    joined = Membership.query.filter_by(organization_id=org.id,
                                        user_id=existing.user_id).one()
    assert (joined.status, joined.roles, joined.decided_by) == (
        "approved", ["claims"], admin.email)
    assert set(fake_keycloak.user_group_paths(existing.user_id)) >= {
        org_path(org.key), role_path(org.key, "claims"), org_path(other_org.key)}
    assert client.post(f"/invitations/{token}/accept").status_code == 410  # once


def test_invitation_refused_to_a_login_with_another_email(client: FlaskClient, clinic,
                                                          fake_keycloak: FakeKeycloak) -> None:
    org, admin = clinic
    token = service.invite(org, "invited@clinic.test", ["claims"], actor_of(admin))
    stranger = fake_keycloak.create_user("stranger@clinic.test", "Sam", "Stranger", {},
                                         required_actions=[])
    _as(client, stranger, "stranger@clinic.test")
    refused = client.post(f"/invitations/{token}/accept")
    assert refused.status_code == 403
    assert "sent to another email address" in refused.get_data(as_text=True)
    assert Membership.query.filter_by(user_id=stranger).count() == 0
    assert Invitation.query.one().status == "pending"  # still the invitee's


def test_invitation_new_person_starts_at_individual_enrollment_prefilled(
        client: FlaskClient, clinic) -> None:
    org, admin = clinic
    token = service.invite(org, "fresh@clinic.test", ["eligibility"], actor_of(admin))
    answer = client.post(f"/invitations/{token}/register")
    assert answer.headers["Location"].endswith("/register/individual")
    page = client.get("/register/individual").get_data(as_text=True)
    primary = org.identifiers[0]
    assert primary.npi in page and 'value="fresh@clinic.test"' in page
    assert 'id="email-validated"' in page  # verified by the link: no code to type
    with client.session_transaction() as session:
        draft = db.session.get(RegistrationDraft, session[DRAFT_KEY])
    ctx = context.load(draft)
    assert (ctx.organization_id, ctx.invitation_id, ctx.tin) == (
        org.id, Invitation.query.one().id, primary.tin)


def test_invitation_refused_to_a_plain_member_and_for_an_unknown_role(
        client: FlaskClient, clinic, fake_keycloak: FakeKeycloak) -> None:
    org, admin = clinic
    member = add_person(fake_keycloak, org)
    _as(client, member.user_id, member.email)
    assert client.post(f"/org/{org.key}/invitations",
                       data={"email": "x@clinic.test"}).status_code == 403
    _as(client, admin.user_id, admin.email)
    forged = client.post(f"/org/{org.key}/invitations",
                         data={"email": "x@clinic.test", "roles": ["superuser"]})
    assert forged.status_code == 422 and "Choose roles from the list." in forged.get_data(
        as_text=True)
    other = new_organization(fake_keycloak)
    service.invite(org, "y@clinic.test", [], actor_of(admin))
    theirs = Invitation.query.one()
    # an invitation of this organization, through another organization's address
    assert client.post(f"/org/{other.key}/invitations/{theirs.id}/revoke").status_code == 403
    assert Invitation.query.one().status == "pending"
