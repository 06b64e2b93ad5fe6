"""Every screen of the bridge, for each brand, at desktop width and at 390 px: axe-core finds
no serious or critical WCAG 2.1 A/AA violation, nothing is cut off on a phone, and a
registration can be completed with the keyboard alone."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from idp_bridge.brand import BRANDS
from idp_bridge.organizations.models import Organization
from tests.browser import steps
from tests.support.axe import DESKTOP, PHONE, screen_problems
from tests.support.browser import SCREENSHOTS, Journey
from tests.support.keycloak_login import e164, new_phone_number
from tests.support.org_keys import org_key
from tests.support.wizard import PASSWORD, WizardClient, register_individual, register_organization

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


def new_email(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"


class Tour:
    """Visits screens and gathers every problem, so one run lists them all (not just the first)."""

    def __init__(self, page: Page, folder: Path) -> None:
        self.page = page
        self.folder = folder  # each screen's screenshot at 390 px, for a person to look at
        self.problems: list[str] = []
        self.seen: list[str] = []

    def check(self, screen: str) -> None:
        self.page.wait_for_load_state("load")
        self.seen.append(screen)
        self.problems += screen_problems(self.page, screen)
        self.page.set_viewport_size(PHONE)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(self.folder / f"{len(self.seen):02d}-{screen}.png"),
                             full_page=True)
        self.page.set_viewport_size(DESKTOP)

    def assert_clean(self) -> None:
        assert not self.problems, (f"{len(self.problems)} problem(s) on {len(self.seen)} screens:\n"
                                   + "\n".join(self.problems))


@pytest.fixture
def page(browser, brand) -> Iterator[Page]:
    context = browser.new_context(viewport=DESKTOP)
    tab = context.new_page()
    tab.set_default_timeout(20_000)
    yield tab
    context.close()


# Keyboard only ------------------------------------------------------------------------------

def focused_matches(page: Page, selector: str, text: str | None) -> bool:
    return bool(page.evaluate(
        """([selector, text]) => { const el = document.activeElement;
             return !!el && el.matches(selector) &&
                    (text === null || el.textContent.trim().toLowerCase() === text); }""",
        [selector, text.lower() if text else None]))


def tab_to(page: Page, selector: str, text: str | None = None, limit: int = 60) -> None:
    """Tab forward until the control has focus: it is reachable, in reading order, by Tab."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused_matches(page, selector, text):
            return
    raise AssertionError(f"Tab never reached {selector} {text or ''} on {page.url}")


def skip_to_main(page: Page) -> None:
    """The first Tab on a page reaches "Skip to main content"; Enter puts focus on main."""
    page.keyboard.press("Tab")
    assert focused_matches(page, "a.skip-link", None), f"no skip link first on {page.url}"
    page.keyboard.press("Enter")
    assert focused_matches(page, "main", None), "the skip link did not move focus to main"


def type_into(page: Page, selector: str, value: str) -> None:
    tab_to(page, selector)
    page.keyboard.press("Control+A")
    page.keyboard.type(value)


def press_button(page: Page, text: str) -> None:
    """Tab to the button, Enter: the form is sent and the next page has loaded."""
    tab_to(page, "button, a.button", text)
    with page.expect_navigation():
        page.keyboard.press("Enter")


def choose_radio(page: Page, name: str, value: str | None = None) -> None:
    """Tab into the radio group, arrow to the option, Space to tick it."""
    tab_to(page, f"input[type=radio][name='{name}']")
    wanted = f"input[name='{name}'][value='{value}']" if value else "input"
    for _ in range(10):
        if focused_matches(page, wanted, None):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), f"{name}={value} not ticked"


def keyboard_account(page: Page, tour: Tour, npi: str, tin: str) -> None:
    expect(page.get_by_text("Please select your account type")).to_be_visible()
    skip_to_main(page)
    press_button(page, "Continue")  # nothing chosen: the errors must be announced
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert_errors_tied_to_fields(page)
    tour.check("account-errors")
    choose_radio(page, "account_type", "organization")
    type_into(page, "#npi", npi)
    type_into(page, "#tin", tin)
    tour.check("account")
    press_button(page, "Continue")


