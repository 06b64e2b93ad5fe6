"""Registration hand-off: after Password Setup the registrant goes straight into Keycloak's
phone enrollment and Terms, typing the password once, and comes back signed in to the
bridge's client. Against the real Keycloak and the plugin's real endpoint, through the
bridge's gateway; the browser is plain HTTP (tests/keycloak_plugin/pages.py)."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import uuid
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests

from idp_bridge.auth.sessions import WebSession
from idp_bridge.brand import BRANDS
from idp_bridge.cli import DEMO_USER
from idp_bridge.extensions import db
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.gateway import HandoffForm
from idp_bridge.keycloak.user_profile import REGISTRATION_MARKER
from idp_bridge.registration.engine import step_numbers
from idp_bridge.registration.stages import STAGES
from tests.keycloak_plugin.pages import (
    PASSWORD,
    Browser,
    alert,
    browser,
    enroll,
    form,
    new_user,
    text,
)
from tests.support.wizard import PASSWORD as WIZARD_PASSWORD
from tests.support.wizard import WizardClient, handoff_form, person, sign_in_and_finish

pytestmark = pytest.mark.keycloak


class Authorization:
    """The bridge's side of an authorization request: what it sends and what it keeps."""

    def __init__(self) -> None:
        self.verifier = secrets.token_urlsafe(48)
        challenge = base64.urlsafe_b64encode(
            hashlib.sha256(self.verifier.encode()).digest()).rstrip(b"=").decode()
        self.params = {"state": secrets.token_urlsafe(16), "nonce": secrets.token_urlsafe(16),
                       "scope": "openid profile email", "code_challenge": challenge,
                       "code_challenge_method": "S256"}


def callback_url(keycloak: Any) -> str:
    """The bridge's registered redirect URI (nothing listens there in these tests)."""
    return f"{keycloak.server.env['IDP_BRIDGE_URL']}/auth/callback"


def handoff(keycloak: Any, user_id: str, auth: Authorization,
            steps: dict[str, str] | None = None) -> HandoffForm:
    steps = steps or {"kc_step_phone": "6", "kc_step_terms": "7", "kc_steps": "7"}
    return keycloak.gateway.registration_handoff(user_id, callback_url(keycloak), auth.params,
                                                 steps)


def registrant(keycloak: Any) -> tuple[str, str]:
    """A login as the wizard's Password Setup leaves it: password set, phone and Terms
    pending, the bridge's registration marker set."""
    email = f"handoff-{uuid.uuid4().hex[:10]}@clinic.test"
    user_id = keycloak.gateway.create_user(email, "Lee", "Phone", {REGISTRATION_MARKER: "true"})
    keycloak.gateway.set_password(user_id, PASSWORD)
    return email, user_id


def set_attributes(keycloak: Any, user_id: str, attributes: dict[str, list[str]]) -> None:
    """Replace a user's attributes through the admin API (a full representation: Keycloak's
    user profile refuses a partial one)."""
    rep = keycloak.admin.get_user(user_id)
    keycloak.admin.update_user(user_id, {**rep, "attributes": attributes})


def open_handoff(http: Browser, form: HandoffForm, **follow: Any) -> requests.Response:
    """What the bridge's hand-off page makes the browser do: post the form to Keycloak."""
    return http.post(form.action, data=form.fields, timeout=30, **follow)


def follow_to(http: Browser, response: requests.Response, prefix: str) -> str:
    """Follow redirects until one points at ``prefix`` (nothing listens there): that URL."""
    for _ in range(10):
        location = response.headers.get("Location")
        assert location, f"no redirect to {prefix}: {response.status_code} {text(response)[:800]}"
        location = urljoin(response.url, location)
        if location.startswith(prefix):
            return location
        response = http.get(location, allow_redirects=False, timeout=30)
    raise AssertionError("too many redirects")


def claims(jwt: str) -> dict[str, Any]:
    body = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))))


