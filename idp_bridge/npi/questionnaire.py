"""The Organization Questionnaire: four questions from the registry record.

Each question mixes the record's true values with plausible ones from other records, in
random order, as the guides show. Options carry opaque values; what an answer means stays
on the server, so a tampered form can only pick among the options offered.
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass, field
from typing import Any

from idp_bridge.npi.registry import Address, Registry, RegistryRecord

OPTIONS_PER_QUESTION = 4
NO_DBA = "None of these (no Doing Business As name)"


class InvalidAnswer(ValueError):
    """An answer that was not one of the options offered."""


@dataclass
class Option:
    value: str
    label: str
    data: dict[str, str]


@dataclass
class Question:
    key: str
    prompt: str
    options: list[Option] = field(default_factory=list)


@dataclass
class Questionnaire:
    questions: list[Question]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Questionnaire:
        return cls([Question(q["key"], q["prompt"], [Option(**o) for o in q["options"]])
                    for q in data["questions"]])

    def answer(self, key: str, value: str) -> Option:
        question = next((q for q in self.questions if q.key == key), None)
        option = next((o for o in question.options if o.value == value), None) \
            if question else None
        if option is None:
            raise InvalidAnswer(f"{key}={value!r} was not offered")
        return option


def _address_data(address: Address) -> tuple[str, dict[str, str]]:
    return address.label(), {"address_line1": address.line1, "address_line2": address.line2,
                             "city": address.city, "state": address.state,
                             "zip": address.zip5}


def _choices(record: RegistryRecord) -> dict[str, list[tuple[str, dict[str, str]]]]:
    addresses = [a for a in (record.address("LOCATION"), record.address("MAILING")) if a]
    names = [record.name] + [o.name for o in record.other_names if o.type_code != "3"]
    return {
        "address": [_address_data(a) for a in addresses],
        "name": [(n, {"organization_name": n}) for n in names if n],
        "taxonomy": [(t.label(), {"taxonomy": t.code}) for t in record.taxonomies],
        "dba": [(n, {"doing_business_as": n}) for n in record.dba_names],
    }


PROMPTS = {
    "address": "Please select your most recent address:",
    "name": "Please select your name:",
    "taxonomy": "Please select your primary taxonomy:",
    "dba": "Please select Doing Business As:",
}


def build_questionnaire(record: RegistryRecord, registry: Registry,
                        rng: random.Random) -> Questionnaire:
    true_choices = _choices(record)
    others = [_choices(r) for r in registry.distractors(record.npi, record.entity_type, 12, rng)]
    questions = []
    for key, prompt in PROMPTS.items():
        picked = _dedupe(true_choices[key])[:OPTIONS_PER_QUESTION]
        if key == "dba" and not picked:
            picked = [(NO_DBA, {"doing_business_as": ""})]
        pool = _dedupe([c for other in others for c in other[key]])
        rng.shuffle(pool)
        labels = {label for label, _ in picked}
        for label, data in pool:
            if len(picked) >= OPTIONS_PER_QUESTION:
                break
            if label not in labels:
                picked.append((label, data))
                labels.add(label)
        rng.shuffle(picked)
        questions.append(Question(key, prompt, [
            Option(value=f"{key}-{i}", label=label, data=data)
            for i, (label, data) in enumerate(picked)]))
    return Questionnaire(questions)


def _dedupe(choices: list[tuple[str, dict[str, str]]]) -> list[tuple[str, dict[str, str]]]:
    seen: set[str] = set()
    unique = []
    for label, data in choices:
        if label not in seen:
            seen.add(label)
            unique.append((label, data))
    return unique


def answers_to_prefill(questionnaire: Questionnaire, answers: dict[str, str]) -> dict[str, str]:
    """The Organization Enrollment fields the chosen answers fill in."""
    prefill: dict[str, str] = {}
    for key in ("address", "name", "dba"):
        prefill.update(questionnaire.answer(key, answers[key]).data)
    questionnaire.answer("taxonomy", answers["taxonomy"])  # must be one offered, too
    return prefill
