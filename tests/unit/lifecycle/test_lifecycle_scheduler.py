"""The one scheduler: each step at most once at a time across schedulers (a claim in the
database, not a node's memory), due by its interval, failing steps retried, and areas adding
theirs with one line."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from click.testing import Result
from flask import Flask

from idp_bridge.extensions import db
from idp_bridge.lifecycle import register_step
from idp_bridge.lifecycle.models import ScheduledStep
from idp_bridge.lifecycle.scheduler import _claim, registered_steps, run_due
from tests.support.fake_keycloak import FakeKeycloak

NOW = datetime(2026, 6, 1, 12, 0)


@pytest.fixture(autouse=True)
def _context(app_context: Flask, fake_keycloak: FakeKeycloak) -> Iterator[None]:
    yield
    db.session.remove()


def test_lifecycle_registers_its_steps_in_order(app: Flask) -> None:
    assert [s.name for s in registered_steps(app)][:2] == ["sign-ins", "inactive-logins"]


def test_lifecycle_another_area_registers_a_step_with_one_line(app: Flask) -> None:
    runs: list[datetime] = []
    register_step(app, "exclusions.screen", lambda now: runs.append(now) or "screened",
                  every=timedelta(days=30))
    outcomes = {o.step: o for o in run_due(NOW, only="exclusions.screen")}
    assert outcomes["exclusions.screen"].result == "screened" and runs == [NOW]
    # not due again for 30 days: running again does nothing
    run_due(NOW + timedelta(days=29), only="exclusions.screen")
    assert runs == [NOW]
    run_due(NOW + timedelta(days=30), only="exclusions.screen")
    assert runs == [NOW, NOW + timedelta(days=30)]


def test_lifecycle_step_held_by_another_scheduler_is_not_run(app: Flask) -> None:
    runs: list[datetime] = []
    register_step(app, "test.held", lambda now: runs.append(now) or "ran",
                  every=timedelta(minutes=1), claim=timedelta(minutes=10))
    step = next(s for s in registered_steps(app) if s.name == "test.held")
    assert _claim(step, NOW, force=False) is not None  # another bridge's scheduler holds it
    assert run_due(NOW, force=True, only="test.held")[0].ran is False
    assert runs == []
    # that scheduler died: its claim runs out and the step is taken over
    assert run_due(NOW + timedelta(minutes=11), only="test.held")[0].ran is True
    assert runs == [NOW + timedelta(minutes=11)]


def test_lifecycle_failing_step_does_not_stop_the_others_and_runs_again(app: Flask) -> None:
    def broken(now: datetime) -> str:
        raise RuntimeError("boom")

    register_step(app, "test.broken", broken, every=timedelta(hours=1))
    register_step(app, "test.fine", lambda now: "fine", every=timedelta(hours=1))
    outcomes = {o.step: o.result for o in run_due(NOW)}
    assert outcomes["test.broken"] == "failed: RuntimeError"
    assert outcomes["test.fine"] == "fine"
    row = db.session.get(ScheduledStep, "test.broken")
    assert row.last_finished_at is None and row.claimed_until is None  # due again next pass
    assert run_due(NOW + timedelta(seconds=1), only="test.broken")[0].ran


def test_lifecycle_cli_runs_each_step_and_reports(app: Flask) -> None:
    result: Result = app.test_cli_runner().invoke(
        args=["lifecycle", "run", "--all", "--now", "2026-06-01T12:00:00"])
    assert result.exit_code == 0, result.output
    assert "sign-ins: 0 login(s) signed in, 0 new login(s)" in result.output
    assert "inactive-logins:" in result.output
    status = app.test_cli_runner().invoke(args=["lifecycle", "status"])
    assert "sign-ins: every 0:00:50, last finished 2026-06-01T12:00:00" in status.output
    unknown = app.test_cli_runner().invoke(args=["lifecycle", "run", "--step", "nope"])
    assert unknown.exit_code != 0 and "no step named 'nope'" in unknown.output