def test_registrant_goes_from_password_to_phone_and_back_signed_in(keycloak, outbox):
    email, user_id = registrant(keycloak)  # password set, phone and terms pending
    auth = Authorization()
    link = handoff(keycloak, user_id, auth)
    assert urlsplit(link.action).path.endswith("/idp-bridge/registration-handoff/open")
    assert not urlsplit(link.action).query

    http = browser(keycloak)
    phone = open_handoff(http, link)
    words = text(phone)
    # Straight to Phone Verification: no password page, no confirmation page.
    assert "Multi Factor Authentication Enrollment" in words, words[:1500]
    assert 'name="password"' not in phone.text
    assert "Step 6 of 7" in words

    terms, _ = enroll(http, phone, outbox)
    assert "Single Sign-On and Provider Portal Terms and Conditions" in text(terms)
    assert "Step 7 of 7" in text(terms)
    accepted = http.post(form(terms, "kc-terms-form").action, data={"accept": ""},
                         allow_redirects=False, timeout=30)
    back = follow_to(http, accepted, callback_url(keycloak))
    answer = parse_qs(urlsplit(back).query)
    assert answer["state"] == [auth.params["state"]]

    # The bridge redeems the code with its secret and PKCE verifier: a sign-in for this user.
    token = requests.post(
        f"{keycloak.base_url}/realms/{keycloak.realm}/protocol/openid-connect/token",
        data={"grant_type": "authorization_code", "code": answer["code"][0],
              "redirect_uri": callback_url(keycloak), "code_verifier": auth.verifier,
              "client_id": "idp-bridge", "client_secret": keycloak.client_secret},
        timeout=30)
    assert token.status_code == 200, token.text
    id_token = claims(token.json()["id_token"])
    assert id_token["sub"] == user_id
    assert id_token["nonce"] == auth.params["nonce"]
    assert id_token["email"] == email
    user = keycloak.admin.get_user(user_id)
    assert user["requiredActions"] == []

    # Finished: no further link for this user, and the used one opens nothing.
    with pytest.raises(GatewayError) as refused:
        handoff(keycloak, user_id, Authorization())
    assert refused.value.status == 409
    again = open_handoff(browser(keycloak), link)
    assert "Multi Factor Authentication Enrollment" not in text(again)


def test_a_link_opens_one_browser_only(keycloak):
    _, user_id = registrant(keycloak)
    link = handoff(keycloak, user_id, Authorization())
    first = open_handoff(browser(keycloak), link)
    assert "Multi Factor Authentication Enrollment" in text(first)
    # Copied to another browser while the first is on the phone page: refused.
    second = open_handoff(browser(keycloak), link)
    words = text(second)
    assert "Multi Factor Authentication Enrollment" not in words
    assert "expired or was already used" in (alert(second) or words), words[:800]


def test_no_link_for_a_user_with_a_second_factor_or_a_foreign_redirect(keycloak, outbox):
    _, enrolled = registrant(keycloak)
    http = browser(keycloak)
    # Enrolled a phone in a normal sign-in (terms still pending): a link would skip the code.
    email = keycloak.admin.get_user(enrolled)["email"]
    enroll(http, http.sign_in(email), outbox)
    with pytest.raises(GatewayError) as refused:
        handoff(keycloak, enrolled, Authorization())
    assert refused.value.status == 409

    _, fresh = registrant(keycloak)
    with pytest.raises(GatewayError) as foreign:
        keycloak.gateway.registration_handoff(fresh, "https://attacker.test/auth/callback",
                                              Authorization().params)
    assert foreign.value.status == 400
    plain = dict(Authorization().params, code_challenge_method="plain")
    with pytest.raises(GatewayError) as no_pkce:
        keycloak.gateway.registration_handoff(fresh, callback_url(keycloak), plain)
    assert no_pkce.value.status == 400


def person_token(keycloak: Any, email: str) -> str:
    """A signed-in person's access token (account console, PKCE): not a service account."""
    http = browser(keycloak)
    auth = Authorization()
    page = http.get(f"{keycloak.base_url}/realms/{keycloak.realm}/protocol/openid-connect/auth",
                    params={"client_id": "account-console", "redirect_uri": http.account_url,
                            "response_type": "code", **auth.params}, timeout=30)
    login = form(page, "kc-form-login")
    signed_in = http.post(login.action, data={**login.fields, "username": email,
                                              "password": PASSWORD},
                          allow_redirects=False, timeout=30)
    back = follow_to(http, signed_in, http.account_url)
    token = requests.post(
        f"{keycloak.base_url}/realms/{keycloak.realm}/protocol/openid-connect/token",
        data={"grant_type": "authorization_code", "client_id": "account-console",
              "code": parse_qs(urlsplit(back).query)["code"][0],
              "redirect_uri": http.account_url, "code_verifier": auth.verifier}, timeout=30)
    assert token.status_code == 200, token.text
    return str(token.json()["access_token"])


