"""Merge question, new email, Password Setup, the hand-off and the confirmation, each from a
draft put at that step (the in-memory Keycloak stands in)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.registration.models import RegistrationDraft
from tests.support.drafts import PERSON, last_code


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


def at_merge(wizard_at, account_type="organization"):  # type: ignore[no-untyped-def]
    wizard = wizard_at("merge", account_type=account_type)
    user_id = wizard.gateway.create_user(PERSON.email, "Jordan", "Baker", {})
    with wizard.app.app_context():
        from idp_bridge.extensions import db
        from idp_bridge.registration import context
        from idp_bridge.registration.models import RegistrationDraft

        draft = db.session.get(RegistrationDraft, wizard.draft_id)
        ctx = context.load(draft)
        ctx.existing_user_id = user_id
        context.save(draft, ctx)
        db.session.commit()
    return wizard, user_id


def test_merge_needs_an_answer(wizard_at):
    wizard, _ = at_merge(wizard_at)
    refused = wizard.post({})
    assert refused.status_code == 422 and "Please select YES or NO." in text(refused)


def test_merge_no_moves_forward_and_says_why_the_email_is_empty(wizard_at):
    wizard, _ = at_merge(wizard_at)
    answer = wizard.post({"merge": "no"})
    assert answer.location.endswith("/register/new_email")
    page = text(wizard.get("new_email"))
    assert message("merge.declined", email=PERSON.email) in page
    assert 'value="Jordan"' in page and f'value="{PERSON.email}"' not in page
    assert 'data-step="4" data-steps="7"' in page  # still Individual Enrollment's number
    # The engine never goes back: the individual screen is refused now.
    assert wizard.get("individual").status_code == 409
    assert wizard.context().existing_user_id is None and wizard.context().email_code is None


def test_a_second_existing_login_is_refused_rather_than_asked_again(wizard_at, app):
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 0
    wizard, _ = at_merge(wizard_at)
    wizard.post({"merge": "no"})
    other = "taken@clinic.test"
    wizard.gateway.create_user(other, "Someone", "Else", {})
    person = {"first_name": "Jordan", "last_name": "Baker", "phone": "608-555-0142",
              "email": other, "job_title": "Office Manager", "opt_in": "in", "site_admin": "yes"}
    wizard.post({**person, "action": "send_code"}, step="new_email")
    code = last_code(app, other)
    wizard.post({**person, "email_code": code, "action": "verify_code"}, step="new_email")
    refused = wizard.post({**person, "action": "continue"}, step="new_email")
    assert refused.status_code == 422
    assert "An account already exists for this email address too" in text(refused)


def test_merge_yes_finishes_for_the_existing_login(wizard_at):
    wizard, user_id = at_merge(wizard_at)
    answer = wizard.post({"merge": "yes"})
    assert answer.location.endswith("/register/complete")
    draft = wizard.draft()
    assert draft.completed_at is not None and wizard.context().merge


def test_password_mismatch_and_the_broken_rule_in_the_guides_words(wizard_at):
    wizard = wizard_at("password")
    assert "Passwords do not match." in text(wizard.post(
        {"password": "Provider1!", "confirm_password": "Provider2!"}))
    weak = text(wizard.post({"password": "short", "confirm_password": "short"}))
    assert "does not meet this requirement: Must be at least 8 characters." in weak
    assert "Invalid password" not in weak  # Keycloak's admin-API English stays behind
    assert wizard.draft().step == "password"


def test_a_refused_profile_value_is_corrected_on_the_password_screen(wizard_at):
    from dataclasses import replace

    wizard = wizard_at("password", individual=replace(PERSON, first_name="J<o>rdan"))
    refused = wizard.post({"password": "Provider1!", "confirm_password": "Provider1!"})
    assert refused.status_code == 422
    page = text(refused)
    assert "First Name was not accepted. Please correct it and continue." in page
    assert wizard.draft().step == "password"  # not sent back
    assert 'id="first_name"' in text(wizard.get())  # the field, to correct here
    fixed = wizard.post({"first_name": "Jordan", "password": "Provider1!",
                         "confirm_password": "Provider1!"})
    assert fixed.location.endswith("/register/handoff")  # Sign In is passed straight through
    assert wizard.context().individual.first_name == "Jordan"


def test_the_sign_in_hand_off_carries_keycloaks_step_numbers(wizard_at, app):
    from idp_bridge.registration.stages.sign_in import sign_in_url

    wizard = wizard_at("sign_in", account_type="individual")
    with app.test_request_context():
        link = sign_in_url(wizard.draft(), wizard.context())
    query = parse_qs(urlsplit(link).query)
    assert query["kc_step_phone"] == ["4"] and query["kc_step_terms"] == ["5"]
    assert query["kc_steps"] == ["5"] and query["login_hint"] == [PERSON.email]


def test_the_confirmation_ends_with_the_guides_closing_lines(wizard_at):
    individual = text(wizard_at("complete", account_type="individual").get())
    assert "Thank you, and welcome to the Dean Health Plan Provider Portal!" in individual
    assert ("Individual users cannot be added without the approval of the Organization "
            "Site Administrator.") in individual
    organization = text(wizard_at("complete").get())
    assert "Thank you, and welcome to the Dean Health Plan Provider Portal!" in organization
    assert message("wizard.welcome", brand="wellfirst") == (
        "Thank you, and welcome to the WellFirst Health Provider Portal!")


def test_sign_in_passes_straight_on_to_the_keycloak_hand_off(wizard_at):
    """No Account Security page: the browser goes on to the hand-off (a single-use Keycloak
    link into Phone Verification; tests/keycloak_plugin/test_handoff.py runs it for real);
    when Keycloak will not hand off, the sign-in page offers the ordinary Log In."""
    wizard = wizard_at("sign_in", account_type="individual")
    assert wizard.get().location.endswith("/register/handoff")
    with wizard.app.app_context():  # Password Setup created the login
        draft = db.session.get(RegistrationDraft, wizard.draft_id)
        draft.keycloak_user_id = wizard.gateway.create_user(PERSON.email, "Jordan", "Baker", {})
        db.session.commit()
    wizard.gateway.fail("registration_handoff", status=409)  # e.g. the phone already verified
    fallback = wizard.get("handoff").get_data(as_text=True)
    assert 'id="continue-sign-in"' in fallback


def test_the_handoff_is_a_posted_form_and_a_repeat_replaces_it(wizard_at):
    """Issue 19 rows 2 and 8: the hand-off credential is in a form body (no Location, no
    URL); each GET of /register/handoff replaces the previous hand-off (the old one dead in
    Keycloak, its pending sign-in dropped here), and the session stays bounded like
    /login's however often it is opened."""
    from idp_bridge.auth import PENDING_SIGN_INS_KEPT
    from idp_bridge.auth.oidc import client_for
    from idp_bridge.auth.sessions import WebSession

    wizard = wizard_at("sign_in", account_type="individual")
    with wizard.app.app_context():
        # Keycloak's discovery document, as the real one names the authorization endpoint.
        client_for("dean").server_metadata.update(
            _loaded_at=1, authorization_endpoint="http://keycloak.fake/auth")
        draft = db.session.get(RegistrationDraft, wizard.draft_id)
        user_id = wizard.gateway.create_user(PERSON.email, "Jordan", "Baker",
                                             {"registration_pending": "true"})
        draft.keycloak_user_id = user_id
        db.session.commit()
    keys = []
    for _ in range(25):
        page = wizard.get("handoff")
        assert page.status_code == 200 and "Location" not in page.headers
        assert page.headers["Cache-Control"] == "no-store"
        body = page.get_data(as_text=True)
        keys.append(re.search(r'name="key" value="([^"]+)"', body).group(1))
        action = re.search(r'<form method="post" action="([^"]+)" id="handoff-form"', body)
        assert action and "?" not in action.group(1) and keys[-1] not in action.group(1)
        assert 'id="handoff-continue"' in body  # works without scripts too
    live = [key for key, carried in wizard.gateway.handoffs.items()
            if carried["user_id"] == user_id]
    assert live == [keys[-1]]
    with wizard.client.session_transaction() as session:
        pending = [key for key in session if key.startswith("_state_")]
        assert len(pending) <= PENDING_SIGN_INS_KEPT
        # The pending sign-in kept is the live hand-off's.
        assert session["handoff_state"] in pending
        assert session["handoff_state"].endswith(wizard.gateway.handoffs[keys[-1]]["state"])
    with wizard.app.app_context():
        rows = [len(str(row.data)) for row in WebSession.query.all()]
    assert rows and max(rows) < 3000, rows


def test_the_eye_icon_is_a_drawing_not_an_emoji(wizard_at):
    """Debian's Chromium has no emoji font: the eye must be an inline SVG, named for
    screen readers by its button."""
    page = wizard_at("password").get().get_data(as_text=True)
    eyes = re.findall(r'<button type="button" class="eye"[^>]*>(.*?)</button>', page, re.S)
    assert len(eyes) == 2
    for eye in eyes:
        assert eye.strip().startswith('<svg aria-hidden="true"') and "&#128065;" not in eye
    assert page.count('aria-label="Show password"') == 2


def test_secrets_are_never_echoed_back(wizard_at):
    wizard = wizard_at("password")
    page = text(wizard.post({"password": "Provider1!", "confirm_password": "Provider9?"}))
    assert "Passwords do not match." in page
    assert "Provider1!" not in page and "Provider9?" not in page
