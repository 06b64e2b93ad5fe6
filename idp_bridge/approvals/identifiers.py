"""Adding NPIs and TINs to an organization (a Site Administrator's task in the guides)."""

from __future__ import annotations

from flask import current_app

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed, decision
from idp_bridge.npi import get_registry
from idp_bridge.npi.identifiers import parse_pair
from idp_bridge.npi.registry import RegistryUnavailable
from idp_bridge.organizations.models import Organization, OrganizationIdentifier


def validate_pair(npi_typed: str, tin_typed: str) -> tuple[str, str, dict[str, str]]:
    npi, tin, errors = parse_pair(npi_typed, tin_typed)
    if not errors:
        try:
            record = get_registry(current_app).lookup(npi)
        except RegistryUnavailable:
            errors["form"] = "The National Provider registry can't be reached right now."
        else:
            if record is None:
                errors["npi"] = "This NPI was not found in the National Provider registry."
            elif not record.active:
                errors["npi"] = "This NPI is not active in the National Provider registry."
    return npi, tin, errors


def add_identifier(organization: Organization, npi_typed: str, tin_typed: str,
                   actor: dict[str, str]) -> dict[str, str]:
    """Returns field errors; empty when the pair was added."""
    npi, tin, errors = validate_pair(npi_typed, tin_typed)
    if errors:
        return errors
    taken = OrganizationIdentifier.query.filter_by(npi=npi, tin=tin).first()
    if taken is not None:
        whose = "this" if taken.organization_id == organization.id else "another"
        return {"form": f"This NPI and TIN are already registered to {whose} organization."}
    try:
        _add(organization, npi, tin)
    except DecisionFailed:
        # The pair is unique in the database: if it was taken a moment ago, say so.
        if OrganizationIdentifier.query.filter_by(npi=npi, tin=tin).first() is not None:
            return {"form": "This NPI and TIN were just registered to an organization."}
        raise
    return {}


def _add(organization: Organization, npi: str, tin: str) -> None:
    pairs = [(i.npi, i.tin) for i in organization.identifiers] + [(npi, tin)]
    with decision() as changes:
        assert organization.keycloak_group_id
        changes.set_attributes(organization.keycloak_group_id, {
            "name": [organization.name],
            "npi": sorted({p[0] for p in pairs}),
            "tin": sorted({p[1] for p in pairs}),
        })
        organization.identifiers.append(OrganizationIdentifier(npi=npi, tin=tin))
        audit.record("identifier.add", organization_key=organization.key, npi=npi, tin=tin)