def test_only_the_bridges_service_account_may_ask(keycloak):
    _, user_id = registrant(keycloak)
    url = f"{keycloak.base_url}/realms/{keycloak.realm}/idp-bridge/registration-handoff"
    body = {"user_id": user_id, "redirect_uri": callback_url(keycloak),
            **Authorization().params}
    assert requests.post(url, json=body, timeout=30).status_code == 401
    # A signed-in person's own token is refused: only a client's service account may ask.
    person_email, _ = new_user(keycloak, actions=[])
    bearer = {"Authorization": f"Bearer {person_token(keycloak, person_email)}"}
    assert requests.post(url, json=body, headers=bearer, timeout=30).status_code == 403
    # A public client cannot be the one signed in to.
    with pytest.raises(GatewayError) as public:
        keycloak.gateway.registration_handoff(user_id, callback_url(keycloak),
                                              Authorization().params,
                                              client_id="account-console")
    assert public.value.status == 400


@pytest.mark.parametrize("brand", ["dean", "wellfirst"])
def test_the_wizard_goes_from_password_setup_straight_to_phone_verification(
        bridge, outbox, keycloak, fresh_org, unique_email, brand):
    """Through the bridge, for each brand's client: Password Setup's Continue lands on
    Keycloak's Phone Verification (no Account Security page, no Log In, the counter carried
    on, the brand's page), and after the phone and the Terms the registration is complete,
    the registrant signed in on the brand's address."""
    base = bridge if brand == "dean" else f"{bridge}/b/{brand}"  # the dev address per brand
    wizard = WizardClient(base, outbox)
    wizard.account("organization", **fresh_org())
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(unique_email))
    phone = wizard.password(WIZARD_PASSWORD)
    assert phone.url.startswith(keycloak.base_url), phone.url
    assert "/login-actions/" in phone.url
    words = text(phone)
    assert "Multi Factor Authentication Enrollment" in words
    assert f"{BRANDS[brand].plan_name} Provider Portal" in words  # the brand's client's theme
    assert 'name="password"' not in phone.text and "Account Security" not in words
    numbers = step_numbers("organization", STAGES)  # the bridge's own counter
    assert f"Step {numbers['phone']} of {numbers['steps']}" in words, words[:600]

    page = sign_in_and_finish(wizard, unique_email)
    assert page.url.endswith("/register/complete"), page.url
    assert "Your organization's registration is complete!" in page.text
    # Signed in to the bridge: the portal opens without a trip to Keycloak's Log In.
    home = wizard.http.get(f"{base}/", timeout=30)
    assert home.url.startswith(base) and "kc-form-login" not in home.text, home.url


# Issue 19 row 2: the credential never travels in a URL; only registrations the bridge started.


def visited(page: requests.Response) -> list[str]:
    """Every URL the browser went through to show ``page``, redirects' Locations included."""
    locations = [urljoin(r.url, r.headers.get("Location", "")) for r in page.history]
    return [r.url for r in page.history] + locations + [page.url]


def test_the_handoff_travels_in_no_url_and_a_captured_url_opens_nothing_elsewhere(
        keycloak, outbox):
    _, user_id = registrant(keycloak)
    auth = Authorization()
    link = handoff(keycloak, user_id, auth)
    key = link.fields["key"]
    assert key not in link.action
    http = browser(keycloak)
    phone = open_handoff(http, link)
    assert "Multi Factor Authentication Enrollment" in text(phone)
    urls = visited(phone) + [form(phone, "kc-phone-form").action]
    assert not [url for url in urls if key in url]
    # Each URL of the hand-off, replayed in a fresh browser: no phone page, no session.
    for url in urls:
        replay = browser(keycloak).get(url, timeout=30)
        assert 'id="kc-phone-form"' not in replay.text, url
    # The credential itself in Keycloak's own GET action-token URL opens nothing either.
    as_link = browser(keycloak).get(
        f"{keycloak.base_url}/realms/{keycloak.realm}/login-actions/action-token",
        params={"key": key, "client_id": "idp-bridge"}, timeout=30)
    assert 'id="kc-phone-form"' not in as_link.text
    # And a GET of the opening address is no way in.
    assert browser(keycloak).get(link.action, timeout=30).status_code == 405

    # The first browser finishes; a stranger replaying its URLs is signed in nowhere.
    terms, _ = enroll(http, phone, outbox)
    accepted = http.post(form(terms, "kc-terms-form").action, data={"accept": ""},
                         allow_redirects=False, timeout=30)
    back = follow_to(http, accepted, callback_url(keycloak))
    assert key not in back
    stranger = browser(keycloak)
    for url in urls:
        stranger.get(url, timeout=30)
    assert 'id="kc-form-login"' in stranger.login_page().text  # Keycloak asks for a password


