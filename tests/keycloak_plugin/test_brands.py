"""The branded sign-in: each plan's name and colours, LOG IN, Sign up to the bridge, Need help
signing in? opening Forgot Password? (Keycloak's reset-password flow), the Chrome note, and the
Terms & Conditions."""

from __future__ import annotations

import re
import uuid

import pytest

from idp_bridge.brand import BRANDS as BRAND_DEFINITIONS
from tests.keycloak_plugin.pages import PASSWORD, Browser, form, login_theme, new_number, text

pytestmark = pytest.mark.keycloak

BRANDS = [("dean", "Dean Health Plan", "#0b3a5d"), ("wellfirst", "WellFirst Health", "#4b2a7b")]


def bridge_url(keycloak, theme: str = "dean") -> str:
    """The brand's address of the bridge as the Keycloak process got it (the realm import put
    it in that brand's client's root URL)."""
    client_id = BRAND_DEFINITIONS[theme].client_id
    client = next(c for c in keycloak.admin.get_clients() if c["clientId"] == client_id)
    return str(client["rootUrl"]).rstrip("/")


@pytest.mark.parametrize(("theme", "plan", "color"), BRANDS)
def test_each_brand_renders_its_log_in_page(keycloak, theme, plan, color):
    with login_theme(keycloak.admin, keycloak.realm, theme):
        http = Browser(keycloak.base_url, keycloak.realm)
        page = http.login_page()
        words = text(page)
        assert f"{plan} Provider Portal" in words
        assert f"<title>Log in to the {plan} Provider Portal</title>" in page.text
        other = next(p for t, p, _ in BRANDS if t != theme)
        assert other not in words
        assert "Log In" in words and "Email Address - Login ID" in words
        sign_up = re.search(r'<a id="sign-up" href="([^"]+)"', page.text)
        assert sign_up and sign_up.group(1) == f"{bridge_url(keycloak, theme)}/register"
        assert "Don't have an account? Sign up" in words
        assert "Google Chrome is recommended for optimum performance." in words

        # The guide: LOG IN; "Need help signing in?" opens "Forgot Password?" (reset flow).
        assert re.search(r'id="kc-login"[^>]*>\s*LOG IN\s*<', page.text)
        assert '<summary id="need-help">Need help signing in?</summary>' in page.text
        help_link = re.search(r'<a id="forgot-password" href="([^"]+)">Forgot Password\?</a>',
                              page.text)
        assert help_link and "/login-actions/reset-credentials" in help_link.group(1)
        reset = http.get(requests_url(keycloak, help_link.group(1).replace("&amp;", "&")),
                         timeout=30)
        assert 'id="kc-reset-password-form"' in reset.text
        assert f"{plan} Provider Portal" in text(reset)

        css = re.search(rf'href="([^"]*/login/{theme}/css/brand\.css)"', page.text)
        assert css, "the brand's colours are linked"
        assert color in http.get(requests_url(keycloak, css.group(1)), timeout=30).text


def requests_url(keycloak, href: str) -> str:
    return href if href.startswith("http") else keycloak.base_url + href


@pytest.mark.parametrize(("theme", "plan", "_color"), BRANDS)
def test_each_brand_shows_the_terms_to_accept(keycloak, theme, plan, _color):
    email = f"terms-{uuid.uuid4().hex[:10]}@clinic.test"
    user_id = keycloak.admin.create_user({"username": email, "email": email, "enabled": True,
                                          "emailVerified": True, "firstName": "Terry",
                                          "lastName": "Terms"})
    keycloak.admin.set_user_password(user_id, PASSWORD, temporary=False)
    keycloak.admin.update_user(user_id, {"requiredActions": ["TERMS_AND_CONDITIONS"]})
    with login_theme(keycloak.admin, keycloak.realm, theme):
        http = Browser(keycloak.base_url, keycloak.realm)
        terms = http.sign_in(email)
        words = text(terms)
        assert f"{plan} Provider Portal" in words
        assert "Single Sign-On and Provider Portal Terms and Conditions" in words
        assert ('This is a binding agreement ("Agreement") between SSM Health Plan, SSM Health '
                "Insurance Company, and Dean Health Service Company, LLC") in words
        assert re.search(r"<ol>\s*<li>\s*<p>\s*<u>Use</u>", terms.text), "numbered sections"
        assert "Users' compliance" in words
        accept = form(terms, "kc-terms-form")
        labels = [b.get("name") for b in accept.buttons]
        assert labels == ["accept", "cancel"]
        # The button comes after the whole text: the person scrolls to it.
        assert terms.text.index("User Access") < terms.text.index('id="kc-accept"')
        assert "Accept Terms &amp; Conditions" in terms.text
        landed = http.post(accept.action, data={**accept.fields, "accept": ""}, timeout=30)
        assert http.landed(landed)
    attributes = keycloak.admin.get_user(user_id).get("attributes", {})
    assert attributes.get("terms_and_conditions"), "Keycloak records when they were accepted"


