"""The guides' sign-up journeys through the real bridge and the real Keycloak."""

from __future__ import annotations

import html
import time
from datetime import timedelta

import pytest

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration import context
from idp_bridge.registration.cleanup import remove_expired_drafts
from idp_bridge.registration.models import RegistrationDraft, TermsAcceptance
from tests.support.forms import form_by_id
from tests.support.org_keys import org_key
from tests.support.registry_data import ORGANIZATIONS, PROFESSIONAL
from tests.support.wizard import (
    PASSWORD,
    POLICY_VIOLATIONS,
    WizardClient,
    handed_off,
    person,
    register_organization,
    sign_in_and_finish,
)

pytestmark = pytest.mark.keycloak


@pytest.fixture
def wizard(bridge, outbox) -> WizardClient:
    return WizardClient(bridge, outbox)


def test_organization_registration_to_completion(wizard, live_app, keycloak, outbox,
                                                 unique_email):
    org = ORGANIZATIONS[0]
    page = register_organization(wizard, org, unique_email)

    assert page.url.endswith("/register/complete")
    assert "Your organization's registration is complete!" in page.text
    assert "Dean Health Plan Administrator" in page.text
    assert "Thank you, and welcome to the Dean Health Plan Provider Portal!" in page.text
    # Still part of the registration: an optional passkey, through Keycloak's own ceremony.
    assert 'id="add-passkey-now"' in page.text
    offer = wizard.http.post(f"{wizard.bridge_url}/security/passkeys/add",
                             data={"csrf_token": wizard.csrf()}, allow_redirects=False,
                             timeout=30)
    assert "kc_action=webauthn-register-passwordless" in offer.headers["Location"]
    mail = outbox.latest(unique_email, channel="email")
    assert "confirmation of registration only, and not an approval of access" in mail.body

    with live_app.app_context():
        organization = Organization.query.filter_by(key=org_key(org)).one()
        assert organization.status == "pending"
        membership = organization.memberships[0]
        assert (membership.email, membership.status, membership.is_site_admin) == (
            unique_email, "pending", True)
        assert TermsAcceptance.query.filter_by(user_id=membership.user_id).one().version
        group = keycloak.gateway.group_by_path(f"/provider-orgs/{organization.key}")
        assert group is not None and group["attributes"]["npi"] == [org["npi"]]
        # Registered is not approved: no access is granted in Keycloak yet.
        assert keycloak.gateway.user_group_paths(membership.user_id) == []
    user = keycloak.gateway.find_user_by_email(unique_email)
    assert user.attribute("job_title") == "Office Manager"
    assert user.attribute("work_phone") == "+16085550142"
    assert user.attribute("communications_opt_in") == "in"


@pytest.fixture(scope="module")
def registered_org(bridge, outbox, keycloak):
    """An organization registered once for the individual-path tests."""
    wizard = WizardClient(bridge, outbox)
    email = f"siteadmin-{int(time.time() * 1000)}@clinic.test"
    register_organization(wizard, ORGANIZATIONS[1], email)
    return {**ORGANIZATIONS[1], "admin_email": email}


def test_17712_when_the_organization_already_exists(wizard, registered_org):
    page = wizard.account("organization", registered_org["npi"], registered_org["tin"])
    assert wizard.step == "account"
    assert ("17712 : An existing Organization was matched for the given NPI and TIN. Please "
            "select individual to continue to register as a Individual with this "
            "Organization.") in page.text
    assert f'value="{registered_org["npi"]}"' in page.text  # what was typed is kept


def test_individual_registers_under_the_organization_without_site_admin_checkbox(
        wizard, registered_org, live_app, outbox, unique_email):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    assert wizard.step == "individual"
    assert "initial Site Administrator" not in wizard.page.text
    assert f'value="{registered_org["npi"]}"' in wizard.page.text  # prefilled, read-only

    wizard.individual(person(unique_email, first_name="Casey"), site_admin=False)
    assert wizard.step == "password"
    wizard.password(PASSWORD)
    page = sign_in_and_finish(wizard, unique_email)

    assert "Your registration is complete!" in page.text
    assert "reviewed by the Organization's Site Administrator" in page.text
    assert ("Individual users cannot be added without the approval of the Organization Site "
            "Administrator.") in page.text
    assert "Thank you, and welcome to the Dean Health Plan Provider Portal!" in page.text
    with live_app.app_context():
        membership = Membership.query.filter_by(email=unique_email).one()
        assert (membership.status, membership.is_site_admin) == ("pending", False)


