"""Each approval decision, fast: the bridge's tables and an in-memory Keycloak (the fake,
contract-tested against the real one). What a person would notice: which groups they are in
(so what their next token grants), their membership's status, the email they get, the audit
line; and, when Keycloak fails part-way, that nothing was half-applied.

The same decisions through the real consoles and the real Keycloak: tests/approvals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask

from idp_bridge.approvals import decisions
from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.keycloak.groups import org_path, role_path, site_admins_path
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.messages import message
from idp_bridge.organizations.models import Membership, Organization
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

REVIEWER = Actor(id="reviewer-1", email="reviewer@plan.test", ip="127.0.0.1",
                 user_agent="test")


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def groups_of(fake: FakeKeycloak, membership: Membership) -> list[str]:
    return fake.user_group_paths(membership.user_id)


def emails(kind: str) -> list[str]:
    return [m.to for m in OutboundEmail.query.filter_by(kind=kind)]


def audit_actions() -> list[str]:
    return [e.action for e in AuditEvent.query.order_by(AuditEvent.id)]


def reread(membership: Membership) -> Membership:
    db.session.expire_all()
    found = db.session.get(Membership, membership.id)
    assert found is not None
    return found


# Plan administrators ---------------------------------------------------------------------


def test_approving_an_organization_makes_its_first_person_its_site_administrator(
        fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak, status="pending")
    first = add_person(fake_keycloak, org, status="pending", site_admin=True)

    decisions.approve_organization(org, "Called the office", REVIEWER)

    assert org.status == "active" and org.reviewed_by == REVIEWER.email
    assert org.review_note == "Called the office"
    assert reread(first).status == "approved" and reread(first).decided_by == REVIEWER.email
    assert groups_of(fake_keycloak, first) == sorted(
        [org_path(org.key), site_admins_path(org.key)])
    # its role groups now exist, so a Site Administrator can grant them
    assert fake_keycloak.group_by_path(role_path(org.key, "claims")) is not None
    assert emails("organization.approved") == [first.email]
    assert audit_actions() == ["organization.approve"]
    event = AuditEvent.query.one()
    assert event.actor_email == REVIEWER.email and event.organization_key == org.key


def test_an_organization_is_reviewed_once(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak, status="pending")
    add_person(fake_keycloak, org, status="pending", site_admin=True)
    decisions.deny_organization(org, "Unknown practice", REVIEWER)

    with pytest.raises(DecisionFailed, match="already reviewed"):
        decisions.approve_organization(org, "", REVIEWER)
    assert db.session.get(Organization, org.id).status == "denied"  # type: ignore[union-attr]


def test_denying_an_organization_grants_nothing_and_tells_its_people(
        fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak, status="pending")
    first = add_person(fake_keycloak, org, status="pending", site_admin=True)

    decisions.deny_organization(org, "Unknown practice", REVIEWER)

    assert org.status == "denied" and reread(first).status == "denied"
    assert groups_of(fake_keycloak, first) == []
    assert emails("organization.denied") == [first.email]
    assert audit_actions() == ["organization.deny"]


# Site administrators ---------------------------------------------------------------------


@pytest.fixture
def org(fake_keycloak: FakeKeycloak) -> Organization:
    """An active organization with one Site Administrator."""
    organization = new_organization(fake_keycloak)
    add_person(fake_keycloak, organization, site_admin=True, first_name="Ada")
    return organization


def test_approving_a_member_grants_the_organization(fake_keycloak: FakeKeycloak,
                                                    org: Organization) -> None:
    person = add_person(fake_keycloak, org, status="pending")

    decisions.approve_member(person, REVIEWER)

    assert reread(person).status == "approved"
    assert groups_of(fake_keycloak, person) == [org_path(org.key)]
    assert emails("member.approved") == [person.email]
    assert audit_actions() == ["member.approve"]


def test_a_request_is_decided_once(fake_keycloak: FakeKeycloak, org: Organization) -> None:
    person = add_person(fake_keycloak, org, status="pending")
    decisions.deny_member(person, REVIEWER)

    with pytest.raises(DecisionFailed, match=message("decision.already_handled")):
        decisions.approve_member(person, REVIEWER)
    assert reread(person).status == "denied"
    assert groups_of(fake_keycloak, person) == []


def test_denying_a_member_grants_nothing(fake_keycloak: FakeKeycloak,
                                        org: Organization) -> None:
    person = add_person(fake_keycloak, org, status="pending")

    decisions.deny_member(person, REVIEWER)

    assert reread(person).status == "denied"
    assert groups_of(fake_keycloak, person) == []
    assert emails("member.denied") == [person.email]


def test_granting_and_revoking_a_portal_role(fake_keycloak: FakeKeycloak,
                                             org: Organization) -> None:
    person = add_person(fake_keycloak, org)

    decisions.set_role(person, "claims", True, REVIEWER)
    assert reread(person).roles == ["claims"]
    assert role_path(org.key, "claims") in groups_of(fake_keycloak, person)

    decisions.set_role(person, "claims", False, REVIEWER)
    assert reread(person).roles == []
    assert groups_of(fake_keycloak, person) == [org_path(org.key)]
    assert audit_actions() == ["role.grant", "role.revoke"]
    assert emails("role.changed") == [person.email, person.email]


def test_an_unknown_role_is_refused(fake_keycloak: FakeKeycloak, org: Organization) -> None:
    person = add_person(fake_keycloak, org)
    with pytest.raises(DecisionFailed, match="Unknown portal role"):
        decisions.set_role(person, "superuser", True, REVIEWER)
    assert groups_of(fake_keycloak, person) == [org_path(org.key)]


def test_provider_admin_is_the_site_administrator_not_a_role_of_its_own(
        fake_keycloak: FakeKeycloak, org: Organization) -> None:
    """Issue 21 row 11: the guides' Provider Admin section is where Site Administrators are
    added; the separate "Provider Admin" role is no longer granted, an earlier grant can
    still be revoked (its group stays for the apps that read it)."""
    person = add_person(fake_keycloak, org)
    with pytest.raises(DecisionFailed, match="use Make Site Administrator"):
        decisions.set_role(person, "provider-admin", True, REVIEWER)
    assert reread(person).roles == []
    earlier = add_person(fake_keycloak, org, roles=["provider-admin"])
    decisions.set_role(earlier, "provider-admin", False, REVIEWER)
    assert reread(earlier).roles == []


def test_roles_are_granted_to_approved_members_only(fake_keycloak: FakeKeycloak,
                                                   org: Organization) -> None:
    person = add_person(fake_keycloak, org, status="pending")
    with pytest.raises(DecisionFailed, match=message("decision.already_handled")):
        decisions.set_role(person, "claims", True, REVIEWER)
    assert groups_of(fake_keycloak, person) == []


def test_promoting_and_demoting_a_site_administrator(fake_keycloak: FakeKeycloak,
                                                     org: Organization) -> None:
    person = add_person(fake_keycloak, org)

    decisions.set_site_admin(person, True, REVIEWER)
    assert reread(person).is_site_admin
    assert site_admins_path(org.key) in groups_of(fake_keycloak, person)

    decisions.set_site_admin(person, False, REVIEWER)
    assert not reread(person).is_site_admin
    assert groups_of(fake_keycloak, person) == [org_path(org.key)]
    assert audit_actions() == ["site_admin.grant", "site_admin.revoke"]


def only_admin(org: Organization) -> Membership:
    admins = [m for m in org.memberships if m.is_site_admin]
    assert len(admins) == 1
    return admins[0]


def test_the_last_site_administrator_cannot_be_demoted(fake_keycloak: FakeKeycloak,
                                                       org: Organization) -> None:
    admin = only_admin(org)
    with pytest.raises(DecisionFailed, match=message("decision.last_admin")):
        decisions.set_site_admin(admin, False, REVIEWER)
    assert reread(admin).is_site_admin
    assert site_admins_path(org.key) in groups_of(fake_keycloak, admin)


def test_the_last_site_administrator_cannot_be_removed(fake_keycloak: FakeKeycloak,
                                                       org: Organization) -> None:
    admin = only_admin(org)
    with pytest.raises(DecisionFailed, match=message("decision.last_admin")):
        decisions.remove_member(admin, REVIEWER)
    assert reread(admin).status == "approved"
    assert fake_keycloak.ended_sessions == []


def test_with_a_second_site_administrator_one_can_step_down(fake_keycloak: FakeKeycloak,
                                                            org: Organization) -> None:
    admin = only_admin(org)
    add_person(fake_keycloak, org, site_admin=True)
    decisions.set_site_admin(admin, False, REVIEWER)
    assert not reread(admin).is_site_admin


def test_removing_a_member_takes_every_grant_and_ends_their_sessions(
        fake_keycloak: FakeKeycloak, org: Organization) -> None:
    person = add_person(fake_keycloak, org, site_admin=True, roles=["claims", "remittance"])

    decisions.remove_member(person, REVIEWER)

    removed = reread(person)
    assert (removed.status, removed.roles, removed.is_site_admin) == ("removed", [], False)
    assert removed.decided_by == REVIEWER.email
    assert groups_of(fake_keycloak, person) == []
    assert fake_keycloak.ended_sessions == [person.user_id]
    assert emails("member.removed") == [person.email]


def test_a_removal_stands_when_sessions_cannot_be_ended(fake_keycloak: FakeKeycloak,
                                                        org: Organization) -> None:
    """Ending sessions comes after the commit: access ended with the groups anyway."""
    person = add_person(fake_keycloak, org)
    fake_keycloak.fail("end_sessions")

    decisions.remove_member(person, REVIEWER)

    assert reread(person).status == "removed"
    assert groups_of(fake_keycloak, person) == []


# Keycloak failing part-way: nothing half-applied -----------------------------------------

def _pending_organization(fake: FakeKeycloak) -> Membership:
    org = new_organization(fake, status="pending")
    return add_person(fake, org, status="pending", site_admin=True)


def _remove_member(fake: FakeKeycloak) -> Membership:
    org = new_organization(fake)
    add_person(fake, org, site_admin=True)
    person = add_person(fake, org, site_admin=True, roles=["claims"])
    return person


def _decide_on_new_member(action: str) -> Callable[[FakeKeycloak], Membership]:
    def seed(fake: FakeKeycloak) -> Membership:
        org = new_organization(fake)
        add_person(fake, org, site_admin=True)
        status = "pending" if action == "approve" else "approved"
        return add_person(fake, org, status=status, site_admin=action == "demote",
                          roles=["claims"] if action == "revoke" else [])
    return seed


SCENARIOS: dict[str, tuple[Callable[[FakeKeycloak], Membership],
                           Callable[[Membership], None]]] = {
    "approve organization": (_pending_organization,
                             lambda m: decisions.approve_organization(m.organization, "",
                                                                      REVIEWER)),
    "approve member": (_decide_on_new_member("approve"),
                       lambda m: decisions.approve_member(m, REVIEWER)),
    "grant role": (_decide_on_new_member("grant"),
                   lambda m: decisions.set_role(m, "claims", True, REVIEWER)),
    "revoke role": (_decide_on_new_member("revoke"),
                    lambda m: decisions.set_role(m, "claims", False, REVIEWER)),
    "promote": (_decide_on_new_member("promote"),
                lambda m: decisions.set_site_admin(m, True, REVIEWER)),
    "demote": (_decide_on_new_member("demote"),
               lambda m: decisions.set_site_admin(m, False, REVIEWER)),
    "remove": (_remove_member, lambda m: decisions.remove_member(m, REVIEWER)),
}


def _state(fake: FakeKeycloak, membership: Membership) -> tuple[object, ...]:
    """What the person holds: their groups in Keycloak and their row in the bridge."""
    row = reread(membership)
    return (tuple(groups_of(fake, membership)), row.status, tuple(row.roles or []),
            row.is_site_admin, row.organization.status, OutboundEmail.query.count(),
            AuditEvent.query.count())


def _calls_of(fake: FakeKeycloak, seed: Callable[[FakeKeycloak], Membership],
              act: Callable[[Membership], None]) -> int:
    """How many gateway calls the decision makes when nothing fails."""
    membership = seed(fake)
    fake.calls.clear()
    act(membership)
    return len([c for c in fake.calls if c != "end_sessions"])  # after the commit


@pytest.mark.parametrize("applied", [False, True], ids=["refused", "stalled-then-applied"])
@pytest.mark.parametrize("name", SCENARIOS)
def test_a_failing_keycloak_call_at_any_step_leaves_nothing_half_applied(
        fake_keycloak: FakeKeycloak, name: str, applied: bool) -> None:
    seed, act = SCENARIOS[name]
    calls = _calls_of(fake_keycloak, seed, act)
    assert calls >= 2  # a read first, then at least one change
    for nth in range(1, calls + 1):
        membership = seed(fake_keycloak)
        before = _state(fake_keycloak, membership)
        fake_keycloak.fail(nth=nth, status=None if applied else 500, applied=applied)

        with pytest.raises(DecisionFailed, match="nothing was changed"):
            act(membership)

        assert _state(fake_keycloak, membership) == before, f"call {nth} of {calls}"


def test_a_failing_organization_approval_grants_nothing(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak, status="pending")
    first = add_person(fake_keycloak, org, status="pending", site_admin=True)
    fake_keycloak.fail("add_to_group", nth=2)  # the site-admins group, after the org's

    with pytest.raises(DecisionFailed, match="nothing was changed"):
        decisions.approve_organization(org, "", REVIEWER)

    assert groups_of(fake_keycloak, first) == []
    db.session.expire_all()
    assert db.session.get(Organization, org.id).status == "pending"  # type: ignore[union-attr]
    assert reread(first).status == "pending"
    assert OutboundEmail.query.count() == 0 and AuditEvent.query.count() == 0
