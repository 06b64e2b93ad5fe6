"""Every field's bad input gets its own message on the same screen, with what was typed kept."""

from __future__ import annotations

import html

import pytest

from tests.support.registry_data import DEACTIVATED, ORGANIZATIONS
from tests.support.wizard import WizardClient, person

pytestmark = pytest.mark.keycloak
GOOD_NPI, GOOD_TIN = ORGANIZATIONS[6]["npi"], ORGANIZATIONS[6]["tin"]


@pytest.fixture
def wizard(bridge, outbox) -> WizardClient:
    return WizardClient(bridge, outbox)


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"npi": GOOD_NPI, "tin": GOOD_TIN}, "Please select your account type."),
        ({"account_type": "organization", "npi": "", "tin": GOOD_TIN}, "NPI is required."),
        ({"account_type": "organization", "npi": "15880", "tin": GOOD_TIN},
         "NPI must be exactly 10 digits."),
        ({"account_type": "organization", "npi": "15880000AB", "tin": GOOD_TIN},
         "NPI must be exactly 10 digits."),
        ({"account_type": "organization", "npi": "1588000013", "tin": GOOD_TIN},
         "This is not a valid NPI: please check the digits."),
        ({"account_type": "organization", "npi": GOOD_NPI, "tin": ""}, "TIN is required."),
        ({"account_type": "organization", "npi": GOOD_NPI, "tin": "39-15880"},
         "TIN must be 9 digits, e.g. 12-3456789."),
        ({"account_type": "organization", "npi": GOOD_NPI, "tin": "07-0000000"},
         "07 is not a prefix the IRS gives to any Employer Identification Number (EIN): please "
         "check the first two digits."),
        ({"account_type": "organization", "npi": GOOD_NPI, "tin": "000-12-3456"},
         "This is not a valid TIN (EIN, or SSN/ITIN for a sole proprietor): please check "
         "the digits."),
        ({"account_type": "organization", "npi": DEACTIVATED["npi"], "tin": DEACTIVATED["tin"]},
         "This NPI is not active in the National Provider registry."),
        ({"account_type": "organization", "npi": "1234567893", "tin": GOOD_TIN},
         "This NPI was not found in the National Provider registry."),
    ],
)
def test_account_step_messages(wizard, form, message):
    wizard.start()
    page = wizard.post("account", form)
    assert wizard.step == "account"
    assert message in page.text
    for value in form.values():
        if value:
            assert f'value="{value}"' in page.text  # typed values are kept


def _to_organization_step(wizard: WizardClient) -> None:
    wizard.account("organization", GOOD_NPI, GOOD_TIN)
    assert wizard.step == "questionnaire"


def test_questionnaire_needs_every_answer_and_refuses_tampered_ones(wizard):
    _to_organization_step(wizard)
    page = wizard.post("questionnaire", {})
    assert page.text.count("Please select an answer.") == 4
    tampered = {k: "name-99" for k in ("address", "name", "taxonomy", "dba")}
    assert "Please choose one of the options shown." in wizard.post("questionnaire",
                                                                      tampered).text
    assert wizard.step == "questionnaire"


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("organization_name", "", "Organization Name is required."),
        ("address_line1", "", "Address Line One is required."),
        ("city", "", "City is required."),
        ("state", "Wisconsin", "Enter a two-letter US state, e.g. WI."),
        ("zip", "5371", "Zip must be 5 digits (or ZIP+4), e.g. 53715."),
        ("business_phone", "555-01", "Business Phone must be a valid phone number, "
                                     "e.g. 608-555-1234."),
        ("business_phone", "", "Business Phone is required."),
        ("email", "office-at-clinic", "Enter a valid email address, e.g. name@clinic.org."),
        ("email", "", "Email is required."),
    ],
)
def test_organization_enrollment_messages(wizard, field, typed, message):
    _to_organization_step(wizard)
    wizard.answer_questionnaire()
    page = wizard.organization(**{field: typed, "doing_business_as": "KEEP ME DBA"})
    assert wizard.step == "organization"
    assert message in page.text
    assert 'value="KEEP ME DBA"' in page.text
    if typed:
        assert f'value="{typed}"' in page.text


def test_organization_enrollment_ignores_a_tampered_npi(wizard):
    _to_organization_step(wizard)
    wizard.answer_questionnaire()
    page = wizard.organization(npi="1234567893", tin="99-9999999", zip="bad")
    assert f'value="{GOOD_NPI}"' in page.text and "1234567893" not in page.text
    assert 'value="39-1588007"' in page.text


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("first_name", "", "First Name is required."),
        ("last_name", "", "Last Name is required."),
        ("phone", "12", "Phone must be a valid phone number, e.g. 608-555-1234."),
        ("job_title", "", "Job Title is required."),
        ("email", "pat@", "Enter a valid email address, e.g. name@clinic.org."),
        ("opt_in", "", "Please select Opt In or Opt Out for electronic communications."),
    ],
)
def test_individual_enrollment_messages(wizard, unique_email, field, typed, message):
    _to_organization_step(wizard)
    wizard.answer_questionnaire()
    wizard.organization()
    page = wizard.post("individual", {**person(unique_email), field: typed,
                                      "site_admin": "yes", "action": "continue"})
    assert wizard.step == "individual"
    assert message in page.text
    assert 'value="Office Manager"' in page.text or field == "job_title"


def test_site_admin_agreement_is_required_for_the_first_user(wizard, unique_email):
    _to_organization_step(wizard)
    wizard.answer_questionnaire()
    wizard.organization()
    assert ("By selecting this, you are agreeing that you will become this organization's "
            "initial Site Administrator.") in html.unescape(wizard.page.text)
    page = wizard.individual(person(unique_email), site_admin=False)
    assert "You must agree to be the organization's initial Site Administrator" in html.unescape(
        page.text)
    assert wizard.step == "individual"
