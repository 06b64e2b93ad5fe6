"""Questionnaire: four questions built from the National Provider registry record."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm

from idp_bridge.messages import problem
from idp_bridge.npi.questionnaire import InvalidAnswer, Questionnaire, answers_to_prefill
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Advance, Invalid, Result, Stage
from idp_bridge.registration.forms import QuestionnaireForm
from idp_bridge.registration.models import RegistrationDraft


class QuestionnaireStage(Stage):
    name = "questionnaire"
    title = "Questionnaire"
    template = "registration/questionnaire.html"
    form = QuestionnaireForm
    reads = frozenset({"questionnaire"})
    writes = frozenset({"prefill"})

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return draft.account_type == "organization"

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        return {"questionnaire": self._questionnaire(ctx)}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        questionnaire = self._questionnaire(ctx)
        answers = {q.key: form[q.key].data or "" for q in questionnaire.questions}
        missing = {key: problem("answer.required") for key, value in answers.items()
                   if not value}
        if missing:
            return Invalid(missing)
        try:
            ctx.prefill = answers_to_prefill(questionnaire, answers)
        except InvalidAnswer:
            # Only options we offered can be chosen; anything else is a tampered form.
            return Invalid({"form": problem("answer.tampered")})
        return Advance()

    @staticmethod
    def _questionnaire(ctx: RegistrationContext) -> Questionnaire:
        assert ctx.questionnaire is not None
        return Questionnaire.from_dict(ctx.questionnaire)


STAGE = QuestionnaireStage()
