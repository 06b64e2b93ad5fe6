"""The forward-only registration wizard.

A *plan* is the ordered list of steps for an account type. Most steps are a :class:`Stage`
of this bridge (one screen, one form, one module under ``stages/``); two belong to Keycloak
(phone verification and the Terms & Conditions run at the first sign-in, see
:data:`KEYCLOAK_STEPS`). The engine only ever moves forward, because the guides say "At no
point during the registration process can you go back": a request for any other stage is
answered with the current one, and a stage's submit can only say

- :class:`Stay` — done, stay on this screen with a confirmation ("Email has been sent.");
- :class:`Invalid` — refused, with a problem code per field;
- :class:`Advance` — on to the next stage of the plan that applies to this registration;
- :class:`Finish` — the registration is complete for this (existing) login.

A stage declares which context fields it ``reads`` and ``writes`` (checked by
:func:`run`: writing anything else is a programming error), which form fields it shows
``read_only`` (never taken from, nor echoed back from, a submission) and which are
``secret`` (a password, a code: never echoed back) and whether it is
``hidden`` from the step counter (then ``part_of`` names the step whose number it shows,
e.g. the merge question is part of Individual Enrollment).

The step counter ("Step N of M") is derived from the plan, Keycloak's steps included, so it
is fixed from the second screen to the last: the first screen asks the account type, which
decides M, so it says only "Step 1" (a total that changed as the user picked a radio
button was a total changing under them). The confirmation at the end is not a step (the
guides: the Terms & Conditions are "the last step"), so it shows no counter, and an
existing login that finishes early (merge YES) never sees the counter jump. Keycloak's
pages show the same counter:
:func:`step_numbers` gives their numbers, and :func:`keycloak_step_params` turns them into
query parameters the sign-in hand-off (``stages/sign_in.py``) puts on the authorization
request (``kc_step_phone``, ``kc_step_terms``, ``kc_steps``), which the login theme reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

from flask_wtf import FlaskForm

from idp_bridge.messages import Problem
from idp_bridge.registration.context import RegistrationContext, to_json
from idp_bridge.registration.models import RegistrationDraft

ACCOUNT_TYPES = ("individual", "organization")
# The plan assumed before an account type is chosen (the radio button listed first).
DEFAULT_ACCOUNT_TYPE = "individual"


# Results ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stay:
    """Success that stays on the screen: a confirmation, or neutral news, by code."""

    notice: Problem | None = None  # neutral, e.g. email.sent
    success: Problem | None = None  # the guides' green confirmations
    # Work that must wait for the commit (sending the email just queued); its answer
    # replaces ``notice`` (e.g. email.delayed when the mail server is away).
    after_commit: Callable[[], Problem] | None = None


@dataclass(frozen=True)
class Invalid:
    errors: dict[str, Problem] = field(default_factory=dict)  # form field (or "form") -> code
    retry_after: int | None = None  # seconds until a refused request may be repeated


@dataclass(frozen=True)
class Advance:
    pass


@dataclass(frozen=True)
class Finish:
    user_id: str  # the login this registration completes for


Result = Stay | Invalid | Advance | Finish


# Stages ----------------------------------------------------------------------------------


class Stage:
    """One screen of the wizard. Subclasses set the class attributes and override the hooks."""

    name: ClassVar[str]
    title: ClassVar[str]
    template: ClassVar[str]
    form: ClassVar[type[FlaskForm]]
    reads: ClassVar[frozenset[str]] = frozenset()
    writes: ClassVar[frozenset[str]] = frozenset()
    read_only: ClassVar[frozenset[str]] = frozenset()
    secret: ClassVar[frozenset[str]] = frozenset()  # form fields never echoed back
    hidden: ClassVar[bool] = False
    part_of: ClassVar[str | None] = None  # for hidden stages: the step whose number they show
    counter: ClassVar[bool] = True  # shows "Step N of M" (the confirmation does not)
    owner: ClassVar[str] = "bridge"

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return True

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        """Values to fill the form with, and anything else the template shows."""
        return {}

    def standing_problems(self, ctx: RegistrationContext) -> dict[str, Problem]:
        """Problems to show on arrival (e.g. Keycloak refused a detail typed earlier)."""
        return {}

    def passes_to(self, draft: RegistrationDraft, ctx: RegistrationContext) -> str | None:
        """Where the browser goes instead of this screen (a hand-off to Keycloak), if anywhere."""
        return None

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        raise NotImplementedError


@dataclass(frozen=True)
class KeycloakStep:
    """A step run by Keycloak at the first sign-in; counted, never rendered by the bridge."""

    name: str
    title: str
    hidden: bool = False
    owner: str = "keycloak"


PHONE = KeycloakStep("phone", "Phone Verification")
TERMS = KeycloakStep("terms", "Terms & Conditions")
KEYCLOAK_STEPS = (PHONE, TERMS)

PLANS: dict[str, tuple[str, ...]] = {
    "organization": ("account", "questionnaire", "organization", "individual", "merge",
                     "new_email", "password", "sign_in", PHONE.name, TERMS.name, "complete"),
    "individual": ("account", "individual", "merge", "new_email", "password", "sign_in",
                   PHONE.name, TERMS.name, "complete"),
}


def plan_for(account_type: str | None) -> tuple[str, ...]:
    return PLANS.get(account_type or "", PLANS[DEFAULT_ACCOUNT_TYPE])


def _step(name: str, stages: Mapping[str, Stage]) -> Stage | KeycloakStep:
    return next((s for s in KEYCLOAK_STEPS if s.name == name), None) or stages[name]


def visible_steps(account_type: str | None, stages: Mapping[str, Stage]) -> list[str]:
    """The steps the counter counts: every step of the plan that is not hidden."""
    return [name for name in plan_for(account_type) if not _step(name, stages).hidden]


def progress(draft: RegistrationDraft, stages: Mapping[str, Stage]) -> tuple[int, int | None]:
    """(N, M) of "Step N of M" for the draft's current stage; M is None on the first
    screen, where the account type that decides it is being chosen."""
    visible = visible_steps(draft.account_type, stages)
    stage = stages[draft.step]
    shown = stage.part_of if stage.hidden else stage.name
    number = visible.index(shown or visible[0]) + 1
    return number, (None if stage.name == plan_for(draft.account_type)[0] else len(visible))


def step_numbers(account_type: str | None, stages: Mapping[str, Stage]) -> dict[str, int]:
    """The numbers of the Keycloak-owned steps in this plan, and the count of all steps:
    ``{"phone": 6, "terms": 7, "steps": 7}`` for an Organization."""
    visible = visible_steps(account_type, stages)
    numbers = {step.name: visible.index(step.name) + 1 for step in KEYCLOAK_STEPS}
    return {**numbers, "steps": len(visible)}


def keycloak_step_params(account_type: str | None,
                         stages: Mapping[str, Stage]) -> dict[str, str]:
    """:func:`step_numbers` as the authorization request's query parameters."""
    return {f"kc_step_{name}" if name != "steps" else "kc_steps": str(number)
            for name, number in step_numbers(account_type, stages).items()}


def following_stage(draft: RegistrationDraft, ctx: RegistrationContext,
                    stages: Mapping[str, Stage]) -> str:
    """The next bridge stage of the plan that applies; Keycloak's steps happen in between
    (during the sign-in the ``sign_in`` stage hands off to)."""
    plan = plan_for(draft.account_type)
    for name in plan[plan.index(draft.step) + 1:]:
        step = _step(name, stages)
        if isinstance(step, Stage) and step.applies(draft, ctx):
            return name
    return plan[-1]


def run(stage: Stage, draft: RegistrationDraft, ctx: RegistrationContext,
        form: FlaskForm) -> Result:
    """The stage's submit, holding it to what it declared it writes."""
    before = to_json(ctx)
    result = stage.submit(draft, ctx, form)
    after = to_json(ctx)
    changed = {name for name in {*before, *after} if after.get(name) != before.get(name)}
    undeclared = changed - stage.writes
    if undeclared:
        raise AssertionError(f"stage {stage.name} wrote undeclared {sorted(undeclared)}")
    return result
