"""Security notices from Keycloak's event log and from the bridge's own actions, with the
in-memory Keycloak: each event is told once, in the person's brand, never for a sign-in, and
nothing is lost while Keycloak cannot answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from idp_bridge.approvals import decisions
from idp_bridge.audit.actor import Actor
from idp_bridge.extensions import db
from idp_bridge.keycloak.gateway import GatewayError, SecondFactors
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.notices import collect
from idp_bridge.notices.events import notice_kind
from idp_bridge.notices.models import NoticeCursor, SecurityNotice
from idp_bridge.notices.service import OVERLAP_MS
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

ADMIN = Actor(id="admin-1", email="admin@clinic.test", ip="127.0.0.1", user_agent="test")


@pytest.fixture(autouse=True)
def _context(app_context: Flask) -> Iterator[None]:
    yield
    db.session.remove()


def person(fake: FakeKeycloak, brand: str = "dean") -> tuple[str, str]:
    address = f"notice-{len(fake.users)}@clinic.test"
    return fake.create_user(address, "Noa", "Tice", {"brand": brand}), address


def notices_to(address: str) -> list[OutboundEmail]:
    return list(OutboundEmail.query.filter_by(to=address).order_by(OutboundEmail.id))


@pytest.mark.parametrize(("event", "kind"), [
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "password"}},
     "password_changed"),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "phone-otp"}},
     "phone_changed"),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "otp"}}, "app_added"),
    ({"type": "REMOVE_CREDENTIAL", "details": {"credential_type": "otp"}}, "app_removed"),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "webauthn-passwordless"}},
     "passkey_added"),
    ({"type": "REMOVE_CREDENTIAL", "details": {"credential_type": "webauthn-passwordless"}},
     "passkey_removed"),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "recovery-authn-codes"}},
     "recovery_codes_created"),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "recovery-authn-codes",
                                               "recovery_code": "used"}},
     "recovery_code_used"),
    # Never: a sign-in, a failed attempt, Keycloak's older duplicate of a change.
    ({"type": "LOGIN", "details": {"credential_type": "phone-otp"}}, None),
    ({"type": "LOGIN", "details": {"credential_type": "recovery-authn-codes"}}, None),
    ({"type": "UPDATE_CREDENTIAL", "error": "invalid_code",
      "details": {"credential_type": "phone-otp"}}, None),
    ({"type": "UPDATE_PASSWORD", "details": {}}, None),
    ({"type": "UPDATE_TOTP", "details": {}}, None),
    ({"type": "UPDATE_CREDENTIAL", "details": {"credential_type": "something-else"}}, None),
])
def test_security_notice_kind_of_each_keycloak_event(event, kind) -> None:
    assert notice_kind({"id": "e1", "userId": "u1", "time": 1, **event}) == kind


def test_security_notice_sent_once_per_event_however_often_it_is_read(
        fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak)
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", credential_type="otp")
    fake_keycloak.record_event(user_id, "LOGIN", credential_type="otp")

    assert collect(fake_keycloak) == 1
    assert collect(fake_keycloak) == 0  # the overlap window reads it again
    mails = notices_to(address)
    assert [m.kind for m in mails] == ["security_notice.app_added"]
    assert "An authenticator app was added to your sign-in." in mails[0].body
    assert "If this wasn't you" in mails[0].body
    assert "Site Administrator" in mails[0].body


def test_security_notice_none_for_a_routine_sign_in(fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak)
    for _ in range(3):
        fake_keycloak.record_event(user_id, "LOGIN", credential_type="phone-otp")
    assert collect(fake_keycloak) == 0
    assert notices_to(address) == []


def test_security_notice_in_the_persons_brand(fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak, brand="wellfirst")
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", credential_type="password")
    collect(fake_keycloak)
    (mail,) = notices_to(address)
    assert mail.brand == "wellfirst"
    assert mail.subject == "WellFirst Health Provider Portal: a change to how you sign in"
    assert "Prevea360 Health Plan Administrator" in mail.body
    assert "Dean" not in mail.body


def test_security_notice_waits_while_keycloak_cannot_answer(
        fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak)
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", credential_type="phone-otp")
    fake_keycloak.fail("get_user", nth=1, status=500)
    with pytest.raises(GatewayError):
        collect(fake_keycloak)
    db.session.rollback()
    assert notices_to(address) == []
    assert collect(fake_keycloak) == 1  # the next pass finds it: nothing was lost
    assert len(notices_to(address)) == 1


def test_security_notice_cursor_rereads_a_window_for_late_commits(
        fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak)
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", at_ms=10_000_000,
                               credential_type="otp")
    collect(fake_keycloak)
    # An event stamped earlier whose transaction committed after the last read.
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", at_ms=10_000_000 - OVERLAP_MS // 2,
                               credential_type="password")
    assert collect(fake_keycloak) == 1
    assert db.session.get(NoticeCursor, "keycloak").last_event_ms == 10_000_000
    assert sorted(n.kind for n in SecurityNotice.query) == ["app_added", "password_changed"]


def test_security_notice_for_a_person_who_is_gone_is_recorded_not_sent(
        fake_keycloak: FakeKeycloak) -> None:
    user_id, address = person(fake_keycloak)
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", credential_type="otp")
    fake_keycloak.delete_user(user_id)
    assert collect(fake_keycloak) == 1
    assert notices_to(address) == []
    assert SecurityNotice.query.one().email == ""


def test_security_notice_for_site_administrator_rights(fake_keycloak: FakeKeycloak) -> None:
    org = new_organization(fake_keycloak)
    add_person(fake_keycloak, org, site_admin=True, first_name="Ada")
    member = add_person(fake_keycloak, org, first_name="Bo")
    decisions.set_site_admin(member, True, ADMIN)
    decisions.set_site_admin(member, False, ADMIN)
    mails = notices_to(member.email)
    assert [m.kind for m in mails] == ["security_notice.site_admin_granted",
                                       "security_notice.site_admin_revoked"]
    assert f"You were made a Site Administrator of {org.name}." in mails[0].body
    assert "If this wasn't you" in mails[1].body


def test_recovery_code_count_and_factors_read_from_keycloaks_credentials(
        fake_keycloak: FakeKeycloak) -> None:
    user_id, _ = person(fake_keycloak)
    assert fake_keycloak.second_factors(user_id) == SecondFactors(False, (), (), None)
    fake_keycloak.add_credential(user_id, "phone-otp")
    fake_keycloak.add_credential(user_id, "otp", "Work phone app")
    fake_keycloak.add_credential(user_id, "recovery-authn-codes",
                                 data={"remainingCodes": 7, "totalCodes": 12})
    factors = fake_keycloak.second_factors(user_id)
    assert factors.phone and factors.apps == ("Work phone app",) and factors.any
    assert factors.recovery_codes_left == 7
