"""Create An Account: account type, NPI and TIN."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

from flask import current_app

from idp_bridge.npi import get_registry
from idp_bridge.npi.identifiers import parse_pair
from idp_bridge.npi.questionnaire import build_questionnaire
from idp_bridge.npi.registry import RegistryUnavailable
from idp_bridge.organizations.models import Organization, OrganizationIdentifier
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft

ORG_EXISTS = ("17712 : An existing Organization was matched for the given NPI and TIN. "
              "Please select individual to continue to register as a Individual with this "
              "Organization.")
ORG_NPI_REQUIRED = ("An organizational NPI is required to register an Organization. This NPI "
                    "belongs to an individual (professional) provider.")
NO_ORGANIZATION = ("No Organization account is registered with this NPI and TIN. An "
                   "Organization account must be registered before Individual users can "
                   "register.")


def registered_pair(npi: str, tin: str) -> OrganizationIdentifier | None:
    return (OrganizationIdentifier.query.join(Organization)
            .filter(OrganizationIdentifier.npi == npi, OrganizationIdentifier.tin == tin,
                    Organization.status != "denied")
            .first())


def owner_of_pair(npi: str, tin: str) -> Organization | None:
    """The organization holding this NPI/TIN pair, whatever its status (pairs are unique)."""
    pair = OrganizationIdentifier.query.filter_by(npi=npi, tin=tin).first()
    return pair.organization if pair is not None else None


def denied_message() -> str:
    """The rule for a denied organization: no new registration of the same NPI/TIN pair
    (it would be the same organization, and the pair stays unique); the plan reopens the
    review. Said on the first screen, before anything is typed in vain."""
    brand = current_app.extensions["brand"]
    return (f"An Organization registration with this NPI and TIN was reviewed and not "
            f"approved by the {brand.reviewing_admin}. It can't be registered again here. "
            f"Please contact {brand.plan_name} Provider Relations to have the registration "
            "reviewed again.")


class AccountStage:
    name = "account"
    title = "Create An Account"
    template = "registration/account.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return True

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        ctx = draft.context
        return {"account_type": draft.account_type or "", "npi": ctx.get("npi", ""),
                "tin": ctx.get("tin_display", "")}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        npi, tin, errors = parse_pair(form.get("npi", ""), form.get("tin", ""))
        account_type = form.get("account_type", "")
        if account_type not in ("individual", "organization"):
            errors["account_type"] = "Please select your account type."
        if errors:
            return Outcome(valid=False, errors=errors)
        owner = owner_of_pair(npi, tin)
        if owner is not None and owner.status == "denied":
            return Outcome.invalid(form=denied_message())
        if account_type == "organization":
            return self._organization(draft, npi, tin, form.get("tin", ""))
        return self._individual(draft, npi, tin, form.get("tin", ""))

    def _organization(self, draft: RegistrationDraft, npi: str, tin: str,
                      tin_typed: str) -> Outcome:
        if registered_pair(npi, tin):
            return Outcome.invalid(form=ORG_EXISTS)
        registry = get_registry(current_app)
        try:
            record = registry.lookup(npi)
        except RegistryUnavailable:
            return Outcome.invalid(form="The National Provider registry can't be reached right "
                                   "now. Please try again in a few minutes.")
        if record is None:
            return Outcome.invalid(npi="This NPI was not found in the National Provider "
                                   "registry.")
        if not record.active:
            return Outcome.invalid(npi="This NPI is not active in the National Provider "
                                   "registry.")
        if record.entity_type != 2:
            return Outcome.invalid(npi=ORG_NPI_REQUIRED)
        questionnaire = build_questionnaire(record, registry, random.Random())  # noqa: S311
        draft.account_type = "organization"
        draft.update(npi=npi, tin=tin, tin_display=tin_typed.strip(),
                     questionnaire=questionnaire.to_dict(), registry_name=record.name)
        return Outcome.ok()

    def _individual(self, draft: RegistrationDraft, npi: str, tin: str,
                    tin_typed: str) -> Outcome:
        pair = registered_pair(npi, tin)
        if pair is None:
            return Outcome.invalid(form=NO_ORGANIZATION)
        draft.account_type = "individual"
        draft.update(npi=npi, tin=tin, tin_display=tin_typed.strip(),
                     organization_id=pair.organization_id,
                     organization_name=pair.organization.name)
        return Outcome.ok()


STAGE = AccountStage()
