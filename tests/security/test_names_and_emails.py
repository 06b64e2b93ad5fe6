"""Issue 11, row 14: one definition of a valid name and email.

The same table goes through the Individual Enrollment rules and through Keycloak's user
profile (creating the login through the admin API, as Password Setup does); the two must agree
on every row, so nobody passes the screen only to be stuck at Password Setup.
"""

from __future__ import annotations

import itertools
import uuid

import pytest

from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.npi.models import NpiRecord
from idp_bridge.registration.validation import NAME_RULES, Refused, is_login_email, person_name
from tests.support.wizard import PASSWORD, WizardClient, person

pytestmark = pytest.mark.keycloak

NAMES = {
    "O'Brien-Smith (Jr.)": True, "Zoë": True, "Nguyễn Thị": True, "李": True,
    "St. John": True, "Jones, III": True, "D\u2019Angelo": True, "Smith (Jr.)": True,
    "Anne & Bob": False, "Lee #2": False, "<b>Bold</b>": False, "(Jr.)": False,
    "Agent 007": False, "semi;colon": False, "x" * 101: False,
    # Issue 19 row 12: Unicode 14 letters Keycloak's Java 17 (Unicode 13) does not know, and
    # a length Keycloak counts in UTF-16 units (60 code points, 120 units > 100).
    "\uA7C0": False, "\u0870": False, "\U00020000" * 60: False, "\U00020000" * 50: True,
}
EMAILS = {
    "o'brien@clinic.org": True, "first.last+tag@clinic-west.org": True,
    "x" * 64 + "@clinic.org": True, "UPPER_case%1@Clinic.ORG": True,
    "x" * 65 + "@clinic.org": False, "a..b@clinic.org": False, ".a@clinic.org": False,
    "a.@clinic.org": False, "zoë@clinic.org": False, "=2+5-x@example.test": False,
    "a@clinic": False, "a b@clinic.org": False, "a@-clinic.org": False,
}


def _unique(email: str) -> str:
    """Make a table email unique per run without changing what makes it valid or not."""
    local, _, domain = email.rpartition("@")
    return f"{local}@{uuid.uuid4().hex[:6]}.{domain}" if "." in domain else email


def _keycloak_accepts(keycloak, email: str, first: str, last: str) -> bool:
    try:
        user_id = keycloak.gateway.create_user(email, first, last, {}, required_actions=[])
    except GatewayError as exc:
        assert exc.status == 400, exc  # a refusal, not an outage
        return False
    keycloak.gateway.delete_user(user_id)
    return True


def _screen_accepts(name: str) -> bool:
    """Individual Enrollment's rule for a name field, length included."""
    try:
        person_name(name, "First Name")
    except Refused:
        return False
    return True


@pytest.mark.parametrize(("name", "valid"), NAMES.items())
def test_names_mean_the_same_to_the_screen_and_to_keycloak(keycloak, name, valid):
    email = f"name-{uuid.uuid4().hex[:8]}@clinic.test"
    assert _screen_accepts(name) == valid
    assert _keycloak_accepts(keycloak, email, name, "Baker") == valid
    assert _keycloak_accepts(keycloak, f"l{email}", "Jordan", name) == valid


@pytest.mark.parametrize(("email", "valid"), EMAILS.items())
def test_emails_mean_the_same_to_the_screen_and_to_keycloak(keycloak, email, valid):
    email = _unique(email) if valid else email
    assert is_login_email(email) == valid
    assert _keycloak_accepts(keycloak, email, "Jordan", "Baker") == valid


_tins = itertools.count(1)


def _wizard_at_individual(bridge, outbox, live_app) -> WizardClient:
    with live_app.app_context():
        npis = [r.npi for r in NpiRecord.query.filter_by(entity_type=2, active=True)
                .order_by(NpiRecord.npi).limit(200)]
    wizard = WizardClient(bridge, outbox)
    for npi in npis:  # the first organization nobody has registered yet
        wizard = WizardClient(bridge, outbox)
        wizard.account("organization", npi, f"43-{7700000 + next(_tins):07d}")
        if wizard.step == "questionnaire":
            break
    wizard.answer_questionnaire()
    wizard.organization()
    assert wizard.step == "individual"
    return wizard


def test_a_refused_name_is_explained_on_the_same_screen_with_what_was_typed(
        bridge, outbox, live_app):
    wizard = _wizard_at_individual(bridge, outbox, live_app)
    email = f"amp-{uuid.uuid4().hex[:8]}@clinic.test"
    page = wizard.individual(person(email, first_name="Anne & Bob", last_name="Lee #2"))
    assert page.status_code < 500
    assert wizard.step == "individual"
    assert NAME_RULES in page.text
    assert 'value="Anne &amp; Bob"' in page.text and 'value="Lee #2"' in page.text


def test_a_real_name_with_punctuation_gets_a_login(bridge, outbox, live_app, keycloak):
    wizard = _wizard_at_individual(bridge, outbox, live_app)
    email = f"o'brien-{uuid.uuid4().hex[:8]}@clinic.test"
    wizard.individual(person(email, first_name="Zoë", last_name="O'Brien-Smith (Jr.)"))
    assert wizard.step == "password", wizard.page.text[:2000] if wizard.page else ""
    wizard.password(PASSWORD)
    assert wizard.step == "sign_in", wizard.page.text[:2000] if wizard.page else ""
    created = keycloak.gateway.find_user_by_email(email)
    assert created is not None
    assert (created.first_name, created.last_name) == ("Zoë", "O'Brien-Smith (Jr.)")
