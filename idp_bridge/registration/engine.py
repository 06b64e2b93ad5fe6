"""The forward-only registration wizard.

A plan is an ordered list of stage names per account type; every stage is a small module
that shows a form and says "valid" or "invalid" for a submission. The engine only ever
moves forward: a request for any other stage is answered with the current one, because the
guides say "At no point during the registration process can you go back".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from idp_bridge.registration.models import RegistrationDraft

PLANS: dict[str, list[str]] = {
    "organization": ["account", "questionnaire", "organization", "individual", "merge",
                     "password", "sign_in", "complete"],
    "individual": ["account", "individual", "merge", "password", "sign_in", "complete"],
}
# What the user sees as "Step N of M" (the merge question is a pop-up, not a step).
VISIBLE_STEPS: dict[str, list[str]] = {
    "organization": ["account", "questionnaire", "organization", "individual", "password",
                     "sign_in", "complete"],
    "individual": ["account", "individual", "password", "sign_in", "complete"],
}


@dataclass
class Outcome:
    valid: bool
    errors: dict[str, str] = field(default_factory=dict)
    notice: str | None = None  # neutral information, e.g. "Email has been sent."
    success: str | None = None  # the guides' green confirmations
    next_stage: str | None = None  # only when a stage decides the route itself

    @classmethod
    def ok(cls, next_stage: str | None = None) -> Outcome:
        return cls(valid=True, next_stage=next_stage)

    @classmethod
    def invalid(cls, **errors: str) -> Outcome:
        return cls(valid=False, errors=errors)


class Stage(Protocol):
    name: str
    title: str
    template: str

    def applies(self, draft: RegistrationDraft) -> bool: ...

    def view(self, draft: RegistrationDraft) -> dict[str, Any]: ...

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome: ...


def plan_for(draft: RegistrationDraft) -> list[str]:
    return PLANS.get(draft.account_type or "", ["account"])


def following_stage(draft: RegistrationDraft, stages: Mapping[str, Stage]) -> str:
    plan = plan_for(draft)
    position = plan.index(draft.step)
    for name in plan[position + 1:]:
        if stages[name].applies(draft):
            return name
    return plan[-1]


def progress(draft: RegistrationDraft) -> tuple[int, int]:
    visible = VISIBLE_STEPS.get(draft.account_type or "", VISIBLE_STEPS["individual"])
    step = draft.step if draft.step in visible else "individual"
    return visible.index(step) + 1, len(visible)
