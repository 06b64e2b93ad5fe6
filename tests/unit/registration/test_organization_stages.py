"""Questionnaire and Organization Enrollment from drafts at those steps."""

from __future__ import annotations

import html

from tests.support.drafts import SAMPLE_ORG


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def test_questionnaire_needs_every_answer_and_only_offered_ones(wizard_at):
    wizard = wizard_at("questionnaire")
    questions = wizard.context().questionnaire["questions"]
    assert text(wizard.post({})).count("Please select an answer.") == len(questions)
    tampered = {q["key"]: "not-offered" for q in questions}
    assert "Please choose one of the options shown." in text(wizard.post(tampered))
    chosen = {q["key"]: q["options"][0]["value"] for q in questions}
    assert wizard.post(chosen).location.endswith("/register/organization")
    assert wizard.context().prefill


def test_organization_enrollment_keeps_npi_and_tin_from_the_draft(wizard_at):
    wizard = wizard_at("organization")
    page = text(wizard.get())
    assert f'value="{SAMPLE_ORG["npi"]}"' in page and 'value="39-1588001"' in page
    fields = {"organization_name": "PRAIRIE FAMILY MEDICINE", "address_line1": "1 MAIN ST",
              "city": "MADISON", "state": "wi", "zip": "53703",
              "business_phone": "(608) 555-0100", "email": "Office@Clinic.test",
              "npi": "1234567893", "tin": "99-9999999"}
    assert wizard.post(fields).location.endswith("/register/individual")
    details = wizard.context().organization
    assert (details.state, details.business_phone, details.email) == (
        "WI", "+16085550100", "office@clinic.test")
    assert wizard.context().npi == SAMPLE_ORG["npi"]


def test_organization_enrollment_refusals_are_per_field_with_typed_values_kept(wizard_at):
    wizard = wizard_at("organization")
    page = text(wizard.post({"organization_name": "", "address_line1": "1 MAIN ST",
                             "city": "MADISON", "state": "Wisconsin", "zip": "5370",
                             "business_phone": "555-01", "email": "office-at-clinic",
                             "doing_business_as": "KEEP ME"}))
    for expected in ("Organization Name is required.", "Enter a two-letter US state",
                     "Zip must be 5 digits", "Business Phone must be a valid phone number",
                     "Enter a valid email address"):
        assert expected in page
    assert 'value="KEEP ME"' in page and 'value="Wisconsin"' in page
