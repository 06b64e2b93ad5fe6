"""Organization Enrollment: prefilled from the questionnaire, editable except NPI and TIN."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask_wtf import FlaskForm

from idp_bridge.npi.identifiers import format_tin
from idp_bridge.registration.context import OrganizationDetails, RegistrationContext
from idp_bridge.registration.engine import Advance, Invalid, Result, Stage
from idp_bridge.registration.forms import OrganizationForm, problems
from idp_bridge.registration.models import RegistrationDraft


class OrganizationStage(Stage):
    name = "organization"
    title = "Organization Enrollment"
    template = "registration/organization.html"
    form = OrganizationForm
    reads = frozenset({"npi", "tin", "prefill", "organization"})
    writes = frozenset({"organization"})
    read_only = frozenset({"npi", "tin"})

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return draft.account_type == "organization"

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        saved = asdict(ctx.organization) if ctx.organization else {}
        return {**ctx.prefill, **saved, "npi": ctx.npi, "tin": format_tin(ctx.tin)}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        # NPI and TIN are not fields of this form: they come from the draft only.
        errors = problems(form)
        if errors:
            return Invalid(errors)
        ctx.organization = OrganizationDetails(**{
            name: form[name].data for name in OrganizationDetails.__dataclass_fields__})
        return Advance()


STAGE = OrganizationStage()
