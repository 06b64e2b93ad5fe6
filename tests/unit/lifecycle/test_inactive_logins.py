"""Last sign-in and inactive logins through the scheduler, on a frozen clock, with the fake
Keycloak: sign-in events become each login's last sign-in; unused logins get two warnings in
their brand and are then disabled in Keycloak; running it again, or twice at once, sends
nothing twice; a re-enabled login starts a fresh period."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from idp_bridge.audit.models import AuditEvent
from idp_bridge.brand import current_brand
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.lifecycle.inactivity import NotDisabled, reenable
from idp_bridge.lifecycle.models import NOTICE_DISABLED, NOTICE_FIRST, NOTICE_NONE, Login
from idp_bridge.lifecycle.scheduler import run_due
from idp_bridge.lifecycle.sign_ins import record_portal_sign_in
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.organizations.models import Membership
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

START = datetime(2026, 1, 1, 9, 0)


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def ms(when: datetime) -> int:
    return int(when.replace(tzinfo=UTC).timestamp() * 1000)


def member(fake: FakeKeycloak, brand: str = "dean") -> Membership:
    org = new_organization(fake)
    person = add_person(fake, org, roles=["claims"])
    person.brand = brand
    person.requested_at = START
    db.session.commit()
    return person


def run_on(day: int) -> dict[str, str]:
    return {o.step: o.result for o in run_due(START + timedelta(days=day), force=True)}


def mails(to: str) -> list[OutboundEmail]:
    return list(OutboundEmail.query.filter_by(to=to).order_by(OutboundEmail.id))


def login(user_id: str) -> Login:
    db.session.expire_all()
    found = db.session.get(Login, user_id)
    assert found is not None
    return found


def test_last_sign_in_from_keycloak_events_of_any_client(fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak)
    run_on(0)  # the login is adopted: never signed in, counted from its registration
    assert login(person.user_id).last_sign_in_at is None
    assert login(person.user_id).created_at == START
    fake_keycloak.sign_in(person.user_id, ms(START + timedelta(days=3)), "claims-app")
    fake_keycloak.sign_in(person.user_id, ms(START + timedelta(days=2)), "dean-portal")
    assert run_on(3)["sign-ins"] == "1 login(s) signed in, 0 new login(s)"
    kept = login(person.user_id)
    assert (kept.last_sign_in_at, kept.last_sign_in_client) == (
        START + timedelta(days=3), "claims-app")
    # the same events read again (the overlap) change nothing
    run_on(3)
    assert login(person.user_id).last_sign_in_at == START + timedelta(days=3)


def test_inactive_login_warned_twice_in_its_brand_then_disabled(
        fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak, brand="wellfirst")
    for day in (0, 149):
        run_on(day)
    assert mails(person.email) == []
    run_on(150)
    first = mails(person.email)
    assert len(first) == 1 and first[0].brand == "wellfirst"
    assert "WellFirst" in first[0].subject and "June 30, 2026" in first[0].subject
    run_on(150)  # again the same day: nothing sent twice
    run_on(172)
    assert len(mails(person.email)) == 1
    run_on(173)
    assert len(mails(person.email)) == 2
    run_on(179)
    assert fake_keycloak.get_user(person.user_id).enabled
    run_on(180)
    assert not fake_keycloak.get_user(person.user_id).enabled
    sent = mails(person.email)
    assert len(sent) == 3 and "was disabled" in sent[2].subject
    assert "Site Administrator" in sent[2].body
    run_on(181)
    assert len(mails(person.email)) == 3
    actions = [e.action for e in AuditEvent.query.filter_by(subject_id=person.user_id)]
    assert actions == ["login.inactive_warning", "login.inactive_warning", "login.disable"]


def test_inactive_count_restarts_when_the_person_signs_in(fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak)
    run_on(0)
    run_on(150)  # first warning
    fake_keycloak.sign_in(person.user_id, ms(START + timedelta(days=151)))
    run_on(151)
    run_on(180)  # would have been the day: still enabled, nothing more sent
    assert fake_keycloak.get_user(person.user_id).enabled
    assert len(mails(person.email)) == 1
    run_on(301)  # 150 days after that sign-in: warned again
    assert len(mails(person.email)) == 2


def test_inactive_step_acts_on_nobody_when_sign_ins_are_stale(
        fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak)
    run_on(0)
    fake_keycloak.fail("sign_in_events", status=503)  # Keycloak's events cannot be read
    outcomes = {o.step: o.result for o in
                run_due(START + timedelta(days=200), force=True)}
    assert outcomes["sign-ins"] == "failed: GatewayError"
    assert outcomes["inactive-logins"] == "skipped: sign-ins were not read recently"
    assert fake_keycloak.get_user(person.user_id).enabled and mails(person.email) == []


def test_inactive_plan_admin_follows_its_own_period(app: Flask,
                                                    fake_keycloak: FakeKeycloak) -> None:
    app.config["IDP_INACTIVE_PLAN_ADMIN_DAYS"] = 90
    admin, staff = member(fake_keycloak), member(fake_keycloak)
    fake_keycloak.assign_realm_role(admin.user_id, "plan-admin")
    run_on(0)
    run_on(60)  # 90 - 30: the plan administrator is warned, the member is not
    assert len(mails(admin.email)) == 1 and mails(staff.email) == []
    app.config["IDP_INACTIVE_PLAN_ADMIN_DAYS"] = 0  # a plan that never disables its admins
    for day in (83, 90, 200):
        run_on(day)
    assert fake_keycloak.get_user(admin.user_id).enabled


def test_inactive_login_reenabled_gets_a_fresh_period(fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak)
    for day in (0, 150, 173, 180):
        run_on(day)
    assert login(person.user_id).notice == NOTICE_DISABLED
    reenable(person.user_id)
    assert fake_keycloak.get_user(person.user_id).enabled
    assert "re-enabled" in mails(person.email)[-1].subject
    with pytest.raises(NotDisabled):
        reenable(person.user_id)  # twice: refused, nothing sent
    assert len(mails(person.email)) == 4
    kept = login(person.user_id)
    assert kept.disabled_at is None and kept.active_since > START + timedelta(days=180)


def test_inactive_disabling_undone_when_keycloak_fails(fake_keycloak: FakeKeycloak) -> None:
    person = member(fake_keycloak)
    for day in (0, 150, 173):
        run_on(day)
    fake_keycloak.fail("set_enabled", status=500)
    assert "1 to retry" in run_on(180)["inactive-logins"]
    assert login(person.user_id).notice < NOTICE_DISABLED and len(mails(person.email)) == 2
    assert "1 disabled" in run_on(180)["inactive-logins"]  # the next pass does it


def test_a_portal_sign_in_is_recorded_at_once_with_or_without_a_login_row(
        app: Flask, fake_keycloak: FakeKeycloak) -> None:
    """The bridge's own callback records the sign-in as it happens: a login with no row yet
    gets one; a warned login's count starts again (one statement when the row is there)."""
    person = member(fake_keycloak)
    with app.test_request_context("/"):
        client = current_brand().client_id
        record_portal_sign_in(person.user_id)  # no row yet: created
        first = login(person.user_id)
        assert first.last_sign_in_client == client
        assert abs(first.last_sign_in_at - utcnow()) < timedelta(minutes=1)
        first.active_since, first.notice = utcnow() - timedelta(days=160), NOTICE_FIRST
        first.disable_on = utcnow() + timedelta(days=20)
        db.session.commit()
        record_portal_sign_in(person.user_id)  # the row is there: its count starts again
        again = login(person.user_id)
    assert (again.notice, again.disable_on) == (NOTICE_NONE, None)
    assert abs(again.active_since - utcnow()) < timedelta(minutes=1)
    assert again.last_sign_in_at >= first.last_sign_in_at