def assert_errors_tied_to_fields(page: Page) -> None:
    """Every error shown is announced (role=alert or a live region), every field error is
    named by its field (aria-describedby), and every field marked invalid names an error: a
    screen reader hears what went wrong and where."""
    problems = page.evaluate(
        """() => {
          const shown = (el) => el.getClientRects().length > 0;
          const described = new Set([...document.querySelectorAll('[aria-describedby]')]
              .flatMap((el) => el.getAttribute('aria-describedby').split(/\\s+/)));
          const out = [];
          for (const el of document.querySelectorAll('.field-error, .error')) {
            if (!shown(el)) continue;
            const text = el.textContent.trim().slice(0, 40);
            if (!el.closest('[role=alert], [role=status], [aria-live]'))
              out.push(`not announced: "${text}"`);
            if (el.classList.contains('field-error') && !described.has(el.id))
              out.push(`no field names it (aria-describedby): "${text}"`);
          }
          for (const el of document.querySelectorAll('[aria-invalid=true]')) {
            const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/);
            if (!ids.some((id) => id && document.getElementById(id)))
              out.push(`invalid without a described error: ${el.id || el.name}`);
          }
          return out;
        }""")
    assert not problems, f"{page.url}: " + "; ".join(problems)


def keyboard_questionnaire(page: Page, tour: Tour) -> None:
    expect(page.get_by_text("Please select your most recent address:")).to_be_visible()
    names = page.evaluate(
        """() => [...new Set([...document.querySelectorAll('fieldset.question input[type=radio]')]
                   .map(r => r.name))]""")
    for name in names:
        choose_radio(page, name)
    tour.check("questionnaire")
    press_button(page, "Continue")


def keyboard_organization(page: Page, tour: Tour) -> None:
    expect(page.get_by_role("heading", name="Organization Enrollment")).to_be_visible()
    type_into(page, "#business_phone", "608-555-0100")
    type_into(page, "#email", "office@clinic.test")
    tour.check("organization")
    press_button(page, "Continue")


def keyboard_individual(page: Page, tour: Tour, outbox, email: str) -> None:
    expect(page.get_by_role("heading", name="Individual Enrollment")).to_be_visible()
    for selector, value in (("#first_name", "Jordan"), ("#last_name", "Baker"),
                            ("#phone", "608-555-0142"), ("#job_title", "Office Manager"),
                            ("#email", email)):
        type_into(page, selector, value)
    sent = outbox.count(email, channel="email")
    press_button(page, "Send Code")
    expect(page.locator("#email-notice")).to_be_visible()
    tour.check("individual-code-sent")
    code = outbox.latest(email, channel="email", after=sent).code or ""
    type_into(page, "#email_code", code)
    press_button(page, "Verify")
    expect(page.locator("#email-validated")).to_be_visible()
    tab_to(page, "#opt_in")
    for _ in range(3):  # a closed <select> changes with the arrow keys
        if page.locator("#opt_in").input_value():
            break
        page.keyboard.press("ArrowDown")
    tab_to(page, "input[name=site_admin]")
    page.keyboard.press("Space")
    expect(page.locator("input[name=site_admin]")).to_be_checked()
    tour.check("individual")
    press_button(page, "Continue")


def keyboard_password(page: Page, tour: Tour) -> None:
    expect(page.locator("#password-rules")).to_be_visible()
    type_into(page, "#password", "short")
    type_into(page, "#confirm_password", "short")
    press_button(page, "Continue")  # a refused password: the reason is announced on the field
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert_errors_tied_to_fields(page)
    tour.check("password-refused")
    type_into(page, "#password", PASSWORD)
    type_into(page, "#confirm_password", PASSWORD)
    tour.check("password")
    press_button(page, "Continue")


