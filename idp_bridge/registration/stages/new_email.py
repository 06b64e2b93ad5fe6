"""A new email address after "NO" to the merge question (Individual Enrollment again, with
everything else kept and a message saying why the email is empty).

Forward only: if the new address is a login too, it is refused here (choose another, or
restart and answer YES) rather than asking the merge question a second time.
"""

from __future__ import annotations

from typing import Any

from idp_bridge.messages import Problem, problem
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages.individual import IndividualStage


class NewEmailStage(IndividualStage):
    name = "new_email"
    title = "Individual Enrollment"
    reads = IndividualStage.reads | {"merge_declined_email"}
    hidden = True
    part_of = "individual"
    asks_merge = False  # a second existing login is refused here, not asked about

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return bool(ctx.merge_declined_email)

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        values = super().view(draft, ctx)
        if values["email"] == ctx.merge_declined_email:
            values.update(email="", email_verified=False)
        values["declined_email"] = ctx.merge_declined_email
        return values

    def refuse_existing_login(self, exists: bool) -> Problem | None:
        return problem("email.taken_again") if exists else None


STAGE = NewEmailStage()
