"""Other areas' time-based work runs from the one scheduler: the daily exclusion rescreen
(issue 23), the pruning of ended rate-limit counters (issue 19) and the security notices read
from Keycloak's event log (issue 24), each once per period whoever runs `flask lifecycle run`,
with a frozen clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from idp_bridge import limits
from idp_bridge.exclusions import SCREEN_STEP, synthetic
from idp_bridge.exclusions.files import LeieReader
from idp_bridge.exclusions.models import EligibilityFlag
from idp_bridge.exclusions.store import load_exclusions
from idp_bridge.extensions import db
from idp_bridge.lifecycle.scheduler import registered_steps, run_due
from idp_bridge.mail.models import OutboundEmail
from idp_bridge.notices import COLLECT_STEP
from idp_bridge.npi.bulk_file import Refusals
from tests.support.fake_keycloak import FakeKeycloak
from tests.support.organizations import add_person, new_organization

NOW = datetime(2026, 12, 1, 2, 0)


@pytest.fixture(autouse=True)
def _context(app_context: Flask, fake_keycloak: FakeKeycloak) -> Iterator[None]:
    yield
    db.session.remove()


def test_lifecycle_runs_the_areas_steps_after_its_own(app: Flask) -> None:
    names = [step.name for step in registered_steps(app)]
    assert names[:2] == ["sign-ins", "inactive-logins"]
    assert {SCREEN_STEP, limits.PRUNE_STEP, COLLECT_STEP} <= set(names)


def test_lifecycle_collects_security_notices_every_pass(fake_keycloak: FakeKeycloak) -> None:
    user_id = fake_keycloak.create_user("ana@clinic.test", "Ana", "Lee", {"brand": "dean"},
                                        required_actions=[])
    at_ms = int(NOW.timestamp() * 1000)
    fake_keycloak.record_event(user_id, "UPDATE_CREDENTIAL", at_ms=at_ms,
                               credential_type="otp")
    [outcome] = run_due(NOW, only=COLLECT_STEP)
    assert outcome.ran and outcome.result == "1 notice(s) queued"
    [again] = run_due(NOW + timedelta(seconds=30), only=COLLECT_STEP)
    assert again.ran and again.result == "0 notice(s) queued"  # never twice


def test_lifecycle_rescreen_flags_once_a_day_and_mails_once(
        tmp_path: Path, fake_keycloak: FakeKeycloak) -> None:
    reviewer = fake_keycloak.create_user("pat@plan.test", "Pat", "Reviewer", {},
                                         required_actions=[])
    fake_keycloak.assign_realm_role(reviewer, "plan-admin")
    organization = new_organization(fake_keycloak, status="active")
    organization.identifiers[0].npi = synthetic.LEIE_BUSINESS_NPI
    add_person(fake_keycloak, organization, status="approved", site_admin=True,
               roles=["claims"], first_name="Ada")
    db.session.commit()
    load_exclusions("leie", LeieReader(synthetic.write_leie(tmp_path / "UPDATED.csv"),
                                       Refusals()), "LEIE")

    [outcome] = run_due(NOW, only=SCREEN_STEP)
    assert outcome.ran and "flagged 1" in outcome.result
    flags = db.session.scalars(db.select(EligibilityFlag)).all()
    assert [(f.organization_id, f.source) for f in flags] == [(organization.id, "leie")]
    assert OutboundEmail.query.filter_by(kind="exclusions.screen").count() == 1

    # Two schedulers later the same day: not due; the next day: due, nothing new to mail.
    assert not run_due(NOW + timedelta(hours=3), only=SCREEN_STEP)[0].ran
    assert run_due(NOW + timedelta(days=1), only=SCREEN_STEP)[0].ran
    assert db.session.scalars(db.select(EligibilityFlag)).all() == flags
    assert OutboundEmail.query.filter_by(kind="exclusions.screen").count() == 1


def test_lifecycle_prunes_ended_limit_counters_hourly() -> None:
    budget = limits.Budget("test-prune", window=timedelta(minutes=10), limit=1)
    assert limits.take(budget, "client-a", now=NOW) is None
    db.session.commit()
    [outcome] = run_due(NOW + timedelta(minutes=5), only=limits.PRUNE_STEP)
    assert outcome.ran and outcome.result == "removed 0 ended counter(s)"
    [outcome] = run_due(NOW + timedelta(minutes=70), only=limits.PRUNE_STEP)
    assert outcome.result == "removed 1 ended counter(s)"
    assert limits.active(now=NOW + timedelta(minutes=70)) == []
