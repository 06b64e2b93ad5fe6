"""The wizard's shape: plans, the step counter, declared reads and writes, the context."""

from __future__ import annotations

import pytest
from flask_wtf import FlaskForm

from idp_bridge.registration import context as contexts
from idp_bridge.registration.context import FIELD_NAMES, Person, RegistrationContext
from idp_bridge.registration.engine import (
    PLANS,
    Advance,
    Result,
    Stage,
    keycloak_step_params,
    progress,
    run,
    step_numbers,
    visible_steps,
)
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages import STAGES


def test_visible_steps_come_from_the_plan_with_keycloaks_steps_counted():
    assert visible_steps("organization", STAGES) == [
        "account", "questionnaire", "organization", "individual", "password", "phone",
        "terms"]
    assert visible_steps("individual", STAGES) == [
        "account", "individual", "password", "phone", "terms"]


def test_keycloaks_steps_are_numbered_for_its_pages():
    assert step_numbers("organization", STAGES) == {"phone": 6, "terms": 7, "steps": 7}
    assert step_numbers("individual", STAGES) == {"phone": 4, "terms": 5, "steps": 5}
    assert keycloak_step_params("individual", STAGES) == {
        "kc_step_phone": "4", "kc_step_terms": "5", "kc_steps": "5"}


@pytest.mark.parametrize(("account_type", "step", "expected"), [
    ("organization", "account", (1, None)),  # the type that decides M is being chosen
    ("organization", "questionnaire", (2, 7)),
    ("organization", "individual", (4, 7)),
    ("organization", "merge", (4, 7)),  # the pop-up of Individual Enrollment
    ("organization", "new_email", (4, 7)),
    ("organization", "sign_in", (6, 7)),  # the hand-off leads into phone verification
    ("individual", "password", (3, 5)),
    (None, "account", (1, None)),
])
def test_the_counter_is_fixed_by_the_plan(account_type, step, expected):
    draft = RegistrationDraft(step=step, account_type=account_type)
    assert progress(draft, STAGES) == expected


def test_every_plan_step_is_a_stage_or_keycloaks():
    for plan in PLANS.values():
        for name in plan:
            assert name in STAGES or name in ("phone", "terms")


def test_stages_declare_only_fields_the_context_has(app):
    with app.test_request_context():
        _check_declarations()


def _check_declarations() -> None:
    for stage in STAGES.values():
        assert stage.reads <= FIELD_NAMES, stage.name
        assert stage.writes <= FIELD_NAMES, stage.name
        assert not stage.hidden or stage.part_of in {*PLANS["organization"]}, stage.name
        form_fields = {f.name for f in stage.form(meta={"csrf": False})}
        assert not (stage.read_only & form_fields), stage.name  # never taken from a form


class _Sneaky(Stage):
    name = "sneaky"
    writes = frozenset({"npi"})

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        ctx.npi = "1234567893"
        ctx.site_admin = True  # not declared
        return Advance()


def test_a_stage_writing_what_it_did_not_declare_is_stopped(app):
    with app.test_request_context(), pytest.raises(AssertionError, match="site_admin"):
        run(_Sneaky(), RegistrationDraft(step="sneaky"), RegistrationContext(),
            FlaskForm(meta={"csrf": False}))


def test_context_round_trips_and_ignores_unknown_keys():
    ctx = RegistrationContext(npi="1588000012", tin="391588001",
                              individual=Person(first_name="Ann", email="ann@clinic.test"))
    data = contexts.to_json(ctx)
    assert data["individual"]["email"] == "ann@clinic.test"  # the keys reconcile reads
    assert "existing_user_id" not in data  # unset fields are left out
    assert contexts.from_json({**data, "tampered": 1, "individual": {
        **data["individual"], "extra": "x"}}) == ctx


class _Recording(RegistrationContext):
    """A context that notes which fields are read."""

    def __getattribute__(self, name: str):  # type: ignore[no-untyped-def]
        if name in FIELD_NAMES:
            object.__getattribute__(self, "_read").add(name)
        return object.__getattribute__(self, name)


@pytest.mark.parametrize("step", ["account", "questionnaire", "organization", "individual",
                                  "merge", "new_email", "password", "sign_in", "complete"])
def test_stages_read_only_what_they_declare(wizard_at, app, step):
    wizard = wizard_at(step, merge_declined_email="old@clinic.test",
                       existing_user_id="someone")
    stage = STAGES[step]
    with app.test_request_context():
        recording = _Recording(**vars(wizard.context()))
        object.__setattr__(recording, "_read", set())
        draft = wizard.draft()
        stage.applies(draft, recording)
        stage.view(draft, recording)
        stage.standing_problems(recording)
        read = object.__getattribute__(recording, "_read")
    assert read <= stage.reads, sorted(read - stage.reads)


def test_the_confirmation_is_not_a_step():
    """The guides: the Terms & Conditions are "the last step"; the confirmation after them
    (or after merge YES, which skips them) shows no counter, so it never jumps."""
    assert STAGES["complete"].counter is False
    assert "complete" not in visible_steps("organization", STAGES)
