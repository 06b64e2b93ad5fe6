"""Access To Multiple Organization Accounts: join this registration to an existing login."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft

QUESTION = ("An active account already exists for this email. Would you like to merge your "
            "current registration process to this existing account?")


class MergeStage:
    name = "merge"
    title = "Merge Accounts"
    template = "registration/merge.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return bool(draft.context.get("existing_user_id"))

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        return {"question": QUESTION, "email": draft.context["individual"]["email"]}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        answer = form.get("merge", "")
        if answer == "yes":
            draft.update(merge=True)
            return Outcome.ok(next_stage="complete")
        if answer == "no":
            # A different email means a separate login, verified afresh.
            individual = dict(draft.context["individual"])
            declined = individual.pop("email")
            draft.update(individual=individual, existing_user_id=None, email_code=None,
                         merge_declined_email=declined)
            draft.code_last_send = None  # a new address may get its code at once (cap stays)
            return Outcome.ok(next_stage="individual")
        return Outcome.invalid(merge="Please select YES or NO.")


STAGE = MergeStage()
