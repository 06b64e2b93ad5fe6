"""Keycloak's pages of both brands on a 390 px phone, in a real browser (Debian's Chromium):
Log In, Forgot Password (and its "email sent" page), phone enrollment (before and after Request
Code), Terms, the sign-in's security-code page and the reset's new-password page never scroll
sideways, every control is reachable, and axe-core
finds no serious or critical WCAG 2.1 AA violation. The step counter the bridge passes on its
authorization request (``kc_step_*``) shows on the phone and Terms pages; choosing Voice
changes the enrollment heading at once."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, BrowserContext, Page

from tests.keycloak_plugin.pages import count, login_theme, new_number, new_user, wait_for_code
from tests.support.axe import PHONE, axe_problems, phone_problems

pytestmark = pytest.mark.keycloak

PASSWORD = "Portal-Pass1!"


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE)
    yield context.new_page()
    context.close()


@pytest.fixture
def another_phone(browser: Browser) -> Iterator[Callable[[], Page]]:
    """A new person's phone browser (no cookies, no page still running). The account console
    that a finished sign-in lands on is a script that keeps working after it loaded; clearing
    cookies under it raced with it, and a later sign-in could land back on the console, whose
    read-only (disabled) username field is also ``#username``."""
    contexts: list[BrowserContext] = []

    def new() -> Page:
        contexts.append(browser.new_context(viewport=PHONE))
        return contexts[-1].new_page()

    yield new
    for context in contexts:
        context.close()


def open_log_in(page: Page, keycloak, steps: bool = True) -> None:
    """The account console's sign-in, with the bridge's step-counter parameters."""
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(
        hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    params = {"client_id": "account-console",
              "redirect_uri": f"{keycloak.base_url}/realms/{keycloak.realm}/account/",
              "response_type": "code", "scope": "openid", "state": secrets.token_hex(8),
              "code_challenge": challenge, "code_challenge_method": "S256"}
    if steps:
        params |= {"kc_step_phone": "5", "kc_step_terms": "6", "kc_steps": "7"}
    query = "&".join(f"{k}={v}" for k, v in params.items())
    page.goto(f"{keycloak.base_url}/realms/{keycloak.realm}/protocol/openid-connect/auth?{query}")
    # Keycloak's own Log In form, ready to type in: any other page fails here, at once.
    page.wait_for_selector("#kc-form-login #username:enabled")


def problems(page: Page, screen: str) -> list[str]:
    return phone_problems(page, screen) + axe_problems(page, f"{screen} @390px")


def log_in(page: Page, email: str) -> None:
    page.fill("#username", email)
    page.fill("#password", PASSWORD)
    page.locator("#kc-login").click()


@pytest.mark.parametrize("theme", ["dean", "wellfirst"])
def test_keycloak_pages_fit_a_phone(keycloak, outbox, phone: Page, another_phone, theme):
    found: list[str] = []
    with login_theme(keycloak.admin, keycloak.realm, theme):
        open_log_in(phone, keycloak)
        assert phone.locator("#kc-login").inner_text().strip() == "LOG IN"
        found += problems(phone, f"{theme} Log In")
        phone.locator("#need-help").click()
        phone.locator("#forgot-password").click()
        phone.wait_for_selector("#kc-reset-password-form")
        found += problems(phone, f"{theme} Forgot Password")

        email, _ = new_user(keycloak)
        open_log_in(phone, keycloak)
        log_in(phone, email)
        phone.wait_for_selector("#kc-phone-form")
        assert phone.locator("#portal-step").inner_text() == "Step 5 of 7"
        found += problems(phone, f"{theme} phone enrollment")
        phone.locator("#method-voice").check()
        assert phone.locator("#phone-heading").inner_text() == "Enroll In Voice(Call) Verification"
        phone.locator("#method-sms").check()
        assert phone.locator("#phone-heading").inner_text() == "Enroll In Text(SMS) Verification"

        typed, e164 = new_number()
        seen = count(outbox, e164)
        phone.fill("#phone", typed)
        phone.locator("#request-code").click()
        phone.wait_for_selector("#kc-phone-form")
        found += problems(phone, f"{theme} phone enrollment, code sent")
        phone.fill("#code", wait_for_code(outbox, e164, seen))
        phone.locator("#verify-code").click()
        phone.locator("#phone-continue").click()
        phone.wait_for_selector("#kc-terms-form")
        assert phone.locator("#portal-step").inner_text() == "Step 6 of 7"
        found += problems(phone, f"{theme} Terms")
        phone.locator("#kc-accept").click()
        phone.wait_for_url("**/account/**")

        # The next sign-in: the security-code page (with Keycloak's "Restart login" tooltip).
        phone = another_phone()
        seen = count(outbox, e164)
        open_log_in(phone, keycloak, steps=False)
        log_in(phone, email)
        phone.wait_for_selector("#kc-phone-code-form")
        assert phone.locator("#portal-step").count() == 0  # no counter outside registration
        found += problems(phone, f"{theme} security code")
        wait_for_code(outbox, e164, seen)

        # Forgot Password by email: the link's phone code, then the new password's page.
        phone = another_phone()
        open_log_in(phone, keycloak, steps=False)
        phone.locator("#need-help").click()
        phone.locator("#forgot-password").click()
        mails = outbox.count(email, channel="email")
        phone.fill("#username", email)
        phone.locator("#kc-reset-password-form [type=submit]").click()
        found += problems(phone, f"{theme} reset email sent")
        link = re.search(r"https?://\S+/login-actions/action-token\?\S+",
                         outbox.latest(email, channel="email", after=mails).body)
        assert link
        seen = count(outbox, e164)
        phone.goto(link.group(0))
        phone.wait_for_selector("#kc-phone-code-form")
        phone.fill("#code", wait_for_code(outbox, e164, seen))
        phone.locator("#verify-code").click()
        phone.wait_for_selector("#kc-passwd-update-form")
        found += problems(phone, f"{theme} new password")
    assert not found, "\n".join(found)
