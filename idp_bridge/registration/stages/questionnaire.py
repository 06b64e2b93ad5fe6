"""Questionnaire: four questions built from the National Provider registry record."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp_bridge.npi.questionnaire import InvalidAnswer, Questionnaire, answers_to_prefill
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft


class QuestionnaireStage:
    name = "questionnaire"
    title = "Questionnaire"
    template = "registration/questionnaire.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return draft.account_type == "organization"

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        return {"questionnaire": Questionnaire.from_dict(draft.context["questionnaire"])}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        questionnaire = Questionnaire.from_dict(draft.context["questionnaire"])
        answers = {q.key: form.get(q.key, "") for q in questionnaire.questions}
        errors = {key: "Please select an answer." for key, value in answers.items() if not value}
        if errors:
            return Outcome(valid=False, errors=errors)
        try:
            prefill = answers_to_prefill(questionnaire, answers)
        except InvalidAnswer:
            # Only options we offered can be chosen; anything else is a tampered form.
            return Outcome.invalid(form="Please choose one of the options shown.")
        draft.update(prefill=prefill, questionnaire_answers=answers)
        return Outcome.ok()


STAGE = QuestionnaireStage()