def test_registration_by_keyboard_only_passes_axe_and_fits_a_phone(
        page, brand, site, outbox, fresh_org, tmp_path):
    """Tab, arrows, Space and Enter (and typing) carry an Organization registration through
    every screen of the bridge; each screen passes axe at both widths and fits 390 px."""
    tour = Tour(page, SCREENSHOTS / brand / "phone-registration-by-keyboard")
    org, email = fresh_org(), new_email("keyboard")
    page.goto(f"{site}/register")
    expect(page.locator("header.site .plan")).to_have_text(BRANDS[brand].portal_name)
    keyboard_account(page, tour, org["npi"], org["tin"])
    keyboard_questionnaire(page, tour)
    keyboard_organization(page, tour)
    keyboard_individual(page, tour, outbox, email)
    keyboard_password(page, tour)
    # Keycloak's phone and terms pages follow (their audit is test_keycloak_pages below).
    steps.keycloak_tail(Journey(page, tmp_path), email, outbox)
    expect(page.locator("#confirmation")).to_be_visible()
    tour.check("confirmation")
    tour.assert_clean()


# The consoles -------------------------------------------------------------------------------

def plan_admin_screens(page: Page, tour: Tour, site: str, live_app, admin: str,
                       org_key: str, tmp_path) -> None:
    steps.sign_in(Journey(page, tmp_path), site, admin)
    tour.check("plan-admin-home")
    page.get_by_role("link", name="Review organizations").click()
    tour.check("plan-admin-organizations")
    with live_app.app_context():
        organization = Organization.query.filter_by(key=org_key).one()
        name, oid = organization.name, organization.id
    # This organization's link: an older pending one may share its name.
    page.locator(f'a[href$="/admin/organizations/{oid}"]').click()
    tour.check("plan-admin-review")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"{name} approved.")).to_be_visible()
    tour.check("plan-admin-approved")
    page.goto(f"{site}/admin/audit")
    tour.check("plan-admin-audit-log")
    page.goto(f"{site}/admin/mail")
    tour.check("mail-outbox")


def site_admin_screens(page: Page, tour: Tour, site: str, admin: str, person: str,
                       tmp_path) -> None:
    steps.sign_in(Journey(page, tmp_path), site, admin)
    tour.check("site-admin-home")
    expect(page.locator("#manage-users")).to_be_visible()  # on failure: the page's outline
    page.locator("#manage-users").click()
    tour.check("site-admin-users-pending")
    page.locator("#pending tr", has_text=person).get_by_role("button", name="Approve").click()
    expect(page.locator("#approved tr", has_text=person)).to_be_visible()
    tour.check("site-admin-users")
    page.get_by_role("link", name="NPIs and TINs").first.click()
    page.get_by_role("button", name="Add NPI and TIN").click()
    expect(page.locator("[role=alert]").first).to_be_visible()
    assert_errors_tied_to_fields(page)
    tour.check("site-admin-identifiers-errors")


def test_consoles_pass_axe_and_fit_a_phone(page, brand, site, outbox, live_app, fresh_org,
                                           plan_admin, tmp_path):
    """Portal home, the plan-admin console, both outboxes, the Site Administrator console, the
    sign-out confirmation and the sign-in error page."""
    tour = Tour(page, SCREENSHOTS / brand / "phone-consoles")
    page.goto(site)  # signed out, the portal's address is the Log In page (the guides)
    expect(page.locator("#kc-form-login")).to_be_visible()
    tour.check("home-signed-out-is-log-in")
    page.goto(f"{site}/register/account")
    expect(page.locator("header.site .plan")).to_have_text(BRANDS[brand].portal_name)
    org, admin = fresh_org(), new_email("site-admin")
    register_organization(WizardClient(site, outbox), org, admin)
    key = org_key(org)
    plan_admin_screens(page, tour, site, live_app, plan_admin["email"], key, tmp_path)
    page.goto(f"{site}/dev/outbox?to={admin}")
    tour.check("dev-outbox")
    page.goto(f"{site}/logout")
    tour.check("sign-out-confirmation")
    page.context.clear_cookies()

    person = new_email("staff")
    register_individual(WizardClient(site, outbox), org, person)
    site_admin_screens(page, tour, site, admin, person, tmp_path)
    page.goto(f"{site}/auth/callback?error=temporarily_unavailable")
    tour.check("sign-in-error")
    page.goto(f"{site}/auth/callback?error=access_denied")  # Terms declined
    tour.check("terms-required")
    tour.assert_clean()


