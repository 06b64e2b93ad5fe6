"""Create An Account, one screen at a time without Keycloak."""

from __future__ import annotations

import html
import re

from idp_bridge.messages import message
from tests.support.drafts import REGISTERED_ORG, SAMPLE_ORG

UNREGISTERED = {"npi": "1588000038", "tin": "39-1588003"}  # in the registry, not registered


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def posted_by(page: str, form_id: str) -> dict[str, str]:
    """The name=value pairs the form ``form_id`` posts (its inputs, in any attribute order)."""
    body = page.split(f'id="{form_id}"', 1)[1].split("</form>", 1)[0]
    pairs = {}
    for tag in re.findall(r"<input[^>]*>", body):
        name, value = re.search(r'name="([^"]*)"', tag), re.search(r'value="([^"]*)"', tag)
        if name:
            pairs[name.group(1)] = value.group(1) if value else ""
    return pairs


def test_the_first_screen_shows_no_total_that_could_change(wizard_at):
    page = text(wizard_at("account").get())
    # The total depends on the answer to this screen: none is shown yet, so none changes.
    assert "Step 1: " in page and "Step 1 of" not in page


def test_an_unregistered_pair_leads_to_organization_registration_with_it(wizard_at):
    wizard = wizard_at("account")
    refused = wizard.post({"account_type": "individual", **UNREGISTERED})
    assert refused.status_code == 422
    page = text(refused)
    assert message("org.not_registered") in page
    assert 'id="register-organization"' in page
    # The button carries the typed NPI and TIN as an Organization registration.
    carried = posted_by(page, "register-organization")
    assert carried["npi"] == UNREGISTERED["npi"]
    assert carried["tin"] == UNREGISTERED["tin"]
    taken = wizard.post({"account_type": "organization", **UNREGISTERED})
    assert taken.status_code == 302 and taken.location.endswith("/register/questionnaire")
    ctx = wizard.context()
    assert (ctx.npi, ctx.tin) == (UNREGISTERED["npi"], "391588003")
    assert wizard.draft().account_type == "organization"


def test_17712_shows_the_guides_tip_by_code(wizard_at):
    wizard = wizard_at("account")
    page = text(wizard.post({"account_type": "organization", "npi": REGISTERED_ORG["npi"],
                             "tin": REGISTERED_ORG["tin"]}))
    assert page.count("17712") == 1
    assert message("org.exists.tip", brand="dean") in page
    assert wizard.draft().step == "account"


def test_wellfirst_words_the_17712_tip_its_own_way():
    dean, wellfirst = (message("org.exists.tip", brand=b) for b in ("dean", "wellfirst"))
    assert dean != wellfirst
    assert "If not, correct the information and proceed." in wellfirst
    assert message("org.exists", brand="dean") == message("org.exists", brand="wellfirst")


def test_a_tin_prefix_the_irs_never_issued_is_refused_with_the_reason(wizard_at):
    wizard = wizard_at("account")
    for typed in ("00-1234567", "07-1234567", "961234567"):
        response = wizard.post({"account_type": "organization", "npi": SAMPLE_ORG["npi"],
                                "tin": typed})
        page = text(response)
        assert response.status_code == 422
        assert f"{typed[:2]} is not a prefix the IRS gives" in page
        assert f'value="{typed}"' in page  # kept as typed
    # A sole proprietor's SSN typed in its own shape is not an EIN prefix question.
    ssn = wizard.post({"account_type": "organization", "npi": SAMPLE_ORG["npi"],
                       "tin": "001-23-4567"})
    assert "is not a prefix" not in text(ssn)


def test_organization_path_builds_the_questionnaire(wizard_at):
    wizard = wizard_at("account")
    response = wizard.post({"account_type": "organization", "npi": SAMPLE_ORG["npi"],
                            "tin": "39-1588001"})
    assert response.location.endswith("/register/questionnaire")
    ctx = wizard.context()
    assert ctx.questionnaire and ctx.registry_name == "PRAIRIE FAMILY MEDICINE SC"


def test_the_wellfirst_site_shows_its_own_17712_follow_up(wizard_at, app):
    wizard_at("account")  # the registered organization exists
    client = app.test_client()
    base = "http://127.0.0.1:5000"
    client.get("/b/wellfirst/register", base_url=base)
    page = text(client.post("/b/wellfirst/register/account", base_url=base, data={
        "account_type": "organization", "npi": REGISTERED_ORG["npi"],
        "tin": REGISTERED_ORG["tin"]}))
    assert "17712" in page
    assert message("org.exists.tip", brand="wellfirst") in page
    assert message("org.exists.tip", brand="dean") not in page
