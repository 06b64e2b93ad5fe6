"""Registration Completion Confirmation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy import bindparam, select

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Result, Stage, Stay
from idp_bridge.registration.forms import NoFieldsForm
from idp_bridge.registration.models import RegistrationDraft

# The organization's name if this login's membership in it is approved already (one
# statement, written once).
_APPROVED_IN = AutocommitStatement(
    select(Organization.name).join(Membership, Membership.organization_id == Organization.id)
    .where(Organization.id == bindparam("organization"), Membership.user_id == bindparam("user"),
           Membership.status == "approved").limit(1))


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
        approved_in = None
        if draft.account_type != "organization":
            approved_in = _APPROVED_IN.run(  # a read: no transaction begun for it
                organization=ctx.organization_id, user=user_id).scalar()
        return {"new_organization": draft.account_type == "organization",
                "approved_in": approved_in or ""}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        return Stay()


STAGE = CompleteStage()
