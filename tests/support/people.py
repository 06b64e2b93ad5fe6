"""People and organizations for attack tests: logins made through the gateway and rows
written directly, so a test starts from the state it attacks in a second, not a wizard walk."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import Flask

from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership
from tests.support.consoles import csrf_of  # noqa: F401  (one copy; security tests import it here)
from tests.support.keycloak_login import LoopbackSession, sign_in_to_bridge

PASSWORD = "Provider1!"


@dataclass
class Person:
    email: str
    user_id: str
    membership_id: int | None = None


@dataclass
class Org:
    key: str
    people: list[Person]


def new_login(keycloak: Any, prefix: str) -> Person:
    email = f"{prefix}-{uuid.uuid4().hex[:8]}@clinic.test"
    user_id = keycloak.gateway.create_user(email, "Sam", prefix.title(), {},
                                           required_actions=[])
    keycloak.gateway.set_password(user_id, PASSWORD)
    return Person(email, user_id)


def existing_login(keycloak: Any, address: str) -> str:
    """A finished login (no required actions) for ``address``, e.g. someone who registered
    before; returns its Keycloak id."""
    user_id = keycloak.gateway.create_user(address, "Robin", "Earlier", {"job_title": "Nurse"},
                                           required_actions=[])
    keycloak.gateway.set_password(user_id, PASSWORD)
    return str(user_id)


def signed_in(bridge: str, person: Person) -> LoopbackSession:
    http, landed = sign_in_to_bridge(bridge, person.email, PASSWORD)
    assert landed.url.startswith(bridge), landed.url
    return http  # type: ignore[return-value]


def membership(live_app: Flask, membership_id: int | None) -> Membership:
    with live_app.app_context():
        found = db.session.get(Membership, membership_id)
        assert found is not None
        db.session.expunge(found)
        return found
