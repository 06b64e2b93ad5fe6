"""Fault injection against the real stack: Keycloak stopped (SIGSTOP) or killed, the mail
sink down, a database write refused; and a checker that compares Keycloak with the bridge.

Stopping the session's Keycloak is safe because tests run one at a time and every pause is
ended (SIGCONT) in a ``finally`` before the test goes on.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
import requests
from flask import Flask
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import event

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Membership, Organization
from idp_bridge.registration.models import RegistrationDraft
from tests.support.stack import KeycloakHandle
from tests.support.waiting import wait_until


def _keycloak_pgid(keycloak: KeycloakHandle) -> int:
    process = keycloak.server._process  # noqa: SLF001  (the handle the fixture started)
    assert process is not None and process.poll() is None, "Keycloak is not running"
    return os.getpgid(process.pid)


def wait_keycloak_ready(keycloak: KeycloakHandle, timeout: float = 240) -> None:
    keycloak.server.wait_ready(timeout)
    realm = f"{keycloak.base_url}/realms/{keycloak.realm}"

    def answers() -> bool:
        try:
            return requests.get(realm, timeout=5).status_code == 200
        except requests.RequestException:
            return False

    wait_until(answers, timeout, every=0.5, what="Keycloak's realm answering")


def _in_progress(keycloak: KeycloakHandle) -> float:
    """Keycloak's own gauges (management port): requests on its HTTP port not yet finished,
    and database connections in use (a request still writing holds one)."""
    server = keycloak.server
    families = text_string_to_metric_families(requests.get(
        f"http://127.0.0.1:{server.management_port}/metrics", timeout=10).text)
    return sum(sample.value for family in families for sample in family.samples
               if (sample.name == "http_server_active_requests"
                   and sample.labels.get("server_port") == str(server.http_port))
               or sample.name == "agroal_active_count")


def wait_keycloak_idle(keycloak: KeycloakHandle, timeout: float = 120) -> None:
    """Requests that reached Keycloak while it was stopped (a caller that gave up on them
    may have closed its end) are handled before the test goes on: the readiness probe just
    answered was accepted after them, and Keycloak reports none still in progress."""
    wait_until(lambda: _in_progress(keycloak) == 0, timeout, every=0.2,
               what="Keycloak finishing the requests queued while it was stopped")


@pytest.fixture
def keycloak_paused(keycloak: KeycloakHandle) -> Callable[[], object]:
    """``with keycloak_paused(): ...``: Keycloak's processes are stopped (SIGSTOP) inside."""

    @contextmanager
    def pause() -> Iterator[None]:
        pgid = _keycloak_pgid(keycloak)
        os.killpg(pgid, signal.SIGSTOP)
        try:
            yield
        finally:
            os.killpg(pgid, signal.SIGCONT)
            wait_keycloak_ready(keycloak)
            wait_keycloak_idle(keycloak)  # before the retry, not half-way through it

    return pause


@pytest.fixture
def keycloak_killed(keycloak: KeycloakHandle) -> Callable[[], object]:
    """``with keycloak_killed(): ...``: Keycloak is killed (SIGKILL) inside, then restarted
    on the same ports and data."""

    @contextmanager
    def kill() -> Iterator[None]:
        pgid = _keycloak_pgid(keycloak)
        os.killpg(pgid, signal.SIGKILL)
        keycloak.server._process.wait(30)  # type: ignore[union-attr]  # noqa: SLF001
        try:
            yield
        finally:
            keycloak.server.start()
            wait_keycloak_ready(keycloak)

    return kill


@contextmanager
def _statements_failing(live_app: Flask, fails: Callable[[str], bool],
                        why: str) -> Iterator[None]:
    """While inside: every statement ``fails`` picks raises the driver's OperationalError."""
    def before(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        if fails(statement):
            raise conn.dialect.dbapi.OperationalError(f"injected: {why}")

    with live_app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", before)


@pytest.fixture
def refuse_writes(live_app: Flask) -> Callable[[str], object]:
    """``with refuse_writes("memberships"): ...``: the database refuses INSERTs into a table
    (what a full disk, a lost connection or a revoked grant looks like to the bridge)."""
    return lambda table: _statements_failing(
        live_app, lambda statement: statement.lstrip().upper().startswith(
            f"INSERT INTO {table.upper()}"), "write refused")


@pytest.fixture
def database_refused(live_app: Flask) -> Callable[[], object]:
    """``with database_refused(): ...``: every statement fails, as with the database server
    gone (a lost connection, a failed-over primary not yet back)."""
    return lambda: _statements_failing(live_app, lambda statement: True,
                                       "database unreachable")


# The checker -------------------------------------------------------------------------------


@dataclass
class Tracked:
    """What a test touched: logins by email and organizations by key."""

    emails: set[str] = field(default_factory=set)
    org_keys: set[str] = field(default_factory=set)


@pytest.fixture
def tracked() -> Tracked:
    return Tracked()


def half_accounts(keycloak: KeycloakHandle, live_app: Flask, tracked: Tracked) -> list[str]:
    """Everything where Keycloak and the bridge disagree: a group without its organization
    (or the reverse), a group membership nobody approved (or an approval Keycloak lacks), a
    login that belongs to no organization and to no registration still in progress."""
    gateway = keycloak.gateway
    problems: list[str] = []
    with live_app.app_context():
        db.session.remove()
        for key in sorted(tracked.org_keys):
            problems += _org_drift(gateway, key)
        in_progress = _registrations_in_progress()
        for address in sorted(tracked.emails):
            user = gateway.find_user_by_email(address)
            members = Membership.query.filter_by(email=address).all()
            if user is None:
                problems += [f"membership {m.id} of {address} has no login" for m in members]
            elif not members and user.id not in in_progress and address not in in_progress:
                problems.append(f"login {address} belongs to no organization and no "
                                "registration in progress")
            elif any(m.user_id != user.id for m in members):
                problems.append(f"membership of {address} names another login")
    return problems


def _registrations_in_progress() -> set[str]:
    found: set[str] = set()
    for draft in RegistrationDraft.query.filter(RegistrationDraft.completed_at.is_(None),
                                                RegistrationDraft.expires_at > utcnow()):
        if draft.keycloak_user_id:
            found.add(draft.keycloak_user_id)
        person = (draft.context or {}).get("individual") or {}
        if person.get("email"):
            found.add(person["email"])
    return found


def _org_drift(gateway, key: str) -> list[str]:  # type: ignore[no-untyped-def]
    organization = Organization.query.filter_by(key=key).first()
    group = gateway.group_by_path(f"/provider-orgs/{key}")
    if organization is None:
        return [f"Keycloak group {key} without an organization"] if group else []
    if group is None:
        return [] if organization.status == "denied" else [f"organization {key} without group"]
    approved = {m.user_id for m in organization.memberships if m.status == "approved"} \
        if organization.status == "active" else set()
    actual = set(gateway.group_member_ids(group["id"]))
    return [f"{u} in group {key} without approval" for u in actual - approved] + \
        [f"{u} approved in {key} but not in its group" for u in approved - actual]


@pytest.fixture
def check(keycloak: KeycloakHandle, live_app: Flask, tracked: Tracked) -> Callable[[], None]:
    def assert_no_half_accounts() -> None:
        problems = half_accounts(keycloak, live_app, tracked)
        assert problems == [], problems

    return assert_no_half_accounts

