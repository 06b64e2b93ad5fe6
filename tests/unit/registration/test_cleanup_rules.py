"""Which abandoned registrations (and logins) cleanup may remove: the rule with a fixed clock,
then the service on a fresh database with the in-memory Keycloak (the real-Keycloak journeys
are in tests/registration/test_interrupted.py)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration import drafts
from idp_bridge.registration.drafts import DraftFacts, Fate, OtherUse, fate
from idp_bridge.registration.models import RegistrationDraft

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


@pytest.fixture
def login(app_context, fake_keycloak) -> str:
    return fake_keycloak.create_user("half-made@clinic.test", "Jordan", "Baker", {})


def test_cleanup_keeps_a_login_merged_into_by_a_newer_registration(app_context, fake_keycloak,
                                                                    login):
    old = _draft("sign_in", PAST, login=login)
    _draft("merge", FUTURE, merge_into=login)  # registering again, at the merge question

    summary = drafts.remove_expired(NOW)

    assert (summary.removed, summary.waiting, summary.logins_removed) == (0, 1, 0)
    assert login in fake_keycloak.users
    assert db.session.get(RegistrationDraft, old.id) is not None  # asked again next run


def test_cleanup_keeps_a_login_that_completed_elsewhere(app_context, fake_keycloak, login):
    organization = Organization(key="1588000012-391588001", name="Prairie Family Medicine",
                                address_line1="1 Main St", city="Madison", state="WI",
                                zip="53703", business_phone="+16085550100",
                                email="office@clinic.test")
    db.session.add(Membership(organization=organization, user_id=login,
                              email="half-made@clinic.test", first_name="Jordan",
                              last_name="Baker", job_title="Office Manager"))
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
        drafts.hold_login(newer, login)
    db.session.rollback()


def test_an_unfinished_registration_is_found_for_its_login(app_context, fake_keycloak, login):
    old = _draft("sign_in", PAST, login=login)
    found = drafts.unfinished_for_login(login, NOW)
    assert found is not None and found.id == old.id
    assert found.expires_at > NOW  # cleanup leaves it alone while it finishes
    assert drafts.unfinished_for_login("someone-else", NOW) is None
