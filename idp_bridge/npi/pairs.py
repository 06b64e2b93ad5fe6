"""One check of an NPI/TIN pair, for the registration wizard and the Site Administrator's
console: shape and check digit, who already holds the pair (17712), and the National
Provider registry. Problems are codes (``idp_bridge.messages``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from flask import current_app
from sqlalchemy import bindparam, select

from idp_bridge.extensions import db
from idp_bridge.messages import Problem, problem
from idp_bridge.npi import get_registry
from idp_bridge.npi.identifiers import parse_pair
from idp_bridge.npi.registry import ORGANIZATION, RegistryRecord, RegistryUnavailable
from idp_bridge.organizations.models import APPROVED, Organization, OrganizationIdentifier


class Purpose(Enum):
    REGISTER_ORGANIZATION = "organization"  # a new organization: nobody may hold the pair
    JOIN_ORGANIZATION = "individual"  # an Individual: an organization must hold it
    ADD_TO_ORGANIZATION = "add"  # a Site Administrator adds a pair to their organization


@dataclass
class PairCheck:
    npi: str
    tin: str
    errors: dict[str, Problem] = field(default_factory=dict)  # field (or "form") -> code
    record: RegistryRecord | None = None  # the registry's record, when it was asked
    owner: Organization | None = None  # the organization holding the pair, any status

    @property
    def ok(self) -> bool:
        return not self.errors


def validate_pair(npi_typed: str, tin_typed: str, purpose: Purpose,
                  organization: Organization | None = None) -> PairCheck:
    """``organization``: the one a pair is being added to (ADD_TO_ORGANIZATION)."""
    npi, tin, errors = parse_pair(npi_typed, tin_typed)
    check = PairCheck(npi, tin, errors)
    if errors:
        return check
    if purpose is Purpose.ADD_TO_ORGANIZATION:
        assert organization is not None
        return _check_addition(check, organization)
    # Someone joining finds only pairs an organization holds now, never one waiting for review.
    check.owner = owner_of_pair(npi, tin, approved_only=purpose is Purpose.JOIN_ORGANIZATION)
    held = _holder_problem(check.owner, purpose, organization)
    if held is not None:
        check.errors["form"] = held
        return check
    if purpose is not Purpose.JOIN_ORGANIZATION:
        _ask_registry(check, purpose)
    return check


def _check_addition(check: PairCheck, organization: Organization) -> PairCheck:
    """A Site Administrator asks to add a pair. Refused: a pair this organization already has
    or asked for; an NPI any other organization holds or asked for (whatever the TIN); an
    NPI the registry does not know, has deactivated, or lists as an individual. "Another
    organization has it" and "the registry does not know it" read the same
    (``pair.cannot_add``), and neither names the other organization."""
    held = OrganizationIdentifier.query.filter_by(npi=check.npi).all()
    if any(i.organization_id == organization.id and i.tin == check.tin for i in held):
        check.errors["form"] = problem("pair.taken_here")
        return check
    if any(i.organization_id != organization.id for i in held):
        check.errors["npi"] = problem("pair.cannot_add")
        return check
    _ask_registry(check, Purpose.ADD_TO_ORGANIZATION)
    if check.errors.get("npi") == problem("npi.not_found"):
        check.errors["npi"] = problem("pair.cannot_add")
    return check


def _holder_problem(owner: Organization | None, purpose: Purpose,
                    organization: Organization | None) -> Problem | None:
    if owner is not None and owner.status == "denied":
        # No new registration of a refused pair (it would be the same organization, and the
        # pair stays unique): the plan reopens the review. Said before anything is typed in vain.
        return problem("org.denied")
    if purpose is Purpose.REGISTER_ORGANIZATION and owner is not None:
        return problem("org.exists")
    if purpose is Purpose.JOIN_ORGANIZATION and owner is None:
        return problem("org.not_registered")
    return None


def _ask_registry(check: PairCheck, purpose: Purpose) -> None:
    try:
        record = get_registry(current_app).lookup(check.npi)
    except RegistryUnavailable:
        check.errors["form"] = problem("registry.unavailable")
        return
    check.record = record
    if record is None:
        check.errors["npi"] = problem("npi.not_found")
    elif not record.active:
        check.errors["npi"] = problem("npi.inactive")
    elif purpose is not Purpose.JOIN_ORGANIZATION and record.entity_type != ORGANIZATION:
        check.errors["npi"] = problem("npi.not_organizational")


def owner_of_pair(npi: str, tin: str, approved_only: bool = False) -> Organization | None:
    """The organization holding this NPI/TIN pair, whatever its status (pairs are unique);
    ``approved_only``: only if the pair is approved (not a request waiting for review).
    One statement (issue 26: the pair, then its organization, were two)."""
    statement = _APPROVED_OWNER if approved_only else _OWNER
    return db.session.scalars(statement, {"npi": npi, "tin": tin}).first()


_OWNER = (select(Organization)
          .join(OrganizationIdentifier, OrganizationIdentifier.organization_id == Organization.id)
          .where(OrganizationIdentifier.npi == bindparam("npi"),
                 OrganizationIdentifier.tin == bindparam("tin")).limit(1))
_APPROVED_OWNER = _OWNER.where(OrganizationIdentifier.status == APPROVED)
