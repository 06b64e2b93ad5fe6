"""Every journey of the guides in a real browser (Chromium), for each brand, both brands on
the same running bridge and Keycloak (``site`` is the brand's own address)."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from idp_bridge import clock
from idp_bridge.brand import BRANDS
from idp_bridge.organizations.models import Membership, Organization
from tests.browser import steps
from tests.support.org_keys import org_key

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


def register_org(journey, site, outbox, org, email) -> str:
    steps.sign_up_from_keycloak(journey, site)
    steps.account(journey, "organization", org["npi"], org["tin"])
    steps.questionnaire(journey)
    steps.organization(journey)
    steps.individual(journey, outbox, email)
    steps.password(journey)
    steps.keycloak_tail(journey, email, outbox)
    expect(journey.page.locator("#confirmation")).to_have_text(
        "Your organization's registration is complete!")
    journey.step("confirmation")
    return org_key(org)


def approve_as_plan_admin(journey, site, live_app, plan_admin, key) -> None:
    page = journey.new_person()
    steps.sign_in(journey, site, plan_admin["email"])
    page.get_by_role("link", name="Review organizations").click()
    with live_app.app_context():
        organization = Organization.query.filter_by(key=key).one()
        name, oid = organization.name, organization.id
    # The link to THIS organization: names repeat in the registry, and an older pending
    # organization of the same name comes first in the queue (oldest first).
    page.locator(f'a[href$="/admin/organizations/{oid}"]').click()
    page.get_by_label("Note").fill("Verification call completed")
    journey.step("plan-admin-review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"{name} approved.")).to_be_visible()


def test_organization_registration(journey, site, outbox, brand, fresh_org, live_app):
    email = new_email("org-admin")
    key = register_org(journey, site, outbox, fresh_org(), email)
    mail = outbox.latest(email, channel="email")
    assert "not an approval of access" in mail.body
    expected_reviewer = BRANDS[brand].reviewing_admin
    assert expected_reviewer in journey.page.content()
    with live_app.app_context():
        assert Organization.query.filter_by(key=key).one().status == "pending"


def test_plan_admin_approves_and_site_admin_signs_in(journey, site, outbox, fresh_org,
                                                     live_app, plan_admin, deliverer):
    email = new_email("org-admin")
    key = register_org(journey, site, outbox, fresh_org(), email)
    approve_as_plan_admin(journey, site, live_app, plan_admin, key)
    deliverer.wait_full_pass()  # a decision's email is the deliverer's to send
    assert "is approved" in outbox.latest(email, channel="email").body

    journey.new_person()
    steps.sign_in(journey, site, email)
    expect(journey.page.locator("#manage-users")).to_be_visible()
    journey.step("site-admin-home")


def test_individual_registers_is_approved_and_sees_their_role(journey, site, outbox,
                                                              fresh_org, live_app, plan_admin):
    admin_email = new_email("org-admin")
    org = fresh_org()
    key = register_org(journey, site, outbox, org, admin_email)
    approve_as_plan_admin(journey, site, live_app, plan_admin, key)

    page = journey.new_person()
    person = new_email("staff")
    steps.sign_up_from_keycloak(journey, site)
    steps.account(journey, "individual", org["npi"], org["tin"])
    steps.individual(journey, outbox, person, first="Casey", site_admin=False)
    steps.password(journey)
    steps.keycloak_tail(journey, person, outbox, method="voice")
    expect(page.locator("#confirmation")).to_have_text("Your registration is complete!")
    journey.step("individual-confirmation")

    page = journey.new_person()
    steps.sign_in(journey, site, admin_email)
    page.locator("#manage-users").click()
    row = page.locator("#pending tr", has_text=person)
    row.get_by_role("button", name="Approve").click()
    member = page.locator("#approved tr", has_text=person)
    member.get_by_role("button", name="Grant Claims").click()
    expect(page.locator("#approved tr", has_text=person)).to_contain_text("Claims")
    journey.step("site-admin-members")

    page = journey.new_person()
    steps.sign_in(journey, site, person)
    expect(page.locator("#roles")).to_have_text("Claims")
    journey.step("individual-home")


def test_merge_and_switch_organizations(journey, site, outbox, fresh_org, live_app,
                                        plan_admin):
    email = new_email("multi")
    first_key = register_org(journey, site, outbox, fresh_org(), email)
    approve_as_plan_admin(journey, site, live_app, plan_admin, first_key)

    page = journey.new_person()
    second = fresh_org()
    steps.sign_up_from_keycloak(journey, site)
    steps.account(journey, "organization", second["npi"], second["tin"])
    steps.questionnaire(journey)
    steps.organization(journey)
    steps.individual(journey, outbox, email, merge="yes")  # the pop-up, after Verify
    expect(page.locator("#confirmation")).to_be_visible()
    second_key = org_key(second)
    approve_as_plan_admin(journey, site, live_app, plan_admin, second_key)

    page = journey.new_person()
    steps.sign_in(journey, site, email)
    with live_app.app_context():
        names = {o.key: o.name for o in Organization.query.filter(
            Organization.key.in_([first_key, second_key]))}
    switcher = page.locator("#org-select")
    switcher.select_option(second_key)
    expect(page.locator("#current-organization h2")).to_have_text(names[second_key])
    journey.step("switched")
    page.locator("#org-select").select_option(first_key)
    expect(page.locator("#current-organization h2")).to_have_text(names[first_key])


def cooldown_over(monkeypatch, live_app) -> None:
    """The email code's resend cooldown is over: the bridge's clock (it runs in this process)
    moves on past it, instead of the test waiting for it."""
    now, cooldown = clock.epoch, live_app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"]
    monkeypatch.setattr(clock, "epoch", lambda: now() + cooldown + 0.2)


def test_failure_paths_a_user_really_hits(journey, site, outbox, fresh_org, live_app,
                                          plan_admin, monkeypatch):
    page = journey.page
    email = new_email("org-admin")
    org = fresh_org()
    key = register_org(journey, site, outbox, org, email)

    page = journey.new_person()  # 17712: the same organization again
    steps.sign_up_from_keycloak(journey, site)
    steps.account(journey, "organization", org["npi"], org["tin"])
    expect(page.get_by_text("17712 : An existing Organization was matched")).to_be_visible()
    expect(page.get_by_label("NPI", exact=True)).to_have_value(org["npi"])
    journey.step("17712")

    # Wrong and old email codes, then Back in the middle of the wizard.
    steps.account(journey, "individual", org["npi"], org["tin"])
    person = new_email("staff")
    page.get_by_label("Email Address - Login ID").fill(person)
    page.get_by_role("button", name="Send Code").click()
    old = outbox.latest(person, channel="email").code or ""
    cooldown_over(monkeypatch, live_app)
    page.get_by_role("button", name="Send Code").click()
    outbox.latest(person, channel="email", after=1)
    page.get_by_label("Email code").fill(old)
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("The code is incorrect.")).to_be_visible()
    journey.step("old-code")
    for _ in range(6):  # Back, as many times as it takes to reach the first screen
        if page.url.endswith("/register/account"):
            break
        page.go_back()
    page.reload()
    expect(page.locator("#no-going-back")).to_contain_text("can you go back")
    journey.step("back-button")

    # A password that breaks the policy, shown with Keycloak's own words.
    page.goto(f"{site}/register/individual")
    cooldown_over(monkeypatch, live_app)  # again
    steps.individual(journey, outbox, person, first="Casey", site_admin=False)
    page.locator("#password").fill("password")
    page.locator("#confirm_password").fill("password")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("#password-error")).to_contain_text(
        "Your password does not meet this requirement: Must contain at least one")
    journey.step("password-policy")
    steps.password(journey)
    steps.keycloak_tail(journey, person, outbox)

    # The site admin is approved, denies the newcomer, who then signs in to no access.
    approve_as_plan_admin(journey, site, live_app, plan_admin, key)
    page = journey.new_person()
    steps.sign_in(journey, site, email)
    page.locator("#manage-users").click()
    page.locator("#pending tr", has_text=person).get_by_role("button", name="Deny").click()
    with live_app.app_context():
        assert Membership.query.filter_by(email=person).one().status == "denied"
    page = journey.new_person()
    steps.sign_in(journey, site, person)
    expect(page.locator("#current-organization")).to_have_count(0)
    expect(page.locator("#header-organizations")).to_contain_text("(denied)")
    journey.step("denied-user")
