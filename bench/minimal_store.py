"""The minimal wizard's state kept as a system of record keeps it (issue 26, twelfth pass): a
fourth side of the registration benchmark, the *durable* minimal wizard.

The minimal wizard (bench/minimal_wizard.py) keeps its draft in a signed cookie and keeps
nothing else; its figure is the floor under any Flask wizard making the same calls. The
project's standards ask more of every wizard: a session the server can revoke, nothing a user
finished lost, limits on what a client may send, mail that is never lost, an audit trail no one
can edit unseen, the membership recorded. This module gives the minimal wizard those, each in
the fewest plain statements on one held connection per thread (psycopg for PostgreSQL, the
standard library's sqlite3 for SQLite), no ORM, no pool:

- a server-side session row (the draft, the CSRF token, the code's hash and its wrong tries
  live in it): read once a request; a request that changes the draft (a POST, completion)
  locks the row for its transaction; written once when changed; a new id at sign-in;
- rate counters: one upsert for the emailed code's two keys (client, address), one for a
  missed NPI/TIN pair;
- an outbox: mail rows inserted in the request's transaction, sent after its commit and
  marked sent in one statement;
- an audit chain at completion: the head locked and read, the event inserted, the head moved;
- the membership and the terms acceptance, the organization read under a share lock.

The organization people join is the bridge's (bench/registration.py seeds it): its two tables
are read by name. Nothing of the bridge's code is imported.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request, g
from flask.sessions import SessionInterface, SessionMixin
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

COOKIE = "minimal_session"
SESSION_LIFETIME = timedelta(hours=8)
# The bench's registrants are one client on loopback (the bridge's limits are raised alike).
CODE_SENDS_PER_HOUR = 1_000_000
PAIR_MISSES_PER_HOUR = 1_000_000
# Requests that change the draft hold its row until they commit.
LOCKED_PATHS = frozenset({"/register/finish", "/auth/callback"})

TABLES = (
    "CREATE TABLE IF NOT EXISTS minimal_sessions (id_hash VARCHAR(64) PRIMARY KEY,"
    " data TEXT NOT NULL, expires_at TIMESTAMP NOT NULL)",
    "CREATE TABLE IF NOT EXISTS minimal_rate_counters (key VARCHAR(300) NOT NULL,"
    " window_start TIMESTAMP NOT NULL, count INTEGER NOT NULL, PRIMARY KEY (key, window_start))",
    "CREATE TABLE IF NOT EXISTS minimal_outbox (id {serial} PRIMARY KEY,"
    " recipient VARCHAR(254) NOT NULL, subject VARCHAR(200) NOT NULL, body TEXT NOT NULL,"
    " sent_at TIMESTAMP)",
    "CREATE TABLE IF NOT EXISTS minimal_audit_head (id INTEGER PRIMARY KEY,"
    " hash VARCHAR(64) NOT NULL, count INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS minimal_audit_events (id {serial} PRIMARY KEY,"
    " at TIMESTAMP NOT NULL, action VARCHAR(64) NOT NULL, subject VARCHAR(64) NOT NULL,"
    " details TEXT NOT NULL, prev_hash VARCHAR(64) NOT NULL, hash VARCHAR(64) NOT NULL)",
    "CREATE TABLE IF NOT EXISTS minimal_memberships (organization_id INTEGER NOT NULL,"
    " user_id VARCHAR(64) NOT NULL, email VARCHAR(254) NOT NULL,"
    " first_name VARCHAR(100) NOT NULL, last_name VARCHAR(100) NOT NULL,"
    " phone VARCHAR(20) NOT NULL, opt_in BOOLEAN NOT NULL, status VARCHAR(16) NOT NULL,"
    " PRIMARY KEY (organization_id, user_id))",
    "CREATE TABLE IF NOT EXISTS minimal_terms (user_id VARCHAR(64) NOT NULL,"
    " version VARCHAR(16) NOT NULL, accepted_at TIMESTAMP NOT NULL,"
    " PRIMARY KEY (user_id, version))",
    "INSERT INTO minimal_audit_head (id, hash, count) VALUES (1, '', 0)"
    " ON CONFLICT (id) DO NOTHING",
)


def install(app: Flask, url: str, send: Callable[[list[tuple[str, str, str]]], None]) -> Database:
    """Keep ``app``'s sessions and the wizard's records in the database at ``url`` (its tables
    made if missing); ``send`` delivers committed mail. The wizard's store."""
    db = Database(url)
    db.create_tables()
    app.session_interface = RowSessions(db, send)
    app.extensions["minimal_db"] = db
    # A request that failed before its session was saved lets go of its row.
    app.teardown_request(lambda _error: db.end(commit=False))
    return db


