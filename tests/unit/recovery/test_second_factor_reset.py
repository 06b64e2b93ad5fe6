"""Lost-phone recovery by people, with the in-memory Keycloak: the identity check, who may
reset whom, the daily cap, and nothing half-done when Keycloak fails."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.audit.actor import Actor
from idp_bridge.audit.models import AuditEvent
from idp_bridge.extensions import db
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.recovery import rules, service
from idp_bridge.recovery.models import SecondFactorReset
from tests.support.fake_keycloak import FakeKeycloak


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def person(fake: FakeKeycloak, name: str, plan_admin: bool = False) -> tuple[str, Actor]:
    address = f"{name}-{len(fake.users)}@clinic.test"
    user_id = fake.create_user(address, name.title(), "Person", {"brand": "dean"},
                               required_actions=[])
    fake.add_credential(user_id, "password")
    fake.add_credential(user_id, "phone-otp")
    fake.add_credential(user_id, "otp", "App")
    fake.add_credential(user_id, "recovery-authn-codes", data={"remainingCodes": 12})
    fake.add_passkey(user_id, "Laptop")
    if plan_admin:
        fake.assign_realm_role(user_id, "plan-admin")
    return user_id, Actor(id=user_id, email=address, ip="127.0.0.1", user_agent="test")


def emailed_code(address: str) -> str:
    mail = OutboundEmail.query.filter_by(to=address, kind="second_factor_reset.check") \
        .order_by(OutboundEmail.id.desc()).first()
    assert mail is not None
    found = re.search(r"when they ask: (\d{6})", mail.body)
    assert found
    return found.group(1)


def kinds(fake: FakeKeycloak, user_id: str) -> list[str]:
    return sorted(c["type"] for c in fake.users[user_id].credentials)


def test_second_factor_reset_by_site_admin_with_the_emailed_check_code(
        fake_keycloak: FakeKeycloak) -> None:
    member, who = person(fake_keycloak, "member")
    _, admin = person(fake_keycloak, "admin")
    attempt = service.start(admin, service.target_of(member, "org-1"), rules.SITE_ADMIN,
                            "Ticket 4411: phone lost")
    with pytest.raises(DecisionFailed, match="not the check code"):
        service.confirm(admin, attempt.id, "000000" if emailed_code(who.email) != "000000"
                        else "111111", include_passkeys=False)
    removed = service.confirm(admin, attempt.id, emailed_code(who.email),
                              include_passkeys=False)

    assert removed == ["otp", "phone-otp", "recovery-authn-codes"]
    assert kinds(fake_keycloak, member) == ["password", "webauthn-passwordless"]
    assert fake_keycloak.required_actions(member)[0] == "phone-verification"
    assert fake_keycloak.ended_sessions[-1] == member
    notice = OutboundEmail.query.filter_by(
        to=who.email, kind="security_notice.second_factor_reset").one()
    assert "If this wasn't you" in notice.body
    event = AuditEvent.query.filter_by(action="second_factor.reset").one()
    assert event.actor_id == admin.id and event.subject_id == member
    assert event.details["reason"] == "Ticket 4411: phone lost"
    # Done once: the same check code cannot reset again.
    with pytest.raises(DecisionFailed, match="no longer waiting"):
        service.confirm(admin, attempt.id, emailed_code(who.email), include_passkeys=False)


def test_second_factor_reset_removes_passkeys_only_on_request(
        fake_keycloak: FakeKeycloak) -> None:
    member, who = person(fake_keycloak, "member")
    _, admin = person(fake_keycloak, "planner", plan_admin=True)
    attempt = service.start(admin, service.target_of(member), rules.PLAN_ADMIN, "Call 12")
    service.confirm(admin, attempt.id, emailed_code(who.email), include_passkeys=True)
    assert kinds(fake_keycloak, member) == ["password"]


def test_second_factor_reset_refused_for_self_and_for_a_plan_admin_from_site_admin_console(
        fake_keycloak: FakeKeycloak) -> None:
    me, admin = person(fake_keycloak, "admin")
    planner, _ = person(fake_keycloak, "planner", plan_admin=True)
    with pytest.raises(DecisionFailed, match="your own"):
        service.start(admin, service.target_of(me), rules.SITE_ADMIN, "lost it")
    with pytest.raises(DecisionFailed, match="only be reset by another plan administrator"):
        service.start(admin, service.target_of(planner), rules.SITE_ADMIN, "lost it")
    assert SecondFactorReset.query.count() == 0
    assert OutboundEmail.query.count() == 0
    # Another plan administrator may, from the plan's console.
    _, other_planner = person(fake_keycloak, "other", plan_admin=True)
    assert service.start(other_planner, service.target_of(planner), rules.PLAN_ADMIN,
                         "Ticket 9")


def test_second_factor_reset_check_code_locks_after_five_wrong_tries(
        fake_keycloak: FakeKeycloak) -> None:
    member, who = person(fake_keycloak, "member")
    _, admin = person(fake_keycloak, "admin")
    attempt = service.start(admin, service.target_of(member), rules.SITE_ADMIN, "lost it")
    right = emailed_code(who.email)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(rules.CHECK_CODE_MAX_TRIES):
        with pytest.raises(DecisionFailed, match="not the check code"):
            service.confirm(admin, attempt.id, wrong, include_passkeys=False)
    with pytest.raises(DecisionFailed, match="Too many wrong check codes"):
        service.confirm(admin, attempt.id, right, include_passkeys=False)
    assert "phone-otp" in kinds(fake_keycloak, member)


def test_second_factor_reset_by_another_admin_with_the_attempt_id_is_refused(
        fake_keycloak: FakeKeycloak) -> None:
    member, who = person(fake_keycloak, "member")
    _, admin = person(fake_keycloak, "admin")
    _, intruder = person(fake_keycloak, "intruder")
    attempt = service.start(admin, service.target_of(member), rules.SITE_ADMIN, "lost it")
    with pytest.raises(DecisionFailed, match="no longer waiting"):
        service.confirm(intruder, attempt.id, emailed_code(who.email), include_passkeys=False)
    assert "phone-otp" in kinds(fake_keycloak, member)


def test_second_factor_reset_capped_per_admin_per_day(app: Flask,
                                                     fake_keycloak: FakeKeycloak) -> None:
    app.config["IDP_FACTOR_RESETS_PER_DAY"] = 2
    _, admin = person(fake_keycloak, "admin")
    for n in range(3):
        member, who = person(fake_keycloak, "member" + "abc"[n])
        attempt = service.start(admin, service.target_of(member), rules.SITE_ADMIN, "lost it")
        if n < 2:
            service.confirm(admin, attempt.id, emailed_code(who.email), include_passkeys=False)
        else:
            with pytest.raises(DecisionFailed, match="today's limit of 2"):
                service.confirm(admin, attempt.id, emailed_code(who.email),
                                include_passkeys=False)
            assert "phone-otp" in kinds(fake_keycloak, member)


def test_second_factor_reset_keycloak_failure_changes_nothing(
        fake_keycloak: FakeKeycloak) -> None:
    member, who = person(fake_keycloak, "member")
    _, admin = person(fake_keycloak, "admin")
    attempt = service.start(admin, service.target_of(member), rules.SITE_ADMIN, "lost it")
    fake_keycloak.fail("reset_second_factor", nth=1, status=500)
    with pytest.raises(DecisionFailed, match="nothing was changed"):
        service.confirm(admin, attempt.id, emailed_code(who.email), include_passkeys=False)
    db.session.expire_all()
    assert db.session.get(SecondFactorReset, attempt.id).status == "checking"
    assert OutboundEmail.query.filter_by(kind="security_notice.second_factor_reset").count() == 0
    assert AuditEvent.query.filter_by(action="second_factor.reset").count() == 0
    # The administrator tries again with the same code: it works, and counts once.
    service.confirm(admin, attempt.id, emailed_code(who.email), include_passkeys=False)
    assert "phone-otp" not in kinds(fake_keycloak, member)
