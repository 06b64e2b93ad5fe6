"""Passkeys in a real browser: Chromium with a virtual authenticator (Chrome DevTools
Protocol ``WebAuthn``) against the real bridge and the real Keycloak.

The authenticator is a platform one (transport ``internal``) that keeps discoverable
credentials and verifies the user (as a fingerprint or PIN would), so Keycloak's passwordless
policy (resident key required, user verification required) accepts it.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from idp_bridge.auth.oidc import client_for
from idp_bridge.auth.sessions import WebSession
from idp_bridge.brand import DEFAULT_BRAND
from idp_bridge.extensions import db
from idp_bridge.portal import passkeys
from idp_bridge.portal.passkeys import CLOCK_SKEW_SECONDS
from tests.browser import steps
from tests.support.browser import DESKTOP, SCREENSHOTS, Journey
from tests.support.consoles import approve, csrf_of, email, signed_in
from tests.support.factors import notices_for
from tests.support.keycloak_login import (
    DEFAULT_OUTBOX,
    LoopbackSession,
    enroll_phone,
    new_phone_number,
    phone_code_for,
    submit_login,
)
from tests.support.realm_rules import realm_rules
from tests.support.wizard import PASSWORD

pytestmark = [pytest.mark.keycloak, pytest.mark.browser]


def add_virtual_authenticator(context: BrowserContext, page: Page) -> tuple[Any, str]:
    cdp = context.new_cdp_session(page)
    cdp.send("WebAuthn.enable", {"enableUI": False})
    added = cdp.send("WebAuthn.addVirtualAuthenticator", {"options": {
        "protocol": "ctap2", "transport": "internal", "hasResidentKey": True,
        "hasUserVerification": True, "isUserVerified": True,
        "automaticPresenceSimulation": True}})
    return cdp, added["authenticatorId"]


FRONT_CHANNEL = ("issuer", "authorization_endpoint", "end_session_endpoint")


@contextmanager
def keycloak_named_localhost(live_app, keycloak_url: str) -> Iterator[None]:
    """WebAuthn refuses an IP address as relying-party id, and the test stack serves
    Keycloak at http://127.0.0.1:port. For these tests the bridge sends browsers to
    http://localhost:port instead (the same server; a secure context too), so Keycloak,
    whose dev-mode hostname follows the request, uses ``localhost`` as its passkeys' RP id
    and as the tokens' issuer; the bridge's back channel (token endpoint, keys) is unchanged.
    Real deployments have real host names and need none of this."""
    ip_origin = keycloak_url.rstrip("/")
    named_origin = ip_origin.replace("//127.0.0.1:", "//localhost:", 1)
    with live_app.app_context():
        metadata = client_for(DEFAULT_BRAND).load_server_metadata()
    saved = {key: metadata[key] for key in FRONT_CHANNEL}
    metadata.update({key: value.replace(ip_origin, named_origin, 1)
                     for key, value in saved.items()})
    try:
        yield
    finally:
        metadata.update(saved)


@pytest.fixture
def device(browser, live_app, keycloak) -> Iterator[tuple[Journey, Any, str]]:
    """One browser with a passkey-capable device, on the default brand."""
    # The bridge's CSP names Keycloak's configured origin (127.0.0.1) in form-action; here
    # the forms that lead to Keycloak redirect to localhost instead.
    context = browser.new_context(viewport=DESKTOP, bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    cdp, authenticator = add_virtual_authenticator(context, page)
    with keycloak_named_localhost(live_app, keycloak.base_url):
        yield Journey(page, SCREENSHOTS / "dean" / "passkeys"), cdp, authenticator
    context.close()


def id_token_claims(live_app, page: Page, bridge: str) -> dict[str, Any]:
    """The claims of the ID token the bridge keeps in this browser's server-side session
    row (``web_sessions``, keyed by the SHA-256 of the cookie)."""
    host = bridge.split("//", 1)[1].split(":", 1)[0]
    cookie = next(c["value"] for c in page.context.cookies()
                  if c["name"] == "session" and c["domain"] == host)
    with live_app.app_context():
        row = db.session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
        token = row.data["id_token"]
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def touch(cdp: Any, authenticator: str, present: bool) -> None:
    """Whether the device answers by itself (as a finger on the sensor would). Off, a
    waiting request stays waiting: the Log In page's passkey autofill (conditional UI) must
    not sign in someone who is typing a password."""
    cdp.send("WebAuthn.setAutomaticPresenceSimulation",
             {"authenticatorId": authenticator, "enabled": present})


def use_passkey(page: Page, cdp: Any, authenticator: str) -> None:
    """On Keycloak's Log In page: "Sign in with Passkey", then the device answers."""
    button = page.get_by_role("link", name="Sign in with Passkey")
    expect(button).to_be_visible()
    touch(cdp, authenticator, True)
    with suppress(PlaywrightError):  # the autofill request was answered first: a passkey too
        button.click(timeout=5_000)
    expect(page.locator("#kc-form-login")).to_have_count(0)
    touch(cdp, authenticator, False)


