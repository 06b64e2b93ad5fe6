"""What a person does on each screen, in the browser."""

from __future__ import annotations

from playwright.sync_api import expect

from idp_bridge.outbox import Outbox
from tests.support.browser import Journey
from tests.support.keycloak_login import (
    DEFAULT_OUTBOX,
    e164,
    new_phone_number,
    phone_code_for,
)
from tests.support.wizard import PASSWORD


def sign_up_from_keycloak(j: Journey, bridge: str) -> None:
    """Start where a provider starts: Keycloak's login page, then "Sign up"."""
    j.page.goto(f"{bridge}/login")
    expect(j.page.locator("#kc-form-login")).to_be_visible()
    sign_up = j.page.get_by_role("link", name="Sign up")
    if sign_up.count():
        j.shot("keycloak-login")
        sign_up.first.click()
    else:  # the plugin's branded login theme is not installed: use the portal's own link
        j.page.goto(f"{bridge}/")
        j.page.get_by_role("link", name="Sign up").click()
    expect(j.page.get_by_text("Please select your account type")).to_be_visible()


def account(j: Journey, kind: str, npi: str, tin: str) -> None:
    j.page.get_by_label("Organization" if kind == "organization" else "Individual",
                        exact=True).check()
    j.page.get_by_label("NPI", exact=True).fill(npi)
    j.page.get_by_label("TIN", exact=True).fill(tin)
    expect(j.page.locator(".progress")).to_have_text("Step 1: Create An Account")
    j.step("account")
    j.page.get_by_role("button", name="Continue").click()


def questionnaire(j: Journey) -> None:
    expect(j.page.get_by_text("Please select your most recent address:")).to_be_visible()
    for fieldset in j.page.locator("fieldset.question").all():
        fieldset.locator("input[type=radio]").first.check()
    j.step("questionnaire")
    j.page.get_by_role("button", name="Continue").click()


def organization(j: Journey) -> None:
    expect(j.page.get_by_label("Primary NPI")).to_have_attribute("readonly", "")
    j.page.get_by_label("Business Phone").fill("608-555-0100")
    j.page.get_by_label("Email", exact=True).fill("office@clinic.test")
    j.step("organization")
    j.page.get_by_role("button", name="Continue").click()


def individual(j: Journey, outbox: Outbox, email: str, first: str = "Jordan",
               site_admin: bool = True, merge: str | None = None) -> None:
    """Individual Enrollment. ``merge``: the email is an existing login, so the merge
    question pops up once it is verified; answered "yes" (then the page is completed) or
    "no" (then the next screen asks for another email, and this returns)."""
    page = j.page
    expect(page.get_by_role("heading", name="Individual Enrollment")).to_be_visible()
    page.get_by_label("First Name").fill(first)
    page.get_by_label("Last Name").fill("Baker")
    page.get_by_label("Phone", exact=True).fill("608-555-0142")
    page.get_by_label("Job Title").fill("Office Manager")
    page.get_by_label("Email Address - Login ID").fill(email)
    sent = outbox.count(email, channel="email")
    page.get_by_role("button", name="Send Code").click()
    expect(page.get_by_text("Email has been sent. Please check your inbox.")).to_be_visible()
    code = outbox.latest(email, channel="email", after=sent).code or ""
    page.get_by_label("Email code").fill(code)
    page.get_by_role("button", name="Verify").click()
    expect(page.locator("#email-validated")).to_have_text("Email Validated Successfully")
    if merge is not None:
        dialog = page.get_by_role("dialog", name="Access To Multiple Organization Accounts")
        expect(dialog).to_be_visible()
        j.step("merge-question")
        dialog.get_by_label(merge.upper()).check()
        dialog.get_by_role("button", name="Continue").click()
        if merge == "no":
            return
        expect(page.locator("#merge-accepted")).to_be_visible()
    page.get_by_label("Opt In/Out for Electronic Communications").select_option("in")
    agreement = page.locator("input[name=site_admin]")
    assert agreement.count() == (1 if site_admin else 0)
    if site_admin:
        agreement.check()
    j.step("individual")
    page.get_by_role("button", name="Continue").click()


def password(j: Journey, value: str = PASSWORD) -> None:
    page = j.page
    expect(page.locator("#password-rules")).to_contain_text("Must be at least 8 characters")
    page.locator("#password").fill(value)
    page.locator("#confirm_password").fill(value)
    page.locator("button.eye[data-toggle=password]").click()
    expect(page.locator("#password")).to_have_attribute("type", "text")  # the eye icon
    j.step("password")
    page.get_by_role("button", name="Continue").click()


def keycloak_tail(j: Journey, email: str, outbox: Outbox, method: str = "sms") -> None:
    """Keycloak's required actions: phone verification, then the terms. Password Setup hands
    the registrant straight to the phone step; only where Keycloak would not hand off does
    the bridge's Continue lead to Keycloak's Log In with the password asked again."""
    page = j.page
    page.wait_for_selector("#kc-phone-form, #continue-sign-in")
    if page.locator("#continue-sign-in").count():
        page.locator("#continue-sign-in").click()
        expect(page.locator("#username")).to_have_value(email)
        page.locator("#password").fill(PASSWORD)
        j.shot("keycloak-sign-in")
        page.locator("#kc-login").click()
    enroll_phone(j, outbox, method)
    expect(page.get_by_text("Single Sign-On and Provider Portal Terms and Conditions")) \
        .to_be_visible()
    accept = page.get_by_role("button", name="Accept Terms & Conditions")
    accept.scroll_into_view_if_needed()  # the terms are read to the end
    j.step("terms")
    accept.click()


def enroll_phone(j: Journey, outbox: Outbox, method: str) -> None:
    page = j.page
    expect(page.get_by_text("Multi Factor Authentication Enrollment")).to_be_visible()
    label = "Enroll Voice (Call) Verification" if method == "voice" \
        else "Enroll SMS (Text) Verification"
    page.get_by_label(label).check()
    number = new_phone_number()
    page.get_by_label("Phone Number").fill(number)
    sent = outbox.count(e164(number), channel=method)
    page.get_by_role("button", name="Request Code").click()
    code = outbox.latest(e164(number), channel=method, after=sent).code or ""
    page.get_by_label("Verification Code").fill(code)
    page.get_by_role("button", name="Verify Code").click()
    word = "Voice" if method == "voice" else "Text"
    expect(page.get_by_text(f"{word} enrolled successfully")).to_be_visible()
    j.step(f"phone-{method}")
    page.get_by_role("button", name="Continue").click()


def sign_in(j: Journey, bridge: str, email: str) -> None:
    page = j.page
    page.goto(f"{bridge}/login")
    page.locator("#username").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    page.wait_for_selector("#kc-phone-code-form, h1:has-text('Welcome')")
    if page.locator("#kc-phone-code-form").count():
        page.get_by_label("Security code").fill(phone_code_for(page.content(), DEFAULT_OUTBOX[0]))
        page.get_by_role("button", name="Verify Code").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
