"""The guides to the letter (issue 21): each row, in a real browser, on both brands (one
running bridge and Keycloak), reading what a person sees: the text, the selected option's
text, the address, the header; every screen audited by axe at desktop and 390 px
(``journey.step``: 0 serious/critical, nothing cut off on a phone).

Rows 2 and 13 (the reset email's brand, the reset page's password rules) are read through
Keycloak and the SMTP sink in ``tests/keycloak_plugin/test_reset.py``."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect

from idp_bridge.brand import BRANDS
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from tests.browser import steps
from tests.support.keycloak_login import e164, new_phone_number
from tests.support.org_keys import org_key
from tests.support.organizations import new_organization

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


def counter(page: Page) -> str:
    return page.locator(".progress").inner_text()


def selected_text(page: Page, selector: str) -> str:
    """The text of the option a person sees in a dropdown."""
    return str(page.eval_on_selector(selector, "s => s.options[s.selectedIndex]?.text ?? ''"))


# Rows 3, 4, 5: the guides' addresses open the Log In page ----------------------------------

def test_row3_4_5_the_guides_addresses_open_the_log_in_page(journey, site, brand, keycloak):
    page = journey.page
    for address in ("/", "/Signin"):  # Dean's guide: the root; WellFirst's: …/Signin
        page.goto(site + address)
        expect(page.locator("#kc-form-login")).to_be_visible()
        assert page.url.startswith(keycloak.base_url), page.url
        expect(page.locator("#kc-page-title")).to_have_text(re.compile(r"\s*Log In\s*"))
    panel = page.locator("#brand-panel")
    if brand == "dean":  # Dean's Log In page: the plan's panel
        expect(panel).to_be_visible()
        expect(panel.locator(".brand-panel-name")).to_have_text("Dean Health Plan")
        expect(panel.locator(".brand-panel-tagline")).to_have_text("A member of SSM Health")
    else:  # WellFirst's guide shows none
        expect(panel).to_have_count(0)
    journey.step("log-in")


# Rows 1, 6, 7, 9, 10, 14: a registration as the guides show it ------------------------------

def test_rows_1_6_7_9_10_14_an_organization_registers_as_the_guides_show(
        journey, site, brand, outbox, fresh_org, live_app, plan_admin):
    page = journey.page
    org, email = fresh_org(), new_email("guides")
    steps.sign_up_from_keycloak(journey, site)

    # Row 9: the first screen decides M, so it names no total, and picking a type changes
    # nothing; from the second screen on the total is 7 and never changes.
    expect(page.locator(".progress")).to_have_text("Step 1: Create An Account")
    page.get_by_label("Organization", exact=True).check()
    expect(page.locator(".progress")).to_have_text("Step 1: Create An Account")
    page.get_by_label("NPI", exact=True).fill(org["npi"])
    page.get_by_label("TIN", exact=True).fill(org["tin"])
    journey.step("account")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".progress")).to_have_text(re.compile(r"^Step 2 of 7: "))
    steps.questionnaire(journey)

    # Row 10: the "?" beside Organization Email.
    expect(page.locator(".progress")).to_have_text(re.compile(r"^Step 3 of 7: "))
    help_text = page.locator("#email-help-text")
    expect(help_text).to_be_hidden()
    page.get_by_label("Help: which email address to use").click()
    expect(help_text).to_have_text("This should be a work email address.")
    journey.step("organization-email-help")
    page.get_by_label("Business Phone").fill("608-555-0100")
    page.get_by_label("Email", exact=True).fill("office@clinic.test")
    page.get_by_role("button", name="Continue").click()

    # Row 1: Opt In on first render and after the email code is verified; row 7: the Ext. box.
    expect(page.locator(".progress")).to_have_text(re.compile(r"^Step 4 of 7: "))
    assert selected_text(page, "#opt_in") == "Opt In"
    page.get_by_label("First Name").fill("Jordan")
    page.get_by_label("Last Name").fill("Baker")
    page.get_by_label("Phone", exact=True).fill("608-555-0142")
    page.get_by_label("Ext.").fill("123")
    page.get_by_label("Job Title").fill("Office Manager")
    page.get_by_label("Email Address - Login ID").fill(email)
    sent = outbox.count(email, channel="email")
    page.get_by_role("button", name="Send Code").click()
    expect(page.get_by_text("Email has been sent. Please check your inbox.")).to_be_visible()
    page.get_by_label("Email code").fill(outbox.latest(email, channel="email", after=sent).code
                                         or "")
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#email-validated")).to_have_text("Email Validated Successfully")
    assert selected_text(page, "#opt_in") == "Opt In"
    expect(page.get_by_label("Ext.")).to_have_value("123")
    page.locator("input[name=site_admin]").check()
    journey.step("individual-verified")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator(".progress")).to_have_text(re.compile(r"^Step 5 of 7: "))
    steps.password(journey)

    # Row 6: Keycloak's phone page: Text or Voice first, then the number.
    page.wait_for_selector("#kc-phone-form")
    expect(page.locator("#portal-step")).to_have_text("Step 6 of 7")
    expect(page.get_by_label("Enroll SMS (Text) Verification")).not_to_be_checked()
    expect(page.get_by_label("Enroll Voice (Call) Verification")).not_to_be_checked()
    expect(page.get_by_label("Phone Number")).to_be_hidden()
    journey.step("phone-choose-method")
    page.get_by_label("Enroll Voice (Call) Verification").check()
    expect(page.locator("#phone-heading")).to_have_text("Enroll In Voice(Call) Verification")
    number = new_phone_number()
    page.get_by_label("Phone Number").fill(number)
    sent = outbox.count(e164(number), channel="voice")
    page.get_by_role("button", name="Request Code").click()
    code = outbox.latest(e164(number), channel="voice", after=sent).code or ""
    page.get_by_label("Verification Code").fill(code)
    page.get_by_role("button", name="Verify Code").click()
    expect(page.get_by_text("Voice enrolled successfully")).to_be_visible()
    journey.step("phone-enrolled")
    page.get_by_role("button", name="Continue").click()

    expect(page.locator("#portal-step")).to_have_text("Step 7 of 7")
    accept = page.get_by_role("button", name="Accept Terms & Conditions")
    accept.scroll_into_view_if_needed()
    journey.step("terms")
    accept.click()

    # The confirmation is not a step: no counter that could jump.
    expect(page.locator("#confirmation")).to_have_text(
        "Your organization's registration is complete!")
    expect(page.locator(".progress")).to_have_count(0)
    journey.step("confirmation")
    key = org_key(org)
    with live_app.app_context():
        organization = Organization.query.filter_by(key=key).one()
        name, oid = organization.name, organization.id
        member = Membership.query.filter_by(email=email).one()
        assert member.communications_opt_in is True
        assert member.phone == "+16085550142;ext=123"

    # Row 14: waiting for approval, the header names the organization (no empty dropdown).
    page = journey.new_person()
    steps.sign_in(journey, site, email)
    expect(page.locator("#header-organizations")).to_have_text(f"{name} (pending)")
    expect(page.locator("#org-select")).to_have_count(0)
    expect(page.locator("#no-access")).to_be_visible()
    journey.step("pending-home")

    # Row 7: the extension is shown to the plan administrator who "will call to verify".
    page = journey.new_person()
    steps.sign_in(journey, site, plan_admin["email"])
    page.goto(f"{site}/admin/organizations/{oid}")
    expect(page.locator("td.phone")).to_have_text("(608) 555-0142 ext. 123")
    journey.step("review-with-extension")


# Row 12: each plan's administrator reviews its own registrations ---------------------------

def test_row12_each_plan_reviews_its_own_registrations(journey, site, brand, keycloak,
                                                         live_app, make_plan_admin):
    other = next(key for key in BRANDS if key != brand)
    ids = {}
    with live_app.app_context():
        for key in (brand, other):
            organization = new_organization(keycloak.gateway, status="pending")
            organization.brand, organization.name = key, f"Guides {key} {uuid.uuid4().hex[:6]}"
            db.session.commit()
            ids[key] = (organization.id, organization.name)
    admin = make_plan_admin(f"plan-admin-{brand}")

    page = journey.page
    steps.sign_in(journey, site, admin["email"])
    page.locator("#review-organizations").click()
    expect(page.locator("#admin-brands")).to_have_text(
        f"Registrations of: {BRANDS[brand].plan_name}")
    mine = page.locator("#organizations tr", has_text=ids[brand][1])
    expect(mine.locator(".org-brand")).to_have_text(BRANDS[brand].plan_name)
    expect(page.locator("#organizations")).not_to_contain_text(ids[other][1])
    journey.step("brand-admin-queue")

    # The other brand's organization, by URL: refused, to read and to decide.
    assert page.goto(f"{site}/admin/organizations/{ids[other][0]}").status == 403
    page.goto(f"{site}/admin/organizations/{ids[brand][0]}")
    expect(page.locator("#org-brand")).to_have_text(BRANDS[brand].plan_name)
    token = page.locator("input[name=csrf_token]").first.get_attribute("value") or ""
    refused = page.request.post(f"{site}/admin/organizations/{ids[other][0]}/approve",
                                form={"csrf_token": token, "note": "by URL"},
                                max_redirects=0)
    assert refused.status == 403
    with live_app.app_context():
        assert db.session.get(Organization, ids[other][0]).status == "pending"


def test_row12_the_central_team_sees_and_filters_every_brand(journey, site, brand, keycloak,
                                                              live_app, plan_admin):
    names = {}
    with live_app.app_context():
        for key in BRANDS:
            organization = new_organization(keycloak.gateway, status="pending")
            organization.brand, organization.name = key, f"Central {key} {uuid.uuid4().hex[:6]}"
            db.session.commit()
            names[key] = organization.name
    page = journey.page
    steps.sign_in(journey, site, plan_admin["email"])
    page.goto(f"{site}/admin/organizations?status=pending&q=Central")
    for key in BRANDS:
        expect(page.locator("#organizations")).to_contain_text(names[key])
    page.locator("#brand-filter").select_option(brand)
    page.get_by_role("button", name="Search").click()
    assert selected_text(page, "#brand-filter") == BRANDS[brand].plan_name
    expect(page.locator("#organizations")).to_contain_text(names[brand])
    other = next(key for key in BRANDS if key != brand)
    expect(page.locator("#organizations")).not_to_contain_text(names[other])
    journey.step("central-team-queue")


# Row 8: the merge question, a pop-up right after the email is verified ---------------------

def _to_individual_enrollment(journey, site: str, org: dict[str, str]) -> None:
    page = journey.page
    page.goto(f"{site}/register")
    page.get_by_label("Organization", exact=True).check()
    page.get_by_label("NPI", exact=True).fill(org["npi"])
    page.get_by_label("TIN", exact=True).fill(org["tin"])
    page.get_by_role("button", name="Continue").click()
    for fieldset in page.locator("fieldset.question").all():
        fieldset.locator("input[type=radio]").first.check()
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Business Phone").fill("608-555-0100")
    page.get_by_label("Email", exact=True).fill("office@clinic.test")
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="Individual Enrollment")).to_be_visible()


def test_row8_the_merge_question_is_a_modal_dialog_after_verify(journey, site, brand, outbox,
                                                                fresh_org, keycloak):
    email = new_email("merge")
    keycloak.gateway.create_user(email, "Jordan", "Baker", {})  # an existing login
    _to_individual_enrollment(journey, site, fresh_org())
    page = journey.page
    steps.individual(journey, outbox, email, merge="yes")  # asserts the dialog, then YES
    expect(page.locator("#confirmation")).to_be_visible()
    expect(page.locator(".progress")).to_have_count(0)  # nothing jumps to "Step 7 of 7"
    journey.step("merged")


def test_row8_without_script_the_merge_question_still_works(journey, site, brand, outbox,
                                                            fresh_org, keycloak, browser):
    email = new_email("merge-noscript")
    keycloak.gateway.create_user(email, "Jordan", "Baker", {})
    context = browser.new_context(java_script_enabled=False,
                                  viewport=journey.page.viewport_size)
    journey.page.context.close()
    journey.page = page = context.new_page()
    page.set_default_timeout(20_000)
    _to_individual_enrollment(journey, site, fresh_org())
    page.get_by_label("First Name").fill("Jordan")
    page.get_by_label("Last Name").fill("Baker")
    page.get_by_label("Phone", exact=True).fill("608-555-0142")
    page.get_by_label("Job Title").fill("Office Manager")
    page.get_by_label("Email Address - Login ID").fill(email)
    sent = outbox.count(email, channel="email")
    page.get_by_role("button", name="Send Code").click()
    page.get_by_label("Email code").fill(outbox.latest(email, channel="email", after=sent).code
                                         or "")
    page.get_by_role("button", name="Verify").click()
    dialog = page.locator("#merge-dialog")
    expect(dialog).to_be_visible()  # open in the page: no script needed to answer it
    expect(dialog).to_contain_text("An active account already exists for this email.")
    # (axe needs script to run: this markup is audited, modal, in the test above.)
    journey.shot("merge-question-no-script")
    dialog.get_by_label("NO").check()
    dialog.get_by_role("button", name="Continue").click()
    expect(page.locator("#merge-declined")).to_contain_text("You chose not to merge")
    expect(page.get_by_label("Email Address - Login ID")).to_have_value("")
    expect(page.get_by_label("First Name")).to_have_value("Jordan")
    journey.shot("merge-declined-no-script")
