"""Access To Multiple Organization Accounts: join this registration to an existing login.

Asked when Individual Enrollment's email is already a login. YES completes the registration
for that login (:class:`Finish`). NO moves on, never back: the next stage (``new_email``)
says why the email was cleared and asks for a different one, since every email address is
the login ID of exactly one account.
"""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Advance, Finish, Invalid, Result, Stage
from idp_bridge.registration.forms import MergeForm, problems
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages.individual import decline_merge


class MergeStage(Stage):
    name = "merge"
    title = "Merge Accounts"
    template = "registration/merge.html"
    form = MergeForm
    reads = frozenset({"existing_user_id", "individual"})
    writes = frozenset({"merge", "merge_declined_email", "existing_user_id", "email_code",
                        "typed"})
    # The no-script way to the question (the pop-up on Individual Enrollment is the other).
    hidden = True  # the guides' pop-up on Individual Enrollment, not a step of its own
    part_of = "individual"

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return bool(ctx.existing_user_id)

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        return {"email": ctx.email}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        errors = problems(form)
        if errors:
            return Invalid(errors)
        if form.merge.data == "yes":
            assert ctx.existing_user_id is not None
            ctx.merge = True
            return Finish(ctx.existing_user_id)
        decline_merge(draft, ctx, ctx.email)
        return Advance()


STAGE = MergeStage()
