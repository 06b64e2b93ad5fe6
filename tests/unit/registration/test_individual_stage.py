"""Individual Enrollment: typed values kept, email codes with their limits, the way on."""

from __future__ import annotations

import html
import re

import pytest

from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.registration.email_code import MAX_WRONG_TRIES
from tests.support.drafts import last_code

ME = {"first_name": "Avery", "last_name": "Stone", "phone": "608-555-0142",
      "email": "avery@clinic.test", "job_title": "Office Manager", "opt_in": "in",
      "site_admin": "yes"}


def text(response) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(response.get_data(as_text=True))


@pytest.fixture
def enrollment(wizard_at, app):  # type: ignore[no-untyped-def]
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 0
    return wizard_at("individual")


def test_a_reload_after_a_refused_continue_keeps_what_was_typed(enrollment):
    refused = enrollment.post({**ME, "job_title": "", "action": "continue"})
    assert refused.status_code == 422
    reloaded = text(enrollment.get())
    for typed in ("Avery", "Stone", "608-555-0142", "avery@clinic.test"):
        assert f'value="{typed}"' in reloaded
    assert 'value="yes" checked' in reloaded or "checked" in reloaded


def test_send_code_too_soon_says_when_to_retry(enrollment, app):
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 30
    first = enrollment.post({**ME, "action": "send_code"})
    assert first.status_code == 200
    again = text(enrollment.post({**ME, "action": "send_code"}))
    seconds = re.search(r"Please wait (\d+) seconds", again)
    assert seconds and 1 <= int(seconds.group(1)) <= 30
    assert f'data-retry-after="{seconds.group(1)}"' in again  # wizard.js counts down
    assert f'data-seconds="{seconds.group(1)}"' in again