def test_professional_npi_cannot_register_an_organization(wizard):
    page = wizard.account("organization", PROFESSIONAL["npi"], PROFESSIONAL["tin"])
    assert wizard.step == "account"
    assert "An organizational NPI is required" in page.text


def test_unknown_pair_sends_the_individual_to_organization_registration(wizard):
    org = ORGANIZATIONS[2]
    page = wizard.account("individual", org["npi"], org["tin"])
    assert wizard.step == "account"
    assert "No Organization account is registered with this NPI and TIN" in page.text
    # The guide's way on: Organization registration, NPI and TIN carried over.
    button = form_by_id(page.text, page.url, "register-organization")
    assert (button.fields["account_type"], button.fields["npi"], button.fields["tin"]) == (
        "organization", org["npi"], org["tin"])
    assert "Register your Organization" in page.text
    taken = wizard.post("account", {k: v for k, v in button.fields.items()
                                    if k != "csrf_token"})
    assert wizard.step == "questionnaire", taken.text[:2000]


def test_email_code_rules_over_http(wizard, registered_org, live_app, outbox, unique_email,
                                    monkeypatch):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    someone = person(unique_email)

    wizard.send_code(someone)
    assert "Email has been sent. Please check your inbox." in wizard.page.text
    first = outbox.latest(unique_email, channel="email").code
    resend = wizard.send_code(someone)
    assert "Please wait" in resend.text  # cooldown
    import idp_bridge.clock as clock

    # The cooldown is over: the bridge's clock moves on past it (no waiting for it).
    real, cooldown = clock.epoch, live_app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"]
    monkeypatch.setattr(clock, "epoch", lambda: real() + cooldown + 0.2)
    wizard.send_code(someone)
    second = outbox.latest(unique_email, channel="email", after=1).code
    assert first != second

    old = wizard.verify_email(someone, first)
    assert "The code is incorrect. 4 tries left." in old.text
    assert f'value="{unique_email}"' in old.text  # typed values kept
    for left in ("3 tries", "2 tries", "1 try"):
        assert f"{left} left" in wizard.verify_email(someone, "000000").text
    assert "Too many incorrect codes" in wizard.verify_email(someone, "000000").text
    locked = wizard.verify_email(someone, second)  # even the right code, now
    assert "Too many incorrect codes" in locked.text
    refused = wizard.post("individual", {**someone, "site_admin": "yes", "action": "continue"})
    assert "You must verify your email address before continuing." in refused.text


def test_expired_email_code_is_refused(wizard, registered_org, outbox, unique_email,
                                       monkeypatch):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    someone = person(unique_email)
    wizard.send_code(someone)
    code = outbox.latest(unique_email, channel="email").code

    import idp_bridge.clock as clock

    later = time.time() + 10 * 60 + 5
    monkeypatch.setattr(clock, "epoch", lambda: later)  # the bridge's clock, 10 min on
    page = wizard.verify_email(someone, code)
    assert "This code has expired. Please click Send Code for a new code." in page.text


def test_verified_email_shows_green_confirmation(wizard, registered_org, unique_email):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    someone = person(unique_email)
    wizard.send_code(someone)
    page = wizard.verify_email(someone)
    assert 'class="success"' in page.text and "Email Validated Successfully" in page.text


