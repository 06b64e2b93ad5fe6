"""Which abandoned registrations (and logins) cleanup may remove: the rule with a fixed clock,
then the service on a fresh database with the in-memory Keycloak (the real-Keycloak journeys
are in tests/registration/test_interrupted.py)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from flask import Flask

from idp_bridge import create_app
from idp_bridge.clock import utcnow
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.extensions import db
from idp_bridge.keycloak import init_app
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration import draft_rows, drafts
from idp_bridge.registration.drafts import DraftFacts, Fate, OtherUse, fate
from idp_bridge.registration.models import RegistrationDraft
from tests.support.waiting import wait_for_lock_waiter

NOW = datetime(2026, 12, 1, 12, 0)
PAST = NOW - timedelta(minutes=1)
FUTURE = NOW + timedelta(minutes=1)


def abandoned(**facts: object) -> DraftFacts:
    values: dict[str, object] = {"expires_at": PAST, "completed": False, "login_id": "u1"}
    values.update(facts)
    return DraftFacts(**values)  # type: ignore[arg-type]


# The rule ------------------------------------------------------------------------------------


def test_a_draft_in_progress_or_complete_is_kept():
    assert fate(abandoned(expires_at=FUTURE), NOW) is Fate.KEEP
    assert fate(abandoned(expires_at=NOW), NOW) is Fate.KEEP  # expiry is "after", not "at"
    assert fate(abandoned(completed=True), NOW) is Fate.KEEP
    assert fate(abandoned(completed=True), NOW, abandoned_now=True) is Fate.KEEP


def test_an_abandoned_login_nothing_uses_goes_with_its_draft():
    assert fate(abandoned(), NOW) is Fate.DROP_DRAFT_AND_LOGIN
    # Restart: abandoned on purpose before expiry.
    assert fate(abandoned(expires_at=FUTURE), NOW, abandoned_now=True) is \
        Fate.DROP_DRAFT_AND_LOGIN
    assert fate(abandoned(login_id=None), NOW) is Fate.DROP_DRAFT


def test_a_login_with_a_membership_is_never_removed():
    assert fate(abandoned(login_has_membership=True), NOW) is Fate.DROP_DRAFT_KEEP_LOGIN
    assert fate(abandoned(login_has_membership=True), NOW, abandoned_now=True) is \
        Fate.DROP_DRAFT_KEEP_LOGIN


def test_a_login_a_newer_registration_uses_is_never_removed():
    merging_now = OtherUse(expires_at=FUTURE, completed=False)
    assert fate(abandoned(other_uses=(merging_now,)), NOW) is Fate.WAIT
    completed_elsewhere = OtherUse(expires_at=PAST, completed=True)
    assert fate(abandoned(other_uses=(completed_elsewhere,)), NOW) is Fate.DROP_DRAFT_KEEP_LOGIN


def test_a_login_whose_other_registrations_were_abandoned_too_is_removed():
    also_abandoned = OtherUse(expires_at=PAST, completed=False)
    assert fate(abandoned(other_uses=(also_abandoned,)), NOW) is Fate.DROP_DRAFT_AND_LOGIN


# The service (database + in-memory Keycloak) ----------------------------------------------------


def _draft(step: str, expires_at: datetime, login: str | None = None,
           merge_into: str | None = None) -> RegistrationDraft:
    context = {"existing_user_id": merge_into} if merge_into else {}
    draft = RegistrationDraft(step=step, context=context, keycloak_user_id=login,
                              expires_at=expires_at)
    db.session.add(draft)
    db.session.commit()
    return draft


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, app, fake_keycloak, tmp_path) -> Iterator[Flask]:
    """The app on SQLite, then on PostgreSQL (its row locks) when TEST_DATABASE_URL names a
    server (make test-postgres)."""
    if request.param == "sqlite":
        yield app
        return
    server = os.environ.get("TEST_DATABASE_URL") or pytest.skip("needs TEST_DATABASE_URL")
    url = create_database(server, "bridge_unit")
    postgres = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": url,
                               "IDP_OUTBOX_DIR": str(tmp_path / "outbox")},
                          overrides={"TESTING": True, "WTF_CSRF_ENABLED": False})
    init_app(postgres, fake_keycloak)
    with postgres.app_context():
        db.create_all()
    yield postgres
    with postgres.app_context():
        db.engine.dispose()
    drop_databases(server, url)


@pytest.fixture
def login(app_context, fake_keycloak) -> str:
    return fake_keycloak.create_user("half-made@clinic.test", "Jordan", "Baker", {})


def _membership(user_id: str) -> Membership:
    organization = Organization(key="1588000012-391588001", name="Prairie Family Medicine",
                                address_line1="1 Main St", city="Madison", state="WI",
                                zip="53703", business_phone="+16085550100",
                                email="office@clinic.test")
    return Membership(organization=organization, user_id=user_id,
                      email="half-made@clinic.test", first_name="Jordan", last_name="Baker",
                      job_title="Office Manager")


def test_cleanup_keeps_a_login_merged_into_by_a_newer_registration(any_db, fake_keycloak):
    with any_db.app_context():
        login = fake_keycloak.create_user("half-made@clinic.test", "Jordan", "Baker", {})
        old = _draft("sign_in", PAST, login=login)
        _draft("merge", FUTURE, merge_into=login)  # registering again, at the merge question

        summary = drafts.remove_expired(NOW)

        assert (summary.removed, summary.waiting, summary.logins_removed) == (0, 1, 0)
        assert login in fake_keycloak.users
        assert db.session.get(RegistrationDraft, old.id) is not None  # asked again next run


def test_cleanup_keeps_a_login_that_completed_elsewhere(app_context, fake_keycloak, login):
    db.session.add(_membership(login))
    old = _draft("sign_in", PAST, login=login)

    summary = drafts.remove_expired(NOW)

    assert (summary.removed, summary.logins_kept, summary.logins_removed) == (1, 1, 0)
    assert login in fake_keycloak.users
    assert db.session.get(RegistrationDraft, old.id) is None


def test_cleanup_removes_a_login_only_abandoned_drafts_used(app_context, fake_keycloak, login):
    _draft("sign_in", PAST, login=login)
    _draft("merge", PAST, merge_into=login)  # the second attempt was abandoned too

    summary = drafts.remove_expired(NOW)

    assert (summary.removed, summary.logins_removed) == (2, 1)
    assert login not in fake_keycloak.users


def test_a_keycloak_failure_keeps_the_draft_for_the_next_run(app_context, fake_keycloak, login):
    old = _draft("sign_in", PAST, login=login)
    fake_keycloak.fail("delete_user")

    summary = drafts.remove_expired(NOW)

    assert (summary.removed, summary.failed) == (0, 1)
    assert db.session.get(RegistrationDraft, old.id) is not None
    assert drafts.remove_expired(NOW).logins_removed == 1  # next run
    assert login not in fake_keycloak.users


def test_completion_refuses_a_login_cleanup_removed(app_context, fake_keycloak, login):
    old = _draft("sign_in", PAST, login=login)
    newer = _draft("merge", FUTURE, merge_into=login)
    old.context = {}
    newer.context = {}  # as if the merge link were written after cleanup looked
    db.session.commit()
    assert drafts.remove_expired(NOW).logins_removed == 1

    with pytest.raises(drafts.LoginGone):
        drafts.hold_login(draft_rows.held(newer.id), login)  # held, as completion does
    db.session.rollback()


def test_an_unfinished_registration_is_found_for_its_login(app_context, fake_keycloak, login):
    old = _draft("sign_in", PAST, login=login)
    found = drafts.unfinished_for_login(login, NOW)
    assert found is not None and found.id == old.id
    assert found.expires_at > NOW  # cleanup leaves it alone while it finishes
    assert drafts.unfinished_for_login("someone-else", NOW) is None


def test_a_login_created_after_password_setup_stopped_waiting_is_found_and_removed(
        app_context, fake_keycloak):
    # Keycloak created the login after the bridge gave up waiting: the draft has no id.
    draft = _draft("password", PAST)
    draft.context = {"individual": {"email": "late@clinic.test"},
                     "login_attempted_at": time.time() - 60}
    db.session.commit()
    late = fake_keycloak.create_user("late@clinic.test", "Jordan", "Baker", {})

    assert drafts.remove_expired(NOW).removed_logins == [late]
    assert late not in fake_keycloak.users


# Concurrency: completion and cleanup of the same login, in two threads (the database's lock
# decides the order; whichever commits first, the other sees it) ---------------------------------


def _in_thread(app: Flask, work, errors: list[BaseException],  # type: ignore[no-untyped-def]
               name: str = "") -> threading.Thread:
    def run() -> None:
        with app.app_context():
            try:
                work()
            except BaseException as exc:  # noqa: BLE001  (reported by the test)
                errors.append(exc)

    thread = threading.Thread(target=run, name=name or None)
    thread.start()
    return thread


def _reaching_the_lock(monkeypatch, thread_name: str) -> threading.Event:  # type: ignore[no-untyped-def]
    """Set when the thread named ``thread_name`` asks for a draft's row lock (the barrier
    before it blocks; on PostgreSQL the test then also sees it waiting in pg_locks): cleanup
    asks through ``drafts.hold``, a completion first through ``draft_rows.held``."""
    reached = threading.Event()

    def watched(real):  # type: ignore[no-untyped-def]
        def asking(*args, **kwargs):  # type: ignore[no-untyped-def]
            if threading.current_thread().name == thread_name:
                reached.set()
            return real(*args, **kwargs)
        return asking

    monkeypatch.setattr(drafts, "hold", watched(drafts.hold))
    monkeypatch.setattr(draft_rows, "held", watched(draft_rows.held))
    return reached


def test_cleanup_waits_for_a_completion_holding_the_login(any_db, fake_keycloak, monkeypatch):
    app = any_db
    with app.app_context():
        user = fake_keycloak.create_user("half-made@clinic.test", "Jordan", "Baker", {})
        old_id = _draft("sign_in", PAST, login=user).id
        newer_id = _draft("merge", FUTURE, merge_into=user).id
        # The merge link is gone from the newer draft: only the lock can protect the login.
        db.session.get(RegistrationDraft, newer_id).context = {}
        db.session.commit()
    held, errors = threading.Event(), []
    outcome: list[drafts.Cleanup] = []
    cleanup_locking = _reaching_the_lock(monkeypatch, "cleanup")

    def complete() -> None:  # what completion does: hold, record, commit
        drafts.hold_login(draft_rows.held(newer_id), user)
        held.set()
        assert cleanup_locking.wait(15)  # cleanup runs meanwhile, and waits for the lock
        wait_for_lock_waiter(db.engine)
        db.session.add(_membership(user))
        db.session.commit()

    def clean_up() -> None:
        held.wait(5)
        outcome.append(drafts.remove_expired(NOW))

    threads = [_in_thread(app, complete, errors), _in_thread(app, clean_up, errors, "cleanup")]
    for thread in threads:
        thread.join(15)
    assert errors == []
    assert (outcome[0].logins_kept, outcome[0].logins_removed) == (1, 0)
    assert user in fake_keycloak.users
    with app.app_context():
        assert db.session.get(RegistrationDraft, old_id) is None


def test_a_completion_after_cleanup_removed_the_login_is_refused(any_db, fake_keycloak,
                                                                 monkeypatch):
    app = any_db
    with app.app_context():
        user = fake_keycloak.create_user("half-made@clinic.test", "Jordan", "Baker", {})
        _draft("sign_in", PAST, login=user)
        newer_id = _draft("merge", FUTURE).id
    removing, errors = threading.Event(), []
    delete_user = fake_keycloak.delete_user
    completion_locking = _reaching_the_lock(monkeypatch, "completion")

    def slow_delete(user_id: str) -> None:
        removing.set()
        assert completion_locking.wait(15)  # completion tries meanwhile, and waits
        wait_for_lock_waiter(db.engine)
        delete_user(user_id)

    fake_keycloak.delete_user = slow_delete  # type: ignore[method-assign]

    def complete() -> None:
        removing.wait(5)
        with pytest.raises(drafts.LoginGone):
            drafts.hold_login(draft_rows.held(newer_id), user)
        db.session.rollback()

    threads = [_in_thread(app, lambda: drafts.remove_expired(NOW), errors),
               _in_thread(app, complete, errors, "completion")]
    for thread in threads:
        thread.join(15)
    assert errors == []
    assert user not in fake_keycloak.users


def test_the_cleanup_command_says_what_it_removed_and_kept(app, fake_keycloak):
    with app.app_context():
        abandoned = fake_keycloak.create_user("gone@clinic.test", "Jordan", "Baker", {})
        member = fake_keycloak.create_user("member@clinic.test", "Jordan", "Baker", {})
        db.session.add(_membership(member))
        a_minute_ago = utcnow() - timedelta(minutes=1)
        _draft("sign_in", a_minute_ago, login=abandoned)
        _draft("sign_in", a_minute_ago, login=member)
        _draft("account", a_minute_ago)

    result = app.test_cli_runner().invoke(args=["registrations", "cleanup"])

    assert result.exit_code == 0, result.output
    assert result.output.startswith("removed 3 expired registration(s): 1 unused login(s) "
                                    "deleted, 1 kept (an account now)")
    assert set(fake_keycloak.users) == {member}
