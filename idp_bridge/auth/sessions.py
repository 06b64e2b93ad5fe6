"""Server-side, revocable sessions.

The browser's cookie carries only a random id; what the session holds lives in the
``web_sessions`` table under the SHA-256 of that id (a copy of the table cannot be replayed as
cookies). Deleting a row ends the session everywhere at once: sign-out, Keycloak's back-channel
logout (looked up by Keycloak's session id ``sid``), or expiry.

Rows are read and written on their own connection, never through ``db.session``: saving a
session after a view must not commit, or be rolled back with, the view's own unit of work.
Each read or write is one statement that commits by itself, run on the driver's cursor
(``idp_bridge.autocommit``: the read comes at every request).
"""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, Request
from flask.sessions import SessionInterface, SessionMixin
from sqlalchemy import JSON, BindParameter, String, bindparam, delete, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.datastructures import CallbackDict
from werkzeug.wrappers import Response

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.brand import DEFAULT_BRAND, current_brand
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db, one_statement

# What a cookie value may look like before we even hash it: bounded and plain.
_COOKIE_VALUE = re.compile(r"[A-Za-z0-9_-]{32,64}")
# Touching last_seen on every request would make every page a write.
_TOUCH_EVERY = timedelta(seconds=60)


class WebSession(db.Model):  # type: ignore[name-defined]
    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    subject: Mapped[str | None] = mapped_column(String(64), index=True)  # Keycloak user id
    keycloak_sid: Mapped[str | None] = mapped_column(String(64), index=True)
    # The brand the session was created under: under another brand it is no session at all.
    brand: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)


_TABLE = WebSession.__table__
# Read at every request and written at most once a request: each statement built once, every
# value bound at execution (issue 26: building them per call cost more than running them).
_READ = AutocommitStatement(select(_TABLE).where(_TABLE.c.id_hash == bindparam("id_hash")))
_KEPT = ("data", "subject", "keycloak_sid", "last_seen_at", "expires_at")
_SETS: dict[str, BindParameter[Any]] = {name: bindparam(f"set_{name}") for name in _KEPT}
_UPDATE = update(_TABLE).where(_TABLE.c.id_hash == bindparam("old_hash")).values(_SETS)
_SAVE = AutocommitStatement(_UPDATE)
# Sign-in: the row takes the new id in place (see _store).
_ROTATE = AutocommitStatement(_UPDATE.values(id_hash=bindparam("new_hash"),
                                             created_at=bindparam("set_created_at")))
_CREATE = AutocommitStatement(insert(_TABLE).values(
    {**_SETS, "id_hash": bindparam("new_hash"), "created_at": bindparam("set_created_at"),
     "brand": bindparam("set_brand")}))
_END = AutocommitStatement(delete(_TABLE).where(_TABLE.c.id_hash == bindparam("id_hash")))


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


class ServerSession(CallbackDict[str, Any], SessionMixin):
    """A dict that remembers whether it changed, and the id it was loaded under."""

    def __init__(self, data: dict[str, Any] | None = None, session_id: str | None = None,
                 created_at: datetime | None = None, last_seen_at: datetime | None = None):
        def on_update(_: CallbackDict[str, Any]) -> None:
            self.modified = True

        super().__init__(data or {}, on_update)
        self.session_id = session_id
        self.created_at = created_at or utcnow()
        self.last_seen_at = last_seen_at
        self.modified = False
        self.rotate = False

    def regenerate(self) -> None:
        """Give the session a new id at sign-in, so an id planted before it is worthless."""
        self.rotate = True
        self.modified = True