# Keycloak's pages ---------------------------------------------------------------------------
# (The Keycloak themes'. WellFirst's security-code page lacked a label on #kc-attempted-username
# until the theme named it; every Keycloak page now asserts no serious/critical violation.)

@pytest.fixture
def new_user(keycloak) -> tuple[str, str]:
    """A login with the realm's default required actions (phone setup, then the terms)."""
    email = new_email("kc-pages")
    user_id = keycloak.gateway.create_user(email, "Robin", "Keys", {})
    keycloak.gateway.set_password(user_id, PASSWORD)
    return email, user_id


def test_keycloak_login_page(page, brand, site):
    page.goto(f"{site}/login")
    expect(page.locator("#kc-form-login")).to_be_visible()
    page.locator("#kc-login").click()  # empty: Keycloak's error message is on the page too
    problems = screen_problems(page, "keycloak-login")
    assert not problems, "\n".join(problems)


def sign_in_to_phone_setup(page: Page, site: str, email: str) -> None:
    page.goto(f"{site}/login")
    page.locator("#username").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    expect(page.get_by_text("Multi Factor Authentication Enrollment")).to_be_visible()


def test_keycloak_phone_pages(page, brand, site, outbox, new_user):
    """Phone enrollment (before and after Request Code), then a later sign-in's Security code."""
    email, _ = new_user
    sign_in_to_phone_setup(page, site, email)
    problems = screen_problems(page, "keycloak-phone-enroll")
    page.get_by_label("Enroll SMS (Text) Verification").check()  # the method first
    problems += screen_problems(page, "keycloak-phone-enroll-method-chosen")
    number = new_phone_number()
    page.get_by_label("Phone Number").fill(number)
    sent = outbox.count(e164(number), channel="sms")
    page.get_by_role("button", name="Request Code").click()
    outbox.latest(e164(number), channel="sms", after=sent)
    expect(page.get_by_label("Verification Code")).to_be_visible()
    problems += screen_problems(page, "keycloak-phone-code-sent")
    page.get_by_label("Verification Code").fill("000000")
    page.get_by_role("button", name="Verify Code").click()
    problems += screen_problems(page, "keycloak-phone-wrong-code")
    assert not problems, "\n".join(problems)


def test_keycloak_terms_page(page, brand, site, outbox, new_user, tmp_path):
    email, _ = new_user
    sign_in_to_phone_setup(page, site, email)
    steps.enroll_phone(Journey(page, tmp_path), outbox, "sms")
    expect(page.get_by_role("button", name="Accept Terms & Conditions")).to_be_visible()
    problems = screen_problems(page, "keycloak-terms")
    assert not problems, "\n".join(problems)


def test_keycloak_security_code_page(page, brand, site, outbox, new_user, tmp_path):
    email, _ = new_user
    sign_in_to_phone_setup(page, site, email)
    steps.enroll_phone(Journey(page, tmp_path), outbox, "sms")
    page.get_by_role("button", name="Accept Terms & Conditions").click()
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    page.context.clear_cookies()
    page.goto(f"{site}/login")
    page.locator("#username").fill(email)
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    expect(page.locator("#kc-phone-code-form")).to_be_visible()
    problems = screen_problems(page, "keycloak-security-code")
    assert not problems, "\n".join(problems)
