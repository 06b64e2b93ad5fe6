"""CSRF on the wizard's forms: Flask-WTF's token in every form, refused without it."""

from __future__ import annotations

from tests.support.forms import forms


def test_every_form_carries_the_token_and_a_post_without_it_is_refused(wizard_at, app):
    app.config["WTF_CSRF_ENABLED"] = True
    wizard = wizard_at("account")
    token = forms(wizard.get().get_data(as_text=True), "http://localhost/")[0].fields[
        "csrf_token"]
    refused = wizard.post({"csrf_token": token, "account_type": "individual",
                           "npi": "1588000038", "tin": "39-1588003"})
    html = refused.get_data(as_text=True)
    posted = [f for f in forms(html, "http://localhost/") if f.method == "post"]
    # The screen's form, Register your Organization, Restart: each with the token.
    assert len(posted) == 3
    assert all(f.fields.get("csrf_token") for f in posted)
    assert html.count('id="csrf_token"') == 1  # ids stay unique on the page
    assert wizard.post({"account_type": "individual"}).status_code == 400
