"""Registration Completion Confirmation."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

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

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        return {"new_organization": draft.account_type == "organization"}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        return Stay()


STAGE = CompleteStage()
