"""Registration Completion Confirmation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import select

from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Result, Stage, Stay
from idp_bridge.registration.forms import NoFieldsForm
from idp_bridge.registration.models import RegistrationDraft


class CompleteStage(Stage):
    name = "complete"
    title = "Registration Completed"
    template = "registration/complete.html"
    form = NoFieldsForm
    hidden = True  # a confirmation, not a step: the Terms & Conditions are the last step
    part_of = "terms"
    counter = False
    reads = frozenset({"organization_id", "existing_user_id", "merge"})

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        # An invited registrant is approved at completion: the page says so, not "review".
        user_id = ctx.existing_user_id if ctx.merge else draft.keycloak_user_id
        approved = draft.account_type != "organization" and db.session.scalar(
            select(Membership).where(Membership.organization_id == ctx.organization_id,
                                     Membership.user_id == user_id,
                                     Membership.status == "approved")) is not None
        organization = db.session.get(Organization, ctx.organization_id) if approved else None
        return {"new_organization": draft.account_type == "organization",
                "approved_in": organization.name if organization else ""}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        return Stay()


STAGE = CompleteStage()