class DatabaseSessionInterface(SessionInterface):
    def __init__(self, idle: timedelta, idle_anonymous: timedelta,
                 absolute: timedelta) -> None:
        self.idle = idle  # signed in: no longer than Keycloak's own SSO idle timeout
        self.idle_anonymous = idle_anonymous  # a registration in progress lives longer
        self.absolute = absolute

    def get_cookie_name(self, app: Flask) -> str:
        """One session per brand: where two brands share a host (dev, tests: /b/wellfirst),
        signing in to one is not signing in to the other, as on their own hosts."""
        name = super().get_cookie_name(app)
        brand = current_brand().key
        return name if brand == DEFAULT_BRAND else f"{name}-{brand}"

    def open_session(self, app: Flask, request: Request) -> ServerSession:
        if app.static_url_path and request.path.startswith(app.static_url_path + "/"):
            # Stylesheets and scripts need no session: no database read for each of them
            # (an empty session without an id is neither stored nor sent back).
            return ServerSession()
        value = request.cookies.get(self.get_cookie_name(app), "")
        if not _COOKIE_VALUE.fullmatch(value):
            return ServerSession()
        row = _READ.run(id_hash=_hash(value)).first()
        if row is None or row["expires_at"] <= utcnow() or row["brand"] != current_brand().key:
            # A Dean session id sent as WellFirst's cookie signs nobody in there.
            return ServerSession()
        return ServerSession(dict(row["data"] or {}), value, row["created_at"],
                             row["last_seen_at"])

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        assert isinstance(session, ServerSession)
        name, domain, path = (self.get_cookie_name(app), self.get_cookie_domain(app),
                              self.get_cookie_path(app))
        if not session:
            if session.session_id is not None:
                end_session_by_id(session.session_id)
                response.delete_cookie(name, domain=domain, path=path,
                                       secure=self.get_cookie_secure(app),
                                       httponly=True, samesite=self.get_cookie_samesite(app))
            return
        now = utcnow()
        due = session.last_seen_at is None or now - session.last_seen_at >= _TOUCH_EVERY
        if not (session.modified or due):
            return
        ended = None
        if session.rotate and session.session_id is not None:
            ended, session.session_id = session.session_id, None
            session.created_at = now
        idle = self.idle if session.get("user") else self.idle_anonymous
        expires = min(now + idle, session.created_at + self.absolute)
        self._store(session, now, expires, ended)
        response.set_cookie(name, session.session_id or "", expires=expires, domain=domain,
                            path=path, secure=self.get_cookie_secure(app), httponly=True,
                            samesite=self.get_cookie_samesite(app))
        response.vary.add("Cookie")

    def _store(self, session: ServerSession, now: datetime, expires: datetime,
               ended: str | None = None) -> None:
        """Write the row; ``ended``: the id it replaces at sign-in. The row takes the new id
        in place, one statement and one commit per sign-in: the old id is dead the moment the
        new one lives, never both or neither."""
        user = session.get("user") or {}
        values = {"set_data": dict(session), "set_subject": user.get("sub"),
                  "set_keycloak_sid": session.get("keycloak_sid"), "set_last_seen_at": now,
                  "set_expires_at": expires}
        if ended is not None:
            fresh = secrets.token_urlsafe(32)
            if _ROTATE.run(**values, old_hash=_hash(ended), new_hash=_hash(fresh),
                           set_created_at=session.created_at).rowcount:
                session.session_id = fresh
                return
        elif session.session_id is not None and _SAVE.run(
                **values, old_hash=_hash(session.session_id)).rowcount:
            return
        # New, rotated, or ended meanwhile (signed out in another tab): a fresh id, never the
        # old one revived (a statement of its own: nothing to undo with the UPDATE that
        # matched no row).
        session.session_id = secrets.token_urlsafe(32)
        _CREATE.run(**values, new_hash=_hash(session.session_id),
                    set_created_at=session.created_at, set_brand=current_brand().key)


def end_session_by_id(session_id: str) -> None:
    _END.run(id_hash=_hash(session_id))


def end_keycloak_session(sid: str | None, subject: str | None) -> int:
    """Back-channel logout: end the bridge sessions tied to Keycloak session ``sid`` (or, when
    Keycloak names only the user, every session of ``subject``). Returns how many ended."""
    if sid:
        condition = _TABLE.c.keycloak_sid == sid
    elif subject:
        condition = _TABLE.c.subject == subject
    else:
        return 0
    with one_statement() as connection:
        return int(connection.execute(delete(_TABLE).where(condition)).rowcount or 0)


def purge_expired() -> int:
    with one_statement() as connection:
        return int(connection.execute(delete(WebSession.__table__).where(
            WebSession.expires_at <= utcnow())).rowcount or 0)