@pytest.mark.parametrize(("theme", "plan", "_color"), BRANDS)
def test_texts_and_calls_name_the_brands_plan(keycloak, outbox, theme, plan, _color):
    email = f"brand-{uuid.uuid4().hex[:10]}@clinic.test"
    user_id = keycloak.admin.create_user({"username": email, "email": email, "enabled": True,
                                          "emailVerified": True, "firstName": "Bea",
                                          "lastName": "Brand"})
    keycloak.admin.set_user_password(user_id, PASSWORD, temporary=False)
    typed, e164 = new_number()
    with login_theme(keycloak.admin, keycloak.realm, theme):
        http = Browser(keycloak.base_url, keycloak.realm)
        page = http.sign_in(email)
        assert "Multi Factor Authentication Enrollment" in text(page)
        assert f"{plan} Provider Portal" in text(page)
        http.submit(page, "kc-phone-form", method="voice", phone=typed, action="request")
        message = outbox.latest(e164, channel="voice")
    assert message.body.startswith(f"Hello. This is the {plan} Provider Portal.")
    # The call says the digits one by one; the dev outbox keeps the code as its own field.
    assert message.code and " ".join(message.code) in message.body
    assert message.code not in message.body


def test_the_phone_pages_render_under_keycloaks_own_theme(keycloak, outbox):
    """The phone templates and words ship as theme resources: any login theme shows them."""
    email = f"plain-{uuid.uuid4().hex[:10]}@clinic.test"
    user_id = keycloak.admin.create_user({"username": email, "email": email, "enabled": True,
                                          "emailVerified": True, "firstName": "Pat",
                                          "lastName": "Plain"})
    keycloak.admin.set_user_password(user_id, PASSWORD, temporary=False)
    typed, e164 = new_number()
    display_name = keycloak.admin.get_realm(keycloak.realm)["displayName"]
    with login_theme(keycloak.admin, keycloak.realm, "keycloak.v2"):
        http = Browser(keycloak.base_url, keycloak.realm)
        page = http.sign_in(email)
        assert "/login/keycloak.v2/" in page.text and "brand.css" not in page.text
        words = text(page)
        for label in ("Multi Factor Authentication Enrollment", "Enroll SMS (Text) Verification",
                      "Phone Number", "Request Code", "Verification Code", "Verify Code"):
            assert label in words, label
        sent = http.submit(page, "kc-phone-form", method="sms", phone=typed, action="request")
        assert f"A code was sent by text message to ***-***-{e164[-4:]}." in text(sent)
        message = outbox.latest(e164, channel="sms")
        done = http.submit(sent, "kc-phone-form", method="sms", phone=typed,
                           code=message.code or "", action="verify")
        assert "Text enrolled successfully" in text(done)
    # Without a brand theme the texts name the realm's display name.
    assert f"Your {display_name} Provider Portal security code is" in message.body


@pytest.mark.parametrize("theme_type", ["login", "account"])
def test_the_phone_credentials_name_is_a_message_every_theme_type_has(keycloak, theme_type):
    """"Try another way" and the account console name the phone factor through a message key
    that the plugin ships as a theme resource."""
    http = Browser(keycloak.base_url, keycloak.realm)
    words = http.get(f"{keycloak.base_url}/resources/{keycloak.realm}/{theme_type}/en",
                     timeout=30)
    assert words.status_code == 200, words.text[:500]
    assert '"phoneCredentialDisplayName"' in words.text
    assert "Phone (text or call)" in words.text
