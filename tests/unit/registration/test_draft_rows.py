"""A wizard submit's draft as plain statements (registration/draft_rows.py, issue 26, eleventh
pass): held and read in one statement, written back as one UPDATE of only what the request
changed, no ORM session involved; a draft removed meanwhile is a failed save, not a silent
one."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import inspect
from sqlalchemy.orm.exc import StaleDataError

from idp_bridge.extensions import db
from idp_bridge.registration import draft_rows
from idp_bridge.registration.models import RegistrationDraft
from tests.support.statements import statements


@pytest.fixture
def draft_id(app: Any) -> str:
    with app.app_context():
        draft = RegistrationDraft(step="individual", context={"npi": "1234567893"})
        db.session.add(draft)
        db.session.commit()
        return draft.id


def test_a_held_draft_belongs_to_no_session_and_writes_only_what_changed(app, draft_id):
    with app.test_request_context(), statements(app) as seen:
        draft = draft_rows.held(draft_id)
        assert draft is not None and inspect(draft).detached
        assert draft.context == {"npi": "1234567893"}
        draft.context = {"npi": "1234567893", "tin": "415599001"}
        draft.step = "password"
        draft_rows.commit(draft)
        assert not any(a.history.has_changes() for a in inspect(draft).attrs)
    held, written = (text for text, _ in seen)
    assert held.startswith("UPDATE registrations SET id=registrations.id") and \
        "RETURNING" in held
    assert written.startswith("UPDATE registrations SET step=") and "context=" in written
    assert "expires_at" not in written and "code_" not in written  # untouched columns
    with app.app_context():
        stored = db.session.get(RegistrationDraft, draft_id)
        assert stored is not None and stored.step == "password"
        assert stored.context["tin"] == "415599001"


def test_an_expression_is_written_and_read_back_as_the_rows_value(app, draft_id):
    with app.test_request_context():
        draft = draft_rows.held(draft_id)
        assert draft is not None
        draft.code_wrong_tries = RegistrationDraft.code_wrong_tries + 2
        draft_rows.commit(draft)
        assert draft.code_wrong_tries == 2


def test_a_draft_removed_meanwhile_fails_to_save(app, draft_id):
    with app.test_request_context():
        draft = draft_rows.held(draft_id)
        assert draft is not None
        db.session.commit()  # the hold ends; cleanup removes the draft meanwhile
        db.session.execute(db.text("DELETE FROM registrations WHERE id = :id"),
                           {"id": draft_id})
        db.session.commit()
        draft.step = "password"
        with pytest.raises(StaleDataError):
            draft_rows.save(draft)
        db.session.rollback()


def test_a_draft_handed_to_the_orm_keeps_what_the_request_changed(app, draft_id):
    with app.test_request_context():
        draft = draft_rows.held(draft_id)
        assert draft is not None
        draft.step = "password"
        attached = draft_rows.attached(draft)
        assert attached in db.session
        attached.account_type = "individual"
        db.session.commit()
    with app.app_context():
        stored = db.session.get(RegistrationDraft, draft_id)
        assert stored is not None and (stored.step, stored.account_type) == (
            "password", "individual")


def test_a_missing_draft_is_none(app):
    with app.test_request_context():
        assert draft_rows.held("no-such-draft") is None
        assert draft_rows.shown("no-such-draft") is None