def test_too_many_wrong_codes_ask_for_a_new_code_not_a_restart(enrollment, app):
    enrollment.post({**ME, "action": "send_code"})
    right = last_code(app, ME["email"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    for _ in range(MAX_WRONG_TRIES):
        enrollment.post({**ME, "email_code": wrong, "action": "verify_code"})
    locked = text(enrollment.post({**ME, "email_code": right, "action": "verify_code"}))
    assert "Too many incorrect codes were entered for this code" in locked
    assert "Send Code for a new code" in locked and "restart" not in locked.split(
        "Too many incorrect codes")[1][:120]
    enrollment.post({**ME, "action": "send_code"})
    fresh = last_code(app, ME["email"])
    verified = text(enrollment.post({**ME, "email_code": fresh, "action": "verify_code"}))
    assert "Email Validated Successfully" in verified
    assert enrollment.post({**ME, "action": "continue"}).location.endswith("/register/password")


def test_wrong_tries_stay_capped_per_registration(enrollment, app):
    """Five wrong tries per code, five codes per registration: 25 guesses at most."""
    with app.app_context():
        from idp_bridge.registration.models import RegistrationDraft

        draft = db.session.get(RegistrationDraft, enrollment.draft_id)
        draft.code_sends = 5
        db.session.commit()
    refused = text(enrollment.post({**ME, "action": "send_code"}))
    assert "Too many codes have been requested for this registration" in refused


def test_continue_with_an_existing_login_asks_the_merge_question(enrollment, app):
    enrollment.gateway.create_user(ME["email"], "Avery", "Stone", {})
    enrollment.post({**ME, "action": "send_code"})
    enrollment.post({**ME, "email_code": last_code(app, ME["email"]),
                     "action": "verify_code"})
    answer = enrollment.post({**ME, "action": "continue"})
    assert answer.location.endswith("/register/merge")
    assert enrollment.context().existing_user_id


def test_a_tampered_npi_is_neither_taken_nor_echoed(enrollment):
    page = text(enrollment.post({**ME, "npi": "1234567893", "action": "continue"}))
    assert "1234567893" not in page and 'value="1588000012"' in page


def test_the_pressed_button_decides_the_action(enrollment, app):
    """A browser sends the form's inputs, then the pressed button: no other input may be
    named ``action``, or every button would count as the first value."""
    from tests.support.forms import forms

    app.config["WTF_CSRF_ENABLED"] = True
    form = forms(enrollment.get().get_data(as_text=True), "http://localhost/")[0]
    assert "action" not in form.fields and form.fields.get("csrf_token")
    assert {b.get("value") for b in form.buttons if b.get("name") == "action"} == {
        "send_code", "verify_code", "continue"}


def test_a_typed_code_is_not_echoed_back(enrollment):
    enrollment.post({**ME, "action": "send_code"})
    page = text(enrollment.post({**ME, "email_code": "987654", "action": "verify_code"}))
    assert "987654" not in page and 'value="Avery"' in page


# The guides to the letter (issue 21) ------------------------------------------------------


def _verified(enrollment, app, **changes):  # type: ignore[no-untyped-def]
    enrollment.post({**ME, "action": "send_code"})
    enrollment.post({**ME, "email_code": last_code(app, ME["email"]), "action": "verify_code"})
    return enrollment.post({**ME, **changes, "action": "continue"})


def _selected_opt_in(page: str) -> str:
    select = page.split('<select id="opt_in"', 1)[1].split("</select>", 1)[0]
    return re.search(r"<option [^>]*selected[^>]*>([^<]+)<", select).group(1)


def test_opt_in_is_the_choice_on_first_render_and_after_the_code(enrollment, app):
    assert _selected_opt_in(text(enrollment.get())) == "Opt In"
    enrollment.post({**ME, "opt_in": "", "action": "send_code"})
    enrollment.post({**ME, "opt_in": "", "email_code": last_code(app, ME["email"]),
                     "action": "verify_code"})
    page = text(enrollment.get())
    assert "Email Validated Successfully" in page and _selected_opt_in(page) == "Opt In"
    enrollment.post({**ME, "opt_in": "out", "action": "send_code"})
    assert _selected_opt_in(text(enrollment.get())) == "Opt Out"  # a choice is kept


@pytest.mark.parametrize(("phone", "box", "stored"), [
    ("608-555-0142", "123", "+16085550142;ext=123"),  # the extension box
    ("608-555-0142 x123", "", "+16085550142;ext=123"),  # typed after the number: kept
    ("608-555-0142 ext. 123", "123", "+16085550142;ext=123"),  # the same one twice
    ("608-555-0142", "", "+16085550142"),
])
def test_an_extension_is_kept_with_the_number(enrollment, app, phone, box, stored):
    answer = _verified(enrollment, app, phone=phone, phone_extension=box)
    assert answer.status_code == 302, text(answer)[:2000]
    assert enrollment.context().individual.phone == stored


@pytest.mark.parametrize(("phone", "box", "says"), [
    ("608-555-0142 x123", "456", "two different extensions"),
    ("608-555-0142", "12a", "up to 6 digits"),
    ("608-555-0142", "1234567", "up to 6 digits"),
])
def test_an_extension_that_cannot_be_kept_is_refused_clearly(enrollment, app, phone, box,
                                                             says):
    answer = _verified(enrollment, app, phone=phone, phone_extension=box)
    page = text(answer)
    assert answer.status_code == 422 and says in page
    assert f'value="{phone}"' in page and f'value="{box}"' in page  # what was typed, kept


def _verified_existing_login(enrollment, app):  # type: ignore[no-untyped-def]
    enrollment.gateway.create_user(ME["email"], "Avery", "Stone", {})
    enrollment.post({**ME, "action": "send_code"})
    return enrollment.post({**ME, "email_code": last_code(app, ME["email"]),
                            "action": "verify_code"})


def test_the_merge_question_pops_up_right_after_the_email_is_verified(enrollment, app):
    page = text(_verified_existing_login(enrollment, app))
    # Open in the page (it works without script); wizard.js makes it modal.
    assert '<dialog id="merge-dialog" open' in page and "data-modal" in page
    assert "An active account already exists for this email." in page
    assert enrollment.draft().step == "individual"  # still Individual Enrollment


def test_merge_yes_in_the_pop_up_then_continue_completes_for_that_login(enrollment, app):
    _verified_existing_login(enrollment, app)
    refused = enrollment.post({**ME, "action": "merge_answer"})
    assert refused.status_code == 422 and "Please select YES or NO." in text(refused)
    accepted = text(enrollment.post({**ME, "merge": "yes", "action": "merge_answer"}))
    assert "added to your existing account" in accepted and 'id="merge-dialog"' not in accepted
    done = enrollment.post({**ME, "action": "continue"})
    assert done.location.endswith("/register/complete"), text(done)[:2000]
    assert enrollment.context().merge is True


def test_merge_no_in_the_pop_up_asks_for_another_email(enrollment, app):
    _verified_existing_login(enrollment, app)
    answer = enrollment.post({**ME, "merge": "no", "action": "merge_answer"})
    assert answer.location.endswith("/register/new_email")
    page = text(enrollment.get())
    assert "You chose not to merge" in page and 'id="merge-dialog"' not in page
    assert f'value="{ME["email"]}"' not in page and 'value="Avery"' in page


def test_the_merge_answer_needs_the_email_verified_here(enrollment, app):
    """Someone who knows an address is a login cannot join it by answering YES: the answer
    counts only for an email verified with its code in this registration."""
    enrollment.gateway.create_user(ME["email"], "Avery", "Stone", {})
    answer = enrollment.post({**ME, "merge": "yes", "action": "merge_answer"})
    assert answer.status_code == 422
    assert enrollment.context().merge is False and enrollment.context().existing_user_id is None
    assert 'id="merge-dialog"' not in text(answer)


def test_the_code_mail_states_the_lifetime_setting(enrollment, app):
    app.config["IDP_EMAIL_CODE_LIFETIME_SECONDS"] = 15 * 60
    enrollment.post({**ME, "action": "send_code"})
    with app.app_context():
        mail = OutboundEmail.query.filter_by(to=ME["email"], kind="email-code").one()
        body = mail.body
    assert "It expires in 15 minutes." in body and "10 minutes" not in body