def sign_out(page: Page) -> None:
    page.locator("#logout").click()
    # Signed out, the guides' address leads to the Log In page (issue 21 rows 3 and 4).
    expect(page.get_by_role("heading", name="Log In")).to_be_visible()
    page.context.clear_cookies()


def test_passkey_register_sign_in_without_password_and_remove(
        request, bridge, outbox, live_app, keycloak, plan_admin, new_registered_org):
    # Registered and approved before the device renames Keycloak to localhost: the
    # registration's hand-off and the plan administrator sign in at 127.0.0.1.
    org = new_registered_org()
    approve(bridge, live_app, plan_admin, org["key"])
    j, cdp, authenticator = request.getfixturevalue("device")
    page = j.page
    user = keycloak.gateway.find_user_by_email(org["admin"])
    assert user is not None

    # Signed in the default way (password, then the phone code), the user adds a passkey.
    steps.sign_in(j, bridge, org["admin"])
    expect(page.locator("#no-passkey")).to_be_visible()
    j.step("security-no-passkey")
    page.locator("#add-passkey").click()
    expect(page.get_by_text("Passkey Registration")).to_be_visible()  # Keycloak's own page
    j.step("keycloak-passkey-registration")
    page.once("dialog", lambda dialog: dialog.accept("Office laptop"))  # Keycloak asks a label
    page.locator("#registerWebAuthn").click()
    expect(page.get_by_text("Passkey added")).to_be_visible()
    expect(page.locator("#passkeys")).to_contain_text("Office laptop")
    j.step("security-passkey-added")
    touch(cdp, authenticator, False)
    stored = cdp.send("WebAuthn.getCredentials", {"authenticatorId": authenticator})
    assert len(stored["credentials"]) == 1 and stored["credentials"][0]["isResidentCredential"]
    assert [p.label for p in keycloak.gateway.passkeys(user.id)] == ["Office laptop"]
    # Issue 24: a passkey added is one security notice.
    told = notices_for(outbox, live_app, org["admin"])
    assert told.count("A passkey was added to your sign-in.") == 1, told

    # Their Site Administrator (here: themselves) sees it on the members page.
    page.locator("#manage-users").click()
    expect(page.locator(f"#approved tr[data-email='{org['admin']}'] .passkey")).to_have_text(
        "Passkey: yes")

    # The phone code stays the default after a password.
    sign_out(page)
    page.goto(f"{bridge}/login")
    page.locator("#username").fill(org["admin"])
    page.locator("#password").fill(PASSWORD)
    page.locator("#kc-login").click()
    expect(page.locator("#kc-phone-code-form")).to_be_visible()
    page.context.clear_cookies()

    # Signed out, they sign in with the passkey alone: no password, no phone code.
    # Phone codes to anyone: mail the deliverer sends meanwhile is not a second factor.
    codes_before = len(outbox.messages(channel="sms")) + len(outbox.messages(channel="voice"))
    page.goto(f"{bridge}/login")
    use_passkey(page, cdp, authenticator)
    expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
    j.step("signed-in-with-passkey")
    assert len(outbox.messages(channel="sms")) + len(outbox.messages(channel="voice")) \
        == codes_before, "a phone code was sent after a passkey"
    claims = id_token_claims(live_app, page, bridge)
    assert claims["amr"] == ["hwk"], claims.get("amr")  # possession of a key, phishing-resistant
    assert claims["acr"] == "1"

    # After a password and the phone code, the token says so instead.
    sign_out(page)
    steps.sign_in(j, bridge, org["admin"])
    assert sorted(id_token_claims(live_app, page, bridge)["amr"]) == ["otp", "pwd"]

    # Removing it takes a fresh sign-in first.
    page.goto(f"{bridge}/security/passkeys/remove")  # no Remove clicked: nothing happens
    expect(page.get_by_text("Nothing was removed")).to_be_visible()
    assert len(keycloak.gateway.passkeys(user.id)) == 1
    page.locator("#passkeys").get_by_role("button", name="Remove").click()
    expect(page.locator("#kc-form-login")).to_be_visible()  # Keycloak asks again
    j.step("remove-asks-sign-in")
    use_passkey(page, cdp, authenticator)
    expect(page.get_by_text("Passkey removed.")).to_be_visible()
    expect(page.locator("#no-passkey")).to_be_visible()
    j.step("passkey-removed")
    assert keycloak.gateway.passkeys(user.id) == []
    assert keycloak.gateway.get_user(user.id).attribute("mfa_phone")  # the phone stays
    # The removal is one more notice; the sign-ins in between (passkey, password + phone)
    # are none.
    assert notices_for(outbox, live_app, org["admin"]) == [
        *told, "A passkey was removed from your sign-in."]


