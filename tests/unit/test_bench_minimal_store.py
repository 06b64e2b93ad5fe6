"""The durable minimal wizard's store (bench/minimal_store.py, issue 26): the benchmark's floor
under a system of record is only honest if it really keeps what one keeps. Its session lives
in a row the server can revoke and is re-keyed at sign-in; mail is sent only once its request
commits; the audit events chain; the counters refuse past their limit. On SQLite in a file
(the same statements run on PostgreSQL in the benchmark)."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

import flask
import pytest

from bench import minimal_store

KEY = "test-only-key"


@pytest.fixture
def app(tmp_path: Path) -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = KEY
    app.config["SENT"] = []
    db = minimal_store.install(app, f"sqlite:///{tmp_path / 'store.sqlite3'}",
                               app.config["SENT"].extend)

    @app.get("/remember/<word>")
    def remember(word: str) -> str:
        flask.session["word"] = word
        return "ok"

    @app.get("/recall")
    def recall() -> str:
        return str(flask.session.get("word", "-"))

    @app.get("/sign-in")
    def sign_in() -> str:
        flask.session["user"] = {"sub": "u-1"}
        return "ok"

    @app.post("/mail/<outcome>")
    def mail(outcome: str) -> Any:
        minimal_store.queue(db, [("a@clinic.test", "Hello", "Body")])
        if outcome == "fails":
            raise RuntimeError("after queueing")
        return "queued"

    return app


def _cookie(client: Any) -> str:
    cookie = client.get_cookie(minimal_store.COOKIE)
    assert cookie is not None
    return str(cookie.value)


def _db(app: flask.Flask) -> minimal_store.Database:
    return app.extensions["minimal_db"]  # type: ignore[no-any-return]


def test_the_session_lives_in_a_row_keyed_by_the_tokens_hash_and_removing_it_revokes_it(app):
    client = app.test_client()
    client.get("/remember/tulip")
    token = _cookie(client)
    rows = _db(app).run("SELECT id_hash, data FROM minimal_sessions")
    assert rows == [(hashlib.sha256(token.encode()).hexdigest(), json.dumps({"word": "tulip"}))]
    assert client.get("/recall").text == "tulip"
    _db(app).run("DELETE FROM minimal_sessions")
    assert client.get("/recall").text == "-"


def test_signing_in_gives_the_session_a_new_token_and_the_old_one_is_worth_nothing(app):
    client = app.test_client()
    client.get("/remember/tulip")
    before = _cookie(client)
    client.get("/sign-in")
    after = _cookie(client)
    assert after != before and client.get("/recall").text == "tulip"
    stolen = app.test_client()
    stolen.set_cookie(minimal_store.COOKIE, before)
    assert stolen.get("/recall").text == "-"


def test_mail_is_sent_and_marked_only_once_its_request_commits(app):
    client = app.test_client()
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.post("/mail/fails").status_code == 500
    assert app.config["SENT"] == [] and _db(app).run("SELECT * FROM minimal_outbox") == []
    assert client.post("/mail/works").status_code == 200
    assert app.config["SENT"] == [("a@clinic.test", "Hello", "Body")]
    (sent_at,) = _db(app).run("SELECT sent_at FROM minimal_outbox")[0]
    assert sent_at is not None


def test_each_audit_event_is_chained_to_the_one_before_it(app):
    db = _db(app)
    for subject in ("u-1", "u-2"):
        minimal_store.audit(db, KEY, "registration.complete", subject, {"n": subject})
    events = db.run("SELECT at, action, subject, details, prev_hash, hash"
                    " FROM minimal_audit_events ORDER BY id")
    assert events[1][4] == events[0][5] and events[0][4] == ""
    for at, action, subject, details, prev, digest in events:
        body = json.dumps({"at": at.replace(" ", "T"), "action": action, "subject": subject,
                           "details": json.loads(details)}, sort_keys=True)
        assert digest == hmac.new(KEY.encode(), f"{prev}\n{body}".encode(),
                                  hashlib.sha256).hexdigest()
    assert db.run("SELECT count, hash FROM minimal_audit_head") == [(2, events[1][5])]


def test_a_counter_refuses_once_any_of_its_keys_is_past_the_limit(app):
    db = _db(app)
    assert minimal_store.counted(db, ["code:10.0.0.1", "code:a@clinic.test"], 2)
    assert minimal_store.counted(db, ["code:10.0.0.2", "code:a@clinic.test"], 2)
    assert not minimal_store.counted(db, ["code:10.0.0.3", "code:a@clinic.test"], 2)