def test_merge_yes_joins_the_existing_login(wizard, registered_org, live_app, keycloak):
    admin_email = registered_org["admin_email"]
    second_org = ORGANIZATIONS[3]
    register_organization_until_individual = wizard.account(
        "organization", second_org["npi"], second_org["tin"])
    assert register_organization_until_individual.ok
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(admin_email))
    assert wizard.step == "merge"
    assert ("An active account already exists for this email. Would you like to merge your "
            "current registration process to this existing account?") in wizard.page.text

    page = wizard.post("merge", {"merge": "yes"})
    assert "Your organization's registration is complete!" in page.text
    user = keycloak.gateway.find_user_by_email(admin_email)
    with live_app.app_context():
        orgs = {m.organization.key for m in Membership.query.filter_by(user_id=user.id)}
    assert org_key(second_org) in orgs and len(orgs) == 2


def test_merge_no_asks_for_another_email_and_says_why(wizard, registered_org, unique_email):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    wizard.individual(person(registered_org["admin_email"]), site_admin=False)
    assert wizard.step == "merge"
    page = wizard.post("merge", {"merge": "no"})
    assert wizard.step == "new_email"  # forward: a screen of its own, not back
    assert 'value="Jordan"' in page.text  # the rest of what they typed is still there
    assert f'value="{registered_org["admin_email"]}"' not in page.text
    explained = html.unescape(page.text)
    assert "You chose not to merge this registration with the existing login" in explained
    assert "Please enter a new email address below, click Send Code" in explained

    wizard.individual(person(unique_email), site_admin=False)
    assert wizard.step == "password"


def test_merge_no_then_another_existing_login_is_refused_on_the_same_screen(
        wizard, registered_org):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    wizard.individual(person(registered_org["admin_email"]), site_admin=False)
    wizard.post("merge", {"merge": "no"})
    page = wizard.individual(person(registered_org["admin_email"]), site_admin=False)
    assert wizard.step == "new_email"
    assert "An account already exists for this email address too" in html.unescape(page.text)


@pytest.mark.parametrize(("password", "message"), POLICY_VIOLATIONS)
def test_password_step_names_the_broken_rule_as_the_guide_lists_it(
        wizard, registered_org, unique_email, password, message):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    wizard.individual(person(unique_email), site_admin=False)
    page = wizard.password(password)
    assert wizard.step == "password"
    assert message in page.text
    assert "Must contain at least one Upper case letter" in page.text  # read from the realm
    assert handed_off(wizard.password(PASSWORD))


def test_mismatched_confirmation_is_refused(wizard, registered_org, unique_email):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    wizard.individual(person(unique_email), site_admin=False)
    assert "Passwords do not match." in wizard.password(PASSWORD, "Provider2!").text


def test_no_going_back_and_replays_change_nothing(wizard, registered_org, live_app):
    wizard.account("individual", registered_org["npi"], registered_org["tin"])
    assert wizard.step == "individual"

    back = wizard.get("account")
    assert back.status_code == 409
    assert "At no point during the registration process can you go back" in back.text
    assert "Individual Enrollment" in back.text

    replay = wizard.post("account", {"account_type": "organization",
                                     "npi": ORGANIZATIONS[2]["npi"],
                                     "tin": ORGANIZATIONS[2]["tin"]})
    assert replay.status_code == 409
    with live_app.app_context():
        draft_id = wizard.http.cookies.get("session")
        assert draft_id
    assert f'value="{registered_org["npi"]}"' in replay.text  # still the first answers

    restarted = wizard.post("restart", {})
    assert restarted.url.endswith("/register/account")


def test_abandoned_registration_leaves_nothing_behind(wizard, live_app, keycloak, unique_email):
    org = ORGANIZATIONS[4]
    wizard.account("organization", org["npi"], org["tin"])
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(unique_email))
    wizard.password(PASSWORD)
    assert keycloak.gateway.find_user_by_email(unique_email) is not None  # login made

    with live_app.app_context():
        for draft in RegistrationDraft.query.filter_by(completed_at=None):
            if context.load(draft).email == unique_email:
                draft.expires_at = utcnow() - timedelta(minutes=1)
        db.session.commit()
        assert remove_expired_drafts() >= 1
        assert Organization.query.filter_by(key=org_key(org)).first() is None
    assert keycloak.gateway.find_user_by_email(unique_email) is None
    assert keycloak.gateway.group_by_path(f"/provider-orgs/{org_key(org)}") is None