@pytest.mark.parametrize("theme", ["dean", "wellfirst"])
def test_passkey_option_on_both_brands_sign_in_pages(browser, bridge, keycloak, theme):
    themes = {t["name"] for t in keycloak.admin.get_server_info()["themes"].get("login", [])}
    assert theme in themes
    keycloak.admin.update_realm(keycloak.realm, {"loginTheme": theme})
    context = browser.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        page.goto(f"{bridge}/login")
        expect(page.locator("#kc-form-login")).to_be_visible()
        button = page.get_by_role("link", name="Sign in with Passkey")
        expect(button).to_be_visible()
        # Conditional UI: the browser may offer saved passkeys right in the email field.
        expect(page.locator("#username")).to_have_attribute("autocomplete", "username webauthn")
        journey = Journey(page, SCREENSHOTS / theme / "passkeys")
        journey.step("sign-in-with-passkey-option")
    finally:
        context.close()
        keycloak.admin.update_realm(keycloak.realm, {"loginTheme": "dean"})


def test_passkey_removal_needs_a_fresh_sign_in_and_touches_only_passkeys(
        bridge, keycloak, new_registered_org, monkeypatch):  # noqa: F811
    """Plain HTTP, no browser: what an attacker with someone's signed-in session could try."""
    org = new_registered_org()
    user = keycloak.gateway.find_user_by_email(org["admin"])
    assert user is not None
    phone = next(c for c in keycloak.admin.get_credentials(user.id) if c["type"] != "password")
    http = signed_in(bridge, org["admin"])
    # The sign-in is now older than any new request: the bridge's clock (the passkey
    # views') moves on past the allowed skew, rather than the test waiting for it.
    moved_on = time.time() + CLOCK_SKEW_SECONDS + 1
    monkeypatch.setattr(passkeys, "epoch", lambda: moved_on)

    # Remove is asked, Keycloak's sign-in page is skipped, the return URL is opened directly.
    home = http.get(f"{bridge}/", timeout=30)
    asked = http.post(f"{bridge}/security/passkeys/{phone['id']}/remove",
                      data={"csrf_token": csrf_of(home.text)}, allow_redirects=False,
                      timeout=30)
    assert "prompt=login" in asked.headers["Location"]
    assert "max_age=0" in asked.headers["Location"]
    back = http.get(f"{bridge}/security/passkeys/remove", timeout=30)
    assert "please sign in again to remove a passkey" in back.text
    again = http.get(f"{bridge}/security/passkeys/remove", timeout=30)  # not replayable
    assert "Nothing was removed: choose Remove again." in again.text

    # Even with a fresh sign-in, only the user's own passkeys can go: not their phone.
    assert keycloak.gateway.delete_passkey(user.id, phone["id"]) is False
    assert phone["id"] in {c["id"] for c in keycloak.admin.get_credentials(user.id)}


# Administrators must sign in with a passkey (factors) ---------------------------------------


def test_passkey_required_plan_admin_is_walked_through_adding_one_before_the_console(
        request, bridge, outbox, live_app, keycloak):
    address = email("plan-admin-passkey")
    user_id = keycloak.gateway.create_user(address, "Pat", "Keyholder", {},
                                           required_actions=["phone-verification"])
    keycloak.gateway.set_password(user_id, PASSWORD)
    keycloak.gateway.assign_realm_role(user_id, "plan-admin")
    http = LoopbackSession()
    page = submit_login(http, http.get(f"{bridge}/login", timeout=30), address, PASSWORD)
    assert enroll_phone(http, page, outbox, new_phone_number()).url.startswith(bridge)

    with realm_rules(keycloak, portalPasskeyRequiredPlanAdmins="true"):
        j, cdp, authenticator = request.getfixturevalue("device")
        page = j.page
        # Password and phone code as always, then Keycloak's passkey registration, before
        # anything of the portal.
        page.goto(f"{bridge}/login")
        page.locator("#username").fill(address)
        page.locator("#password").fill(PASSWORD)
        page.locator("#kc-login").click()
        page.get_by_label("Security code").fill(phone_code_for_page(page))
        page.get_by_role("button", name="Verify Code").click()
        expect(page.get_by_text("Passkey Registration")).to_be_visible()
        j.step("plan-admin-must-add-passkey")
        page.once("dialog", lambda dialog: dialog.accept("Plan laptop"))
        page.locator("#registerWebAuthn").click()
        expect(page.get_by_role("heading", name="Welcome", exact=False)).to_be_visible()
        expect(page.locator("#review-organizations")).to_be_visible()
        assert [p.label for p in keycloak.gateway.passkeys(user_id)] == ["Plan laptop"]
        touch(cdp, authenticator, False)  # the Log In page's passkey autofill waits

        # Next time: the password alone is refused; the passkey signs them in.
        sign_out(page)
        page.goto(f"{bridge}/login")
        page.locator("#username").fill(address)
        page.locator("#password").fill(PASSWORD)
        page.locator("#kc-login").click()
        page.get_by_label("Security code").fill(phone_code_for_page(page))
        page.get_by_role("button", name="Verify Code").click()
        expect(page.get_by_text("sign in with a passkey")).to_be_visible()
        j.step("plan-admin-password-refused")
        page.context.clear_cookies()
        page.goto(f"{bridge}/login")
        use_passkey(page, cdp, authenticator)
        expect(page.locator("#review-organizations")).to_be_visible()


def phone_code_for_page(page: Page) -> str:
    expect(page.locator("#kc-phone-code-form")).to_be_visible()
    return phone_code_for(page.content(), DEFAULT_OUTBOX[0])
