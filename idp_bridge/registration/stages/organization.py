"""Organization Enrollment: prefilled from the questionnaire, editable except NPI and TIN."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp_bridge.npi.identifiers import format_tin
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.validation import (
    clean_email,
    clean_phone,
    clean_state,
    clean_text,
    clean_zip,
)

FIELDS = ("organization_name", "doing_business_as", "address_line1", "address_line2", "city",
          "state", "zip", "business_phone", "email")
REQUIRED = {"organization_name": "Organization Name", "address_line1": "Address Line One",
            "city": "City"}


class OrganizationStage:
    name = "organization"
    title = "Organization Enrollment"
    read_only = ("npi", "tin")
    template = "registration/organization.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return draft.account_type == "organization"

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        ctx = draft.context
        values = {**ctx.get("prefill", {}), **ctx.get("organization", {})}
        values.update(npi=ctx["npi"], tin=format_tin(ctx["tin"]))
        return values

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        # NPI and TIN are never read from the form: they come from the draft only.
        errors: dict[str, str] = {}
        cleaned: dict[str, str] = {}
        for name, label in REQUIRED.items():
            cleaned[name] = clean_text(form.get(name, ""), label, errors, name, required=True)
        for name in ("doing_business_as", "address_line2"):
            cleaned[name] = clean_text(form.get(name, ""), name, errors, name, required=False)
        cleaned["state"] = clean_state(form.get("state", ""), errors)
        cleaned["zip"] = clean_zip(form.get("zip", ""), errors)
        cleaned["business_phone"] = clean_phone(form.get("business_phone", ""), errors,
                                                "business_phone", "Business Phone")
        cleaned["email"] = clean_email(form.get("email", ""), errors, "email")
        if errors:
            return Outcome(valid=False, errors=errors)
        draft.update(organization=cleaned)
        return Outcome.ok()


STAGE = OrganizationStage()
