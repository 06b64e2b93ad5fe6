"""An organization's group as stored in Keycloak: the attributes the plugin's claim mapper
reads (``OrganizationsClaimMapperTest`` pins the same names from the Java side). Only the
organization's approved pairs are there; a pair waiting for review never is."""

from __future__ import annotations

from idp_bridge.organizations import group_shape
from idp_bridge.organizations.models import PENDING, Organization, OrganizationIdentifier


def organization() -> Organization:
    org = Organization(key="1588000012-0a1b2c3d4e5f", name="Prairie Family Medicine")
    org.identifiers = [
        OrganizationIdentifier(npi="1588000020", tin="391588002"),
        OrganizationIdentifier(npi="1588000012", tin="391588001", is_primary=True),
        OrganizationIdentifier(npi="1588000038", tin="391588003", status=PENDING),
    ]
    return org


def test_the_stored_shape_names_the_approved_pairs_sorted() -> None:
    assert group_shape.attributes(organization()) == {
        "name": ["Prairie Family Medicine"],
        "npi": ["1588000012", "1588000020"],
        "tin": ["391588001", "391588002"]}
    assert group_shape.CLAIMED == ("name", "npi", "tin")


def test_a_registration_adds_when_it_made_the_group_and_reconcile_reads_it_back() -> None:
    stored = group_shape.at_registration(organization(), 1794999700.9)
    assert stored["registered_at"] == ["1794999700"]
    assert group_shape.registered_at(stored) == 1794999700.0
    assert group_shape.registered_at({}) == 0.0
    assert group_shape.registered_at({"registered_at": ["not a number"]}) == 0.0


def test_drift_is_what_the_claim_reads_and_a_repair_keeps_the_rest() -> None:
    org = organization()
    stored = group_shape.at_registration(org, 1794999700)
    assert not group_shape.differs(stored, org)
    stale = {**stored, "npi": ["1588000012", "1588000020", "1588000038"]}  # a pending NPI
    assert group_shape.differs(stale, org)
    assert group_shape.merged(stale, org) == stored
