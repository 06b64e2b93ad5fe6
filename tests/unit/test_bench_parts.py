"""The registration's profile by part (bench/parts.py, issue 26): time is charged to the
innermost part running, only requests the profiled server answers are counted, statements are
counted, and every patched entry point is put back. A clock the test moves stands in for the
thread's CPU clock, so nothing here depends on how fast the machine is."""

from __future__ import annotations

from typing import Any

import flask
import pytest
from sqlalchemy import create_engine, text
from werkzeug.test import Client

from bench import parts as parts_module
from bench import report
from bench.parts import REQUEST, Part, Parts

VIEWS = "views"
TEMPLATES = "templates"
SQL = "SQL statements"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def spend(self, ms: float) -> None:
        self.now += ms / 1000


def _parts(clock: Clock) -> Parts:
    return Parts((Part("flask.app", "Flask", "dispatch_request", VIEWS),
                  Part("flask.templating", None, "_render", TEMPLATES),
                  Part("sqlalchemy.engine.base", "Connection", "execute", SQL)), clock=clock)


def _app(clock: Clock) -> flask.Flask:
    app = flask.Flask(__name__)
    engine = create_engine("sqlite://")

    @app.get("/")
    def page() -> str:
        clock.spend(5)  # the view's own work
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            connection.execute(text("SELECT 2"))
        return flask.render_template_string("{{ spend(7) }}", spend=clock.spend)

    return app


def test_each_part_is_charged_only_its_own_time():
    clock = Clock()
    with _parts(clock) as parts:
        app = _app(clock)
        client = Client(parts.wsgi(app))
        parts.on = True
        for _ in range(2):
            assert client.get("/").status_code == 200
        measured = parts.per(2)
    assert measured["ms_by_part"][VIEWS] == pytest.approx(5)
    assert measured["ms_by_part"][TEMPLATES] == pytest.approx(7)
    assert measured["ms_by_part"].get(REQUEST, 0) == pytest.approx(0)
    assert measured["total_ms"] == pytest.approx(12)
    assert measured["statements"] == 2


def test_work_outside_the_served_requests_is_not_counted():
    clock = Clock()
    with _parts(clock) as parts:
        app = _app(clock)
        parts.on = True
        with app.test_request_context("/"):
            flask.render_template_string("{{ spend(9) }}", spend=clock.spend)  # the client's
        assert app.test_client().get("/").status_code == 200  # not through parts.wsgi
        assert parts.per(1) == {"total_ms": 0, "ms_by_part": {}, "statements": 0}


def test_the_entry_points_are_put_back():
    originals = {part: (parts_module.importlib.import_module(part.module), part)
                 for part in parts_module.PARTS}
    before = {part: _entry(module, part) for part, (module, _) in originals.items()}
    with Parts():
        assert any(_entry(module, part) is not before[part]
                   for part, (module, _) in originals.items())
    assert all(_entry(module, part) is before[part] for part, (module, _) in originals.items())


def _entry(module: Any, part: Part) -> Any:
    owner = getattr(module, part.owner) if part.owner else module
    return owner.__dict__[part.function] if part.owner else getattr(module, part.function)


def test_the_report_sets_each_wizards_parts_under_the_floor():
    profile = {"registrations": 20,
               "wizard": {"total_ms": 50.0, "statements": 69.0,
                          "ms_by_part": {SQL: 12.0, "templates": 5.0}},
               "minimal_wizard": {"total_ms": 20.0, "statements": 0.0,
                                  "ms_by_part": {"HTTP to Keycloak": 7.0}}}
    row = report._registration_parts(profile)
    assert "the bridge 50.0 ms (69 SQL statements): SQL statements 12.0, templates 5.0" in row[1]
    assert "the minimal wizard 20.0 ms: HTTP to Keycloak 7.0" in row[1]
    assert row[2:] == ("—", "")


def test_a_function_is_measured_under_the_names_other_modules_imported_it_by():
    from bench import registration, stats

    original = stats.summary
    with Parts((Part("bench.stats", None, "summary", "statistics"),)):
        assert stats.summary is not original and registration.summary is stats.summary
    assert stats.summary is original and registration.summary is original


def tiny_app() -> flask.Flask:
    """A page drawn from a template, for the profiled server's test."""
    app = flask.Flask(__name__)
    app.add_url_rule("/", "page", lambda: flask.render_template_string("{{ 6 * 7 }}"))
    return app


def test_a_profiled_server_counts_only_what_it_serves_once_measuring():
    import requests

    from bench.parts import ProfiledServer
    from idp_bridge.devstack.keycloak_server import free_port

    port = free_port()
    with ProfiledServer("tests.unit.test_bench_parts:tiny_app", [], port) as server:
        assert requests.get(f"http://127.0.0.1:{port}/", timeout=10).text == "42"
        server.measure()
        for _ in range(3):
            requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        measured = server.results(3)
        process = server._process
    assert set(measured["ms_by_part"]) >= {REQUEST, "templates"}
    assert measured["total_ms"] > 0 and measured["statements"] == 0
    assert process is not None and process.poll() is not None  # ended with the block