def now() -> datetime:
    return datetime.utcnow().replace(microsecond=0)  # noqa: DTZ003 (naive UTC, as the bridge)


class Database:
    """One connection per thread, held for the process's life, autocommit: a transaction is
    begun only by a request that locks its row (:meth:`begin`)."""

    def __init__(self, url: str) -> None:
        # A SQLAlchemy URL (the bridge's DATABASE_URL): postgresql+psycopg://… or sqlite:///…
        self.postgres = url.startswith("postgresql")
        self._target = url.replace("+psycopg", "", 1) if self.postgres else \
            url.removeprefix("sqlite:///")
        self.lock = " FOR UPDATE" if self.postgres else ""
        self.share = " FOR SHARE" if self.postgres else ""
        self._local = threading.local()

    def connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            if self.postgres:
                import psycopg

                conn = psycopg.connect(self._target, autocommit=True)
            else:
                conn = sqlite3.connect(self._target, isolation_level=None,
                                       check_same_thread=False, timeout=30)
                conn.execute("PRAGMA journal_mode=WAL")
            self._local.conn = conn
        return conn

    def run(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """One statement; its rows if it returns any."""
        cursor = self.connection().execute(sql if self.postgres else sql.replace("%s", "?"),
                                           params)
        return list(cursor.fetchall()) if cursor.description else []

    # BEGIN and COMMIT are not run through run(): the profile counts statements as SQLAlchemy
    # does for the bridge (its events see no BEGIN or COMMIT either).
    def begin(self) -> None:
        # SQLite has no row locks: its write lock, taken at BEGIN, serializes the same way.
        self.connection().execute("BEGIN" if self.postgres else "BEGIN IMMEDIATE")
        self._local.in_transaction = True

    def end(self, commit: bool) -> None:
        if getattr(self._local, "in_transaction", False):
            self._local.in_transaction = False
            self.connection().execute("COMMIT" if commit else "ROLLBACK")

    def create_tables(self) -> None:
        serial = "BIGSERIAL" if self.postgres else "INTEGER"
        for statement in TABLES:
            self.run(statement.replace("{serial}", serial))


class RowSession(CallbackDict, SessionMixin):
    """A session whose data lives in a row; ``id_hash`` None until first stored."""

    def __init__(self, data: dict[str, Any], id_hash: str | None = None) -> None:
        def changed(_: Any) -> None:
            self.modified = True

        super().__init__(data, changed)
        self.id_hash = id_hash
        self.signed_in = "user" in data
        self.modified = False


class RowSessions(SessionInterface):
    """Server-side sessions: the cookie holds a random token, the row (by the token's SHA-256)
    the data; removing the row revokes it. The id changes when the session signs in."""

    def __init__(self, db: Database,
                 send: Callable[[list[tuple[str, str, str]]], None]) -> None:
        self.db = db
        self.send = send  # delivers the request's mail once it has committed

    def open_session(self, app: Flask, request: Request) -> RowSession:
        locked = request.method == "POST" or request.path in LOCKED_PATHS
        if locked:  # what the request writes commits with its session, or not at all
            self.db.begin()
        token = request.cookies.get(COOKIE, "")
        if not token or len(token) > 64:
            return RowSession({})
        id_hash = hashlib.sha256(token.encode()).hexdigest()
        rows = self.db.run("SELECT data FROM minimal_sessions WHERE id_hash = %s"  # noqa: S608 (placeholders and fixed clauses only)
                           " AND expires_at > %s" + (self.db.lock if locked else ""),
                           (id_hash, now()))
        return RowSession(json.loads(rows[0][0]), id_hash) if rows else RowSession({})

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, RowSession)
        if response.status_code >= 500:
            self.db.end(commit=False)
            return
        if session.modified or (session.id_hash is None and session):
            self._store(app, session, response)
        self.db.end(commit=True)
        deliver(self.db, self.send)

    def _store(self, app: Flask, session: RowSession, response: Response) -> None:
        data, expires = json.dumps(dict(session)), now() + SESSION_LIFETIME
        if session.id_hash is not None and not (session.get("user") and not session.signed_in):
            self.db.run("UPDATE minimal_sessions SET data = %s, expires_at = %s"
                        " WHERE id_hash = %s", (data, expires, session.id_hash))
            return
        token = secrets.token_urlsafe(32)
        id_hash = hashlib.sha256(token.encode()).hexdigest()
        if session.id_hash is None:
            self.db.run("INSERT INTO minimal_sessions (id_hash, data, expires_at)"
                        " VALUES (%s, %s, %s)", (id_hash, data, expires))
        else:  # signed in: a new id, so a token seen before the sign-in is worth nothing
            self.db.run("UPDATE minimal_sessions SET id_hash = %s, data = %s, expires_at = %s"
                        " WHERE id_hash = %s", (id_hash, data, expires, session.id_hash))
        response.set_cookie(COOKIE, token, httponly=True, samesite="Lax",
                            secure=app.config.get("SESSION_COOKIE_SECURE", False))


