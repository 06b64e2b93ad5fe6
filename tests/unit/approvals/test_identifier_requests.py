"""NPIs and TINs a Site Administrator adds wait for a plan administrator (issue 19 row 1),
fast: the bridge's tables, the shipped registry sample and the in-memory Keycloak. What an
attacker would notice: whether the pair reaches the organization's group (so its members'
next tokens), what the refusal says, what the audit keeps.

The same through the real consoles and the real Keycloak: tests/security/test_claims.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.approvals.identifiers import (
    approve_identifier,
    deny_identifier,
    pending_requests,
    request_identifier,
)
from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.npi.offline import import_sample
from idp_bridge.npi.pairs import Purpose, validate_pair
from idp_bridge.organizations.models import OrganizationIdentifier
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import new_organization
from tests.support.registry_data import DEACTIVATED, ORGANIZATIONS, PROFESSIONAL

SITE_ADMIN = Actor(id="admin-1", email="admin@clinic.test", ip="127.0.0.1", user_agent="t")
REVIEWER = Actor(id="reviewer-1", email="reviewer@plan.test", ip="127.0.0.1", user_agent="t")
UNUSED = ORGANIZATIONS[4]  # active, organizational, nobody's


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    import_sample()
    yield
    db.session.remove()


def npis_in_group(fake: FakeKeycloak, organization) -> list[str]:  # type: ignore[no-untyped-def]
    return fake.group_attributes(organization.keycloak_group_id).get("npi", [])


def only_request() -> OrganizationIdentifier:
    [pair] = pending_requests()
    return pair


def test_an_added_pair_waits_for_review_and_reaches_the_group_only_when_approved(
        fake_keycloak: FakeKeycloak) -> None:
    organization = new_organization(fake_keycloak)
    assert request_identifier(organization, UNUSED["npi"], UNUSED["tin"], SITE_ADMIN) == {}
    assert UNUSED["npi"] not in npis_in_group(fake_keycloak, organization)
    assert UNUSED["npi"] not in [i.npi for i in organization.approved_identifiers]
    # Nobody can join the organization through a pair waiting for review.
    assert validate_pair(UNUSED["npi"], UNUSED["tin"], Purpose.JOIN_ORGANIZATION).errors[
        "form"].code == "org.not_registered"

    approve_identifier(only_request(), REVIEWER)
    assert UNUSED["npi"] in npis_in_group(fake_keycloak, organization)
    assert fake_keycloak.group_attributes(organization.keycloak_group_id)["tin"] == sorted(
        [organization.identifiers[0].tin, UNUSED["tin"].replace("-", "")])
    with pytest.raises(DecisionFailed, match="already reviewed"):
        approve_identifier(OrganizationIdentifier.query.filter_by(npi=UNUSED["npi"]).one(),
                           REVIEWER)


def test_a_denied_request_is_never_the_organizations_and_frees_the_pair(
        fake_keycloak: FakeKeycloak) -> None:
    organization = new_organization(fake_keycloak)
    request_identifier(organization, UNUSED["npi"], UNUSED["tin"], SITE_ADMIN)
    deny_identifier(only_request(), REVIEWER)
    assert UNUSED["npi"] not in npis_in_group(fake_keycloak, organization)
    assert OrganizationIdentifier.query.filter_by(npi=UNUSED["npi"]).count() == 0
    events = [(e.action, e.actor_email) for e in AuditEvent.query.order_by(AuditEvent.id)]
    assert events == [("identifier.request", SITE_ADMIN.email),
                      ("identifier.deny", REVIEWER.email)]


def test_the_audit_keeps_a_masked_tin_never_the_whole_number(
        fake_keycloak: FakeKeycloak) -> None:
    organization = new_organization(fake_keycloak)
    request_identifier(organization, UNUSED["npi"], UNUSED["tin"], SITE_ADMIN)
    approve_identifier(only_request(), REVIEWER)
    tin = UNUSED["tin"].replace("-", "")
    for event in AuditEvent.query:
        assert tin not in repr(event.details)
        assert event.details["tin"] == "*****" + tin[-4:]


def test_refusals_do_not_reveal_another_organization(fake_keycloak: FakeKeycloak) -> None:
    mine, theirs = new_organization(fake_keycloak), new_organization(fake_keycloak)
    held = ORGANIZATIONS[5]
    theirs.identifiers.append(OrganizationIdentifier(npi=held["npi"], tin="391234567"))
    db.session.commit()
    elsewhere = request_identifier(mine, held["npi"], held["tin"], SITE_ADMIN)
    other_tin = request_identifier(mine, held["npi"], "41-5512345", SITE_ADMIN)
    unknown = request_identifier(mine, "1234567893", "41-5512345", SITE_ADMIN)
    generic = message("pair.cannot_add")
    assert elsewhere == other_tin == unknown == {"npi": generic}
    assert theirs.name not in generic and "another organization" not in generic
    assert request_identifier(mine, DEACTIVATED["npi"], DEACTIVATED["tin"], SITE_ADMIN) == {
        "npi": message("npi.inactive")}
    assert request_identifier(mine, PROFESSIONAL["npi"], PROFESSIONAL["tin"], SITE_ADMIN) == {
        "npi": message("npi.not_organizational")}
    assert pending_requests() == []


def test_of_two_organizations_asking_for_one_npi_only_the_first_approved_gets_it(
        fake_keycloak: FakeKeycloak) -> None:
    first, second = new_organization(fake_keycloak), new_organization(fake_keycloak)
    request_identifier(first, UNUSED["npi"], UNUSED["tin"], SITE_ADMIN)
    # Asked before the first request existed (a race): the database holds both requests.
    second.identifiers.append(OrganizationIdentifier(npi=UNUSED["npi"], tin="415599999",
                                                     status="pending"))
    db.session.commit()
    a, b = sorted(pending_requests(), key=lambda p: p.organization_id != first.id)
    approve_identifier(a, REVIEWER)
    with pytest.raises(DecisionFailed, match="belongs to another organization"):
        approve_identifier(b, REVIEWER)
    assert UNUSED["npi"] not in npis_in_group(fake_keycloak, second)
