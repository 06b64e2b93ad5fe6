"""The database-kept limiter (``idp_bridge.limits``): never more than the limit, however many
requests arrive at once, on SQLite and (with TEST_DATABASE_URL) on PostgreSQL; windows end;
a plan administrator lists and lifts a limit with ``flask limits``."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask

from idp_bridge import create_app, limits
from idp_bridge.audit import AuditEvent
from idp_bridge.devstack.databases import create_database, drop_databases
from idp_bridge.extensions import db

HOUR = timedelta(hours=1)
FIVE = limits.Budget("test-five", HOUR, limit=5)
T0 = datetime(2026, 12, 6, 8, 0)


@pytest.fixture
def limits_app(tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh database: PostgreSQL when TEST_DATABASE_URL names a server."""
    server = os.environ.get("TEST_DATABASE_URL")
    url = create_database(server, "limits_test") if server else (
        f"sqlite:///{tmp_path / 'limits.sqlite3'}")
    app = create_app(env={"IDP_DEV_MODE": "1", "DATABASE_URL": url,
                          "IDP_OUTBOX_DIR": str(tmp_path / "outbox")},
                     overrides={"TESTING": True})
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()
    if server:
        drop_databases(server, url)


def test_forty_at_once_take_exactly_the_limit(limits_app: Flask) -> None:
    start = threading.Barrier(8)
    granted: list[bool] = []

    def worker() -> None:
        with limits_app.app_context():
            start.wait()
            for _ in range(5):
                refused = limits.take(FIVE, "1234567893", now=T0)
                db.session.commit()
                granted.append(refused is None)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 5 and granted.count(False) == 35


def test_a_window_ends_and_a_refusal_says_when(limits_app: Flask) -> None:
    with limits_app.app_context():
        for _ in range(5):
            assert limits.take(FIVE, "a", now=T0) is None
        refused = limits.take(FIVE, "a", now=T0 + timedelta(minutes=20))
        assert refused is not None and refused.retry_after == 40 * 60
        assert refused.minutes == 40
        assert limits.take(FIVE, "b", now=T0) is None  # another subject has its own budget
        assert limits.take(FIVE, "a", now=T0 + HOUR) is None  # a new window
        assert [c.count for c in limits.active(now=T0 + HOUR, prefix="test-five:a")] == [1]


def test_take_all_takes_none_when_one_budget_is_spent(limits_app: Flask) -> None:
    one = limits.Budget("test-one", HOUR, limit=1)
    with limits_app.app_context():
        assert limits.take(one, "x", now=T0) is None
        refused = limits.take_all([(FIVE, "x"), (one, "x")], now=T0)
        assert refused is not None and refused.budget is one
        assert [c.count for c in limits.active(now=T0, prefix="test-five:")] == [0]


def test_takes_of_several_budgets_at_once_keep_every_limit_and_never_deadlock(
        limits_app: Flask) -> None:
    """Forty takes of two budgets each, half of them naming the budgets in the other order:
    exactly the smaller limit is granted, and the other budget keeps only those takes."""
    ten = limits.Budget("test-ten", HOUR, limit=10)
    start = threading.Barrier(8)
    granted: list[bool] = []

    def worker(n: int) -> None:
        charges = [(FIVE, "shared"), (ten, "shared")]
        with limits_app.app_context():
            start.wait()
            for _ in range(5):
                refused = limits.take_all(charges if n % 2 else charges[::-1], now=T0)
                db.session.commit()
                granted.append(refused is None)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert granted.count(True) == 5 and granted.count(False) == 35
    with limits_app.app_context():
        counts = {c.key: c.count for c in limits.active(now=T0, prefix="test-")}
    assert counts == {"test-five:shared": 5, "test-ten:shared": 5}


def test_a_plan_administrator_lists_and_lifts_a_limit(limits_app: Flask) -> None:
    with limits_app.app_context():
        for _ in range(5):
            limits.take(FIVE, "1234567893")
        db.session.commit()
    runner = limits_app.test_cli_runner()
    listing = runner.invoke(args=["limits", "list"]).output
    assert "test-five:1234567893\t5\tuntil " in listing
    assert "lifted 1 limit(s)" in runner.invoke(args=["limits", "lift",
                                                      "test-five:1234567893"]).output
    assert runner.invoke(args=["limits", "list"]).output.strip() == "no limits in use"
    with limits_app.app_context():
        assert limits.take(FIVE, "1234567893") is None  # the provider can go on at once
        event = db.session.query(AuditEvent).filter_by(action="limit.lift").one()
        assert event.details["key"] == "test-five:1234567893"


def test_a_subject_of_sql_and_quotes_is_only_ever_a_key(limits_app: Flask) -> None:
    """The take is written as SQL text (so its compiled form is kept): whatever a subject
    holds (an email typed into Send Code, an NPI) travels as a bound value, counted as its own
    key and nothing else."""
    hostile = "x'); DELETE FROM rate_counters; --\"\\:now"
    with limits_app.app_context():
        assert limits.take(FIVE, "bystander", now=T0) is None
        for _ in range(5):
            assert limits.take_all([(FIVE, hostile), (FIVE, hostile + "'")], now=T0) is None
        refused = limits.take(FIVE, hostile, now=T0)
        db.session.commit()
        assert refused is not None and refused.retry_after == 3600
        counts = {row.key: row.count for row in limits.active(T0, prefix="test-five")}
    assert counts == {FIVE.key("bystander"): 1, FIVE.key(hostile): 5,
                      FIVE.key(hostile + "'"): 5}
