"""Adding NPIs and TINs to an organization (a Site Administrator's task in the guides)."""

from __future__ import annotations

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed, decision
from idp_bridge.audit.actor import Actor
from idp_bridge.messages import message
from idp_bridge.npi.pairs import Purpose, validate_pair
from idp_bridge.organizations.models import Organization, OrganizationIdentifier


def add_identifier(organization: Organization, npi_typed: str, tin_typed: str,
                   actor: Actor) -> dict[str, str]:
    """Returns the messages per field; empty when the pair was added."""
    check = validate_pair(npi_typed, tin_typed, Purpose.ADD_TO_ORGANIZATION, organization)
    if not check.ok:
        return {name: problem.text for name, problem in check.errors.items()}
    try:
        _add(organization, check.npi, check.tin, actor)
    except DecisionFailed:
        # The pair is unique in the database: if it was taken a moment ago, say so.
        if OrganizationIdentifier.query.filter_by(npi=check.npi, tin=check.tin).first():
            return {"form": message("pair.just_taken")}
        raise
    return {}


def _add(organization: Organization, npi: str, tin: str, actor: Actor) -> None:
    pairs = [(i.npi, i.tin) for i in organization.identifiers] + [(npi, tin)]
    with decision() as changes:
        assert organization.keycloak_group_id
        changes.set_attributes(organization.keycloak_group_id, {
            "name": [organization.name],
            "npi": sorted({p[0] for p in pairs}),
            "tin": sorted({p[1] for p in pairs}),
        })
        organization.identifiers.append(OrganizationIdentifier(npi=npi, tin=tin))
        audit.record("identifier.add", actor=actor, organization_key=organization.key, npi=npi,
                     tin=tin)

