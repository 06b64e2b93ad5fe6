"""Registration Completion Confirmation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft


class CompleteStage:
    name = "complete"
    title = "Registration Completed"
    template = "registration/complete.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return True

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        return {"new_organization": draft.account_type == "organization",
                "completed": draft.completed_at is not None,
                "mail_failed": draft.context.get("mail_failed", False)}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        return Outcome.invalid()


STAGE = CompleteStage()
