"""The yearly access review on a frozen clock, with the fake Keycloak: reminders at R-30 and
R-7 to the Site Administrators, once; unreviewed members (never the Site Administrators)
suspended after the grace period; the review as the Site Administrator's next page once
due; keep and revoke each, at least one Site Administrator kept; the suspended kept are
restored with their roles; plan administrators see overdue organizations."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask, g
from flask.testing import FlaskClient

from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import org_path, role_path
from idp_bridge.lifecycle.models import (
    REVIEW_FIRST_REMINDER,
    REVIEW_NONE,
    REVIEW_OVERDUE,
    REVIEW_SECOND_REMINDER,
    AccessReview,
)
from idp_bridge.lifecycle.rules import ReviewPolicy, review_notice_due
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership, Organization
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

POLICY = ReviewPolicy(every=365, first_reminder=30, second_reminder=7, grace=30)
DUE = datetime(2027, 3, 1, 9, 0)
APPROVED = datetime(2026, 3, 1, 9, 0)  # 365 days before DUE


@pytest.mark.parametrize(("notice", "on", "expected"), [
    (REVIEW_NONE, DUE - timedelta(days=30, seconds=1), None),
    (REVIEW_NONE, DUE - timedelta(days=30), REVIEW_FIRST_REMINDER),
    (REVIEW_FIRST_REMINDER, DUE - timedelta(days=7, seconds=1), None),
    (REVIEW_FIRST_REMINDER, DUE - timedelta(days=7), REVIEW_SECOND_REMINDER),
    (REVIEW_SECOND_REMINDER, DUE + timedelta(days=30, seconds=-1), None),
    (REVIEW_SECOND_REMINDER, DUE + timedelta(days=30), REVIEW_OVERDUE),
    (REVIEW_OVERDUE, DUE + timedelta(days=400), None),
])
def test_access_review_notices_on_their_boundary_days(notice: int, on: datetime,
                                                      expected: int | None) -> None:
    assert review_notice_due(DUE, notice, POLICY, on) == expected


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


@pytest.fixture
def clinic(fake_keycloak: FakeKeycloak) -> dict[str, Membership | Organization]:
    org = new_organization(fake_keycloak)
    org.reviewed_at = APPROVED
    admin = add_person(fake_keycloak, org, site_admin=True, first_name="Ada")
    staff = add_person(fake_keycloak, org, roles=["claims", "remittance"], first_name="Mel")
    other = add_person(fake_keycloak, org, roles=["eligibility"], first_name="Lee")
    db.session.commit()
    return {"org": org, "admin": admin, "staff": staff, "other": other}


def run_on(when: datetime) -> str:
    return {o.step: o.result for o in run_due(when, force=True, only="access-reviews")}[
        "access-reviews"]


def reminders(to: str) -> int:
    return OutboundEmail.query.filter_by(to=to, kind="lifecycle.access_review.reminder").count()


def reread(m: Membership) -> Membership:
    db.session.expire_all()
    found = db.session.get(Membership, m.id)
    assert found is not None
    return found


def test_access_review_reminds_site_administrators_once_then_suspends_the_unreviewed(
        clinic: dict, fake_keycloak: FakeKeycloak) -> None:
    admin, staff = clinic["admin"], clinic["staff"]
    run_on(DUE - timedelta(days=31))  # adopted: due a year after the approval
    assert db.session.get(AccessReview, clinic["org"].id).due_at == DUE
    assert reminders(admin.email) == 0
    run_on(DUE - timedelta(days=30))
    run_on(DUE - timedelta(days=29))  # again: nothing sent twice
    assert reminders(admin.email) == 1 and reminders(staff.email) == 0
    run_on(DUE - timedelta(days=7))
    assert reminders(admin.email) == 2
    assert "0 suspended" in run_on(DUE + timedelta(days=29))
    assert "2 suspended" in run_on(DUE + timedelta(days=30))
    assert reread(staff).status == "suspended" and reread(staff).roles == [
        "claims", "remittance"]
    assert fake_keycloak.user_group_paths(staff.user_id) == []
    assert reread(admin).status == "approved"  # the one who can still do the review
    assert "0 suspended" in run_on(DUE + timedelta(days=31))
    suspends = AuditEvent.query.filter_by(action="member.suspend").all()
    assert len(suspends) == 2 and all(e.details["reason"] == "access review overdue"
                                      for e in suspends)


def test_access_review_of_a_long_idle_organization_still_gets_its_reminders(
        clinic: dict) -> None:
    # First run years after the approval: due no sooner than the first reminder's notice.
    now = APPROVED + timedelta(days=2000)
    run_on(now)
    assert db.session.get(AccessReview, clinic["org"].id).due_at == now + timedelta(days=30)


def _as(client: FlaskClient, m: Membership) -> None:
    with client.session_transaction() as session:
        session["user"] = {"sub": m.user_id, "email": m.email, "name": "A", "roles": []}


def test_access_review_is_the_site_administrators_next_page_once_due(
        app: Flask, client: FlaskClient, clinic: dict) -> None:
    org, admin, staff = clinic["org"], clinic["admin"], clinic["staff"]
    db.session.add(AccessReview(organization_id=org.id, due_at=DUE))
    db.session.commit()
    _as(client, admin)
    review = db.session.get(AccessReview, org.id)  # not due yet: home as usual
    review.due_at = datetime(2999, 1, 1)
    db.session.commit()
    assert client.get("/").status_code == 200
    review.due_at = datetime(2000, 1, 1)
    db.session.commit()
    answer = client.get(f"/org/{org.key}/members")
    assert answer.status_code == 302
    assert answer.headers["Location"].endswith(f"/org/{org.key}/access-review")
    _as(client, staff)  # not a Site Administrator: no review, their home as usual
    assert client.get("/").status_code == 200


def test_access_review_refuses_without_each_choice_or_without_a_site_administrator(
        client: FlaskClient, clinic: dict, fake_keycloak: FakeKeycloak) -> None:
    org, admin, staff, other = (clinic[k] for k in ("org", "admin", "staff", "other"))
    db.session.add(AccessReview(organization_id=org.id, due_at=datetime(2000, 1, 1)))
    db.session.commit()
    _as(client, admin)
    page = client.get(f"/org/{org.key}/access-review").get_data(as_text=True)
    assert "About the access review" in page and "Claims, Remittance" in page
    missing = client.post(f"/org/{org.key}/access-review",
                          data={f"m{admin.id}": "keep", f"m{staff.id}": "revoke"})
    text = missing.get_data(as_text=True)
    assert missing.status_code == 422 and "Choose Keep or Revoke for each person." in text
    assert 'value="revoke" checked' in text  # what was chosen is kept
    no_admin = client.post(f"/org/{org.key}/access-review", data={
        f"m{admin.id}": "revoke", f"m{staff.id}": "keep", f"m{other.id}": "keep"})
    assert "Keep at least one Site Administrator." in no_admin.get_data(as_text=True)
    assert reread(admin).status == "approved" and reread(staff).status == "approved"


def test_access_review_completed_restores_the_kept_with_their_roles_and_revokes(
        client: FlaskClient, clinic: dict, fake_keycloak: FakeKeycloak) -> None:
    org, admin, staff, other = (clinic[k] for k in ("org", "admin", "staff", "other"))
    for when in (DUE - timedelta(days=31), DUE - timedelta(days=30), DUE - timedelta(days=7),
                 DUE + timedelta(days=30)):
        run_on(when)
    assert reread(staff).status == "suspended"
    _as(client, admin)
    done = client.post(f"/org/{org.key}/access-review", data={
        f"m{admin.id}": "keep", f"m{staff.id}": "keep", f"m{other.id}": "revoke"})
    assert done.status_code == 302
    assert reread(staff).status == "approved"
    assert fake_keycloak.user_group_paths(staff.user_id) == sorted([
        org_path(org.key), role_path(org.key, "claims"), role_path(org.key, "remittance")])
    assert reread(other).status == "removed"
    review = db.session.get(AccessReview, org.id)
    db.session.refresh(review)
    assert review.notice == REVIEW_NONE and review.last_completed_by == admin.email
    assert review.due_at > datetime(2026, 1, 1) + timedelta(days=300)
    actions = [e.action for e in AuditEvent.query.order_by(AuditEvent.id)]
    assert {"access_review.keep", "access_review.revoke", "member.restore",
            "access_review.complete"} <= set(actions)
    assert client.get("/").status_code == 200  # no longer redirected


def test_access_review_overdue_organizations_listed_for_plan_administrators(
        client: FlaskClient, clinic: dict, fake_keycloak: FakeKeycloak) -> None:
    org = clinic["org"]
    db.session.add(AccessReview(organization_id=org.id, due_at=datetime(2000, 1, 1)))
    db.session.commit()
    reviewer = fake_keycloak.create_user("reviewer@plan.test", "Pat", "Reviewer", {},
                                         required_actions=[])
    fake_keycloak.assign_realm_role(reviewer, "plan-admin")
    with client.session_transaction() as session:
        session["user"] = {"sub": reviewer, "email": "reviewer@plan.test", "name": "P",
                           "roles": ["plan-admin"]}
    page = client.get("/admin/access-reviews").get_data(as_text=True)
    assert org.name in page and "2000-01-01" in page
    # These tests hold one app context across requests, so ``g`` outlives a request here.
    g.pop("plan_admin_now", None)
    _as(client, clinic["staff"])
    assert client.get("/admin/access-reviews").status_code == 403
