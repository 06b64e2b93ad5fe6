"""What the wizard asks of the database for its commonest requests (issue 26, eighth pass):
a screen that is only shown opens no transaction, the first screen's session is written
once, and a right email code costs no statement beyond the try it takes. The email code's
rules themselves are tests/registration/test_email_code.py's."""

from __future__ import annotations

from datetime import datetime

from idp_bridge.extensions import db
from tests.support.drafts import last_code
from tests.support.forms import forms
from tests.support.statements import statements

ME = {"first_name": "Avery", "last_name": "Stone", "phone": "608-555-0142",
      "email": "avery@clinic.test", "job_title": "Office Manager", "opt_in": "in",
      "site_admin": "yes"}


def test_a_screen_only_shown_reads_the_session_and_the_draft_and_begins_nothing(
        wizard_at, app):
    at = wizard_at("password", account_type="individual")
    with statements(app) as seen:
        page = at.get()
    assert page.status_code == 200 and "Password Setup" in page.get_data(as_text=True)
    tables = [text.split(" FROM ")[1].split()[0] for text, _ in seen]
    assert tables == ["web_sessions", "registrations"], seen
    assert all(autocommit for _, autocommit in seen), seen


def test_a_screen_shown_for_an_expired_or_missing_draft_starts_again(wizard_at, app):
    expired, missing = (wizard_at("password", account_type="individual") for _ in range(2))
    with app.app_context():
        db.session.execute(db.text("UPDATE registrations SET expires_at = :past WHERE id = :id"),
                           {"past": datetime(2000, 1, 1), "id": expired.draft_id})
        db.session.execute(db.text("DELETE FROM registrations WHERE id = :id"),
                           {"id": missing.draft_id})
        db.session.commit()
    for at in (expired, missing):
        assert at.get().headers["Location"].endswith("/register")


def test_the_first_screen_writes_the_new_session_once(app):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    with statements(app) as seen:
        first = client.get("/register", follow_redirects=True)
    assert 'name="csrf_token"' in first.get_data(as_text=True)
    writes = [text for text, _ in seen if text.startswith(("INSERT INTO web_sessions",
                                                           "UPDATE web_sessions"))]
    assert len(writes) == 1 and writes[0].startswith("INSERT"), writes
    # ... and the token it holds is the one the screen's form carries: its submit is taken
    # (refused for the empty NPI, on the screen), not refused as a forgery (400).
    token = forms(first.get_data(as_text=True), "http://localhost/")[0].fields["csrf_token"]
    chosen = client.post("/register/account", data={"csrf_token": token,
                                                    "account_type": "individual"})
    assert chosen.status_code == 422, chosen.status_code


def test_a_right_code_reads_no_counts_and_gives_its_try_back_in_the_drafts_update(
        wizard_at, app):
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 0
    at = wizard_at("individual")
    at.post({**ME, "action": "send_code"})
    right = last_code(app, ME["email"])
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    at.post({**ME, "email_code": wrong, "action": "verify_code"})
    with statements(app) as seen:
        verified = at.post({**ME, "email_code": right, "action": "verify_code"})
    assert "Email has been validated" in verified.get_data(as_text=True) or \
        "validated" in verified.get_data(as_text=True).lower()
    on_drafts = [text for text, _ in seen if "registrations" in text]
    # the submit's lock-and-read, the try taken, the draft written: nothing else
    assert len(on_drafts) == 3, on_drafts
    assert not [text for text in on_drafts if text.startswith("SELECT")], on_drafts
    written = on_drafts[-1]
    assert "code_wrong_tries=(registrations.code_wrong_tries - " in written, written
    # The wrong code still counts, the right one does not.
    assert at.draft().code_wrong_tries == 1