def counted(db: Database, keys: Sequence[str], limit: int) -> bool:
    """Count one more for each key in this hour's window; False once any is over ``limit``."""
    window = now().replace(minute=0, second=0)
    values = ", ".join("(%s, %s, 1)" for _ in keys)
    rows = db.run(f"INSERT INTO minimal_rate_counters (key, window_start, count) VALUES {values}"  # noqa: S608 (placeholders and fixed clauses only)
                  " ON CONFLICT (key, window_start) DO UPDATE"
                  " SET count = minimal_rate_counters.count + 1 RETURNING count",
                  [v for key in keys for v in (key, window)])
    return all(count <= limit for (count,) in rows)


def queue(db: Database, messages: Sequence[tuple[str, str, str]]) -> None:
    """Mail rows in the request's transaction; sent once it commits (:func:`deliver`)."""
    values = ", ".join("(%s, %s, %s)" for _ in messages)
    rows = db.run(f"INSERT INTO minimal_outbox (recipient, subject, body) VALUES {values}"  # noqa: S608 (placeholders and fixed clauses only)
                  " RETURNING id", [v for message in messages for v in message])
    g.setdefault("queued_mail", []).extend(zip((row[0] for row in rows), messages,
                                               strict=True))


def deliver(db: Database, send: Callable[[list[tuple[str, str, str]]], None]) -> None:
    """The request's committed mail, over SMTP, then marked sent (a crash between the two sends
    a message twice, never loses one)."""
    queued = g.pop("queued_mail", None)
    if not queued:
        return
    send([message for _, message in queued])
    ids = [mail_id for mail_id, _ in queued]
    marks = ", ".join("%s" for _ in ids)
    db.run(
        f"UPDATE minimal_outbox SET sent_at = %s WHERE id IN ({marks})", [now(), *ids])  # noqa: S608 (placeholders and fixed clauses only)


def audit(db: Database, key: str, action: str, subject: str, details: dict[str, Any]) -> None:
    """An event chained to the one before it (HMAC over the previous hash and the event)."""
    at = now()
    (prev,) = db.run("SELECT hash FROM minimal_audit_head WHERE id = 1" + db.lock)[0]  # noqa: S608 (placeholders and fixed clauses only)
    body = json.dumps({"at": at.isoformat(), "action": action, "subject": subject,
                       "details": details}, sort_keys=True)
    digest = hmac.new(key.encode(), f"{prev}\n{body}".encode(), hashlib.sha256).hexdigest()
    db.run("INSERT INTO minimal_audit_events (at, action, subject, details, prev_hash, hash)"
           " VALUES (%s, %s, %s, %s, %s, %s)",
           (at, action, subject, json.dumps(details), prev, digest))
    db.run("UPDATE minimal_audit_head SET hash = %s, count = count + 1 WHERE id = 1", (digest,))


def organization(db: Database, npi: str, tin: str) -> int | None:
    """The active organization holding this NPI/TIN pair (the bridge's tables, by name)."""
    rows = db.run("SELECT o.id FROM organization_identifiers i JOIN organizations o"
                  " ON o.id = i.organization_id WHERE i.npi = %s AND i.tin = %s"
                  " AND o.status = 'active'", (npi, tin))
    return int(rows[0][0]) if rows else None


def record_membership(db: Database, organization_id: int, user_id: str,
                      person: dict[str, str]) -> bool:
    """The membership (waiting for review) and the terms; False if the organization is gone
    or the person already belongs to it."""
    if not db.run("SELECT status FROM organizations WHERE id = %s AND status = 'active'"  # noqa: S608 (placeholders and fixed clauses only)
                  + db.share, (organization_id,)):
        return False
    added = db.run("INSERT INTO minimal_memberships (organization_id, user_id, email,"
                   " first_name, last_name, phone, opt_in, status)"
                   " VALUES (%s, %s, %s, %s, %s, %s, %s, 'pending')"
                   " ON CONFLICT (organization_id, user_id) DO NOTHING RETURNING user_id",
                   (organization_id, user_id, person["email"], person["first_name"],
                    person["last_name"], person["phone"], person["opt_in"] == "in"))
    if not added:
        return False
    db.run("INSERT INTO minimal_terms (user_id, version, accepted_at) VALUES (%s, %s, %s)"
           " ON CONFLICT (user_id, version) DO NOTHING", (user_id, "2020-09", now()))
    return True