def demo_plan_admin_with_no_phone(keycloak: Any, live_app: Any) -> str:
    """The seeded plan administrator (``flask seed-demo``) as seed-demo leaves it: password
    set, phone enrollment pending, no other credential (put back if an earlier test of the
    session enrolled it)."""
    live_app.test_cli_runner().invoke(args=["seed-demo", "--password", PASSWORD])
    found = keycloak.gateway.find_user_by_email(DEMO_USER["email"])
    assert found is not None
    for credential in keycloak.admin.get_credentials(found.id):
        if credential["type"] != "password":
            keycloak.admin.delete_credential(found.id, credential["id"])
    rep = keycloak.admin.get_user(found.id)
    keycloak.admin.update_user(found.id, {**rep, "requiredActions": ["phone-verification"]})
    keycloak.admin.set_user_password(found.id, PASSWORD, temporary=False)
    return str(found.id)


def test_no_handoff_for_an_account_the_bridge_did_not_create_in_a_registration(
        keycloak, live_app):
    admin_id = demo_plan_admin_with_no_phone(keycloak, live_app)
    with pytest.raises(GatewayError) as seeded:
        handoff(keycloak, admin_id, Authorization())
    assert seeded.value.status == 409
    # Even carrying the bridge's marker (set by someone with the admin API): a realm role.
    attributes = keycloak.admin.get_user(admin_id).get("attributes") or {}
    set_attributes(keycloak, admin_id, {**attributes, REGISTRATION_MARKER: ["true"]})
    try:
        with pytest.raises(GatewayError) as marked:
            handoff(keycloak, admin_id, Authorization())
        assert marked.value.status == 409
    finally:
        set_attributes(keycloak, admin_id, attributes)
    # A login created outside a registration (no marker): refused.
    _, unmarked = new_user(keycloak)
    with pytest.raises(GatewayError) as outside:
        handoff(keycloak, unmarked, Authorization())
    assert outside.value.status == 409
    # A registrant who already belongs to a group (a member somewhere): refused.
    _, member = registrant(keycloak)
    keycloak.gateway.add_to_group(member, keycloak.gateway.orgs_group_id())
    with pytest.raises(GatewayError) as grouped:
        handoff(keycloak, member, Authorization())
    assert grouped.value.status == 409


# Issue 19 row 8: one live hand-off per registration.


def test_a_new_handoff_makes_the_earlier_one_dead(keycloak):
    _, user_id = registrant(keycloak)
    first = handoff(keycloak, user_id, Authorization())
    second = handoff(keycloak, user_id, Authorization())
    old = open_handoff(browser(keycloak), first)
    assert 'id="kc-phone-form"' not in old.text
    assert "expired or was already used" in (alert(old) or text(old)), text(old)[:800]
    assert 'id="kc-phone-form"' in open_handoff(browser(keycloak), second).text


def test_reopening_the_handoff_page_keeps_one_live_handoff_and_a_bounded_session(
        bridge, outbox, keycloak, live_app, fresh_org, unique_email):
    """Through the bridge (and its database: PostgreSQL with TEST_DATABASE_URL): 25 more
    GETs of /register/handoff leave one live hand-off (every earlier one refused by Keycloak)
    and at most two pending sign-ins in a small session row."""
    wizard = WizardClient(bridge, outbox)
    wizard.account("organization", **fresh_org())
    wizard.answer_questionnaire()
    wizard.organization()
    wizard.individual(person(unique_email))
    page = wizard.http.post(f"{bridge}/register/password", timeout=30, data={
        "csrf_token": wizard.csrf(), "password": WIZARD_PASSWORD,
        "confirm_password": WIZARD_PASSWORD})
    forms_seen = [handoff_form(page)]
    for _ in range(25):
        forms_seen.append(handoff_form(wizard.http.get(f"{bridge}/register/handoff", timeout=30)))
    assert all(found is not None for found in forms_seen)
    keys = [found.fields["key"] for found in forms_seen if found is not None]
    assert len(set(keys)) == 26
    cookie = wizard.http.cookies.get("session") or ""
    with live_app.app_context():
        row = db.session.get(WebSession, hashlib.sha256(cookie.encode()).hexdigest())
        assert row is not None
        pending = [key for key in row.data if key.startswith("_state_")]
        size = len(json.dumps(row.data))
    assert len(pending) <= 2 and size < 3000, (pending, size)
    # Every earlier hand-off is dead in Keycloak; the last one opens the phone step.
    for earlier in (forms_seen[0], forms_seen[12], forms_seen[24]):
        assert earlier is not None
        old = wizard.http.post(earlier.action, data=earlier.fields, timeout=30)
        assert 'id="kc-phone-form"' not in old.text
    last = forms_seen[-1]
    assert last is not None
    assert 'id="kc-phone-form"' in wizard.http.post(last.action, data=last.fields,
                                                    timeout=30).text
