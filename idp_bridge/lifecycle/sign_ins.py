"""Last sign-in: every successful sign-in through Keycloak, kept by the bridge for good.

Where it comes from: Keycloak's own event store. Each successful sign-in to any client of the
realm (the portal's two brands, or another health-plan app) is a ``LOGIN`` event there; the
scheduler's ``sign-ins`` step reads them every minute through the admin API (oldest first,
from a cursor kept in the step's row, with a minute's overlap so an event committed late is
not skipped; recording is a max(), so reading one twice changes nothing) and keeps the latest
per login in ``logins``. Why events rather than a listener in the plugin writing a user
attribute: no write on Keycloak's sign-in path, nothing the bridge would have to search
100,000 users for, and one place (the bridge's table) that outlives Keycloak's 30-day event
expiry. The risk is the other way round: a scheduler stopped for longer than that expiry
loses sign-ins, so the inactivity step refuses to act when this step has not succeeded
recently (``fresh``). The bridge's own sign-in callback records its sign-ins at once too.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from flask import current_app
from sqlalchemy import Update, and_, bindparam, case, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.brand import current_brand
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.lifecycle.models import NOTICE_DISABLED, NOTICE_NONE, Login, ScheduledStep
from idp_bridge.lifecycle.scheduler import read_cursor, write_cursor
from idp_bridge.organizations.models import Membership

STEP = "sign-ins"
PAGE = 500
MAX_PAGES = 400  # 200,000 sign-ins a pass; the rest next pass (the cursor moved)
OVERLAP_MS = 60_000
NEW_LOGINS_PER_PASS = 50_000


def _ms(when: datetime) -> int:
    return int(when.replace(tzinfo=UTC).timestamp() * 1000)


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC).replace(tzinfo=None)


def _recording() -> Update:
    # One statement for both changes (a sign-in's callback runs it): SET expressions read
    # the row as it was, so each CASE decides from the old values, as two UPDATEs did.
    when = bindparam("when", type_=Login.__table__.c.last_sign_in_at.type)
    later = or_(Login.last_sign_in_at.is_(None), Login.last_sign_in_at < when)
    restart = and_(Login.active_since < when, Login.notice < NOTICE_DISABLED)
    return (update(Login.__table__).where(Login.user_id == bindparam("user"))
            .values(last_sign_in_client=case((later, bindparam("client")),
                                             else_=Login.last_sign_in_client),
                    last_sign_in_at=case((later, when), else_=Login.last_sign_in_at),
                    active_since=case((restart, when), else_=Login.active_since),
                    notice=case((restart, NOTICE_NONE), else_=Login.notice),
                    disable_on=case((restart, None), else_=Login.disable_on)))


# Run at every sign-in: built once and run as a plain statement on the request's
# connection (issue 26: building it per call, through the ORM, cost more than running it).
_RECORD = _recording()
_RECORD_ALONE = AutocommitStatement(_RECORD)


def record(user_id: str, when: datetime, client_id: str = "") -> None:
    """Keep ``when`` as the login's last sign-in unless a later one is known (in the caller's
    transaction). A sign-in starts the inactivity count again."""
    found = db.session.connection().execute(
        _RECORD, {"user": user_id, "when": when, "client": client_id[:64]})
    if found.rowcount:
        return  # the row is there (a later sign-in already known changed nothing in it)
    try:
        with db.session.begin_nested():
            db.session.add(Login(user_id=user_id, created_at=when, last_sign_in_at=when,
                                 last_sign_in_client=client_id[:64], active_since=when))
    except IntegrityError:
        record(user_id, when, client_id)  # recorded meanwhile by another sign-in: compare


def record_portal_sign_in(user_id: str) -> None:
    """The bridge's own sign-in callback (``auth.AFTER_SIGN_IN``): known at once. The row is
    almost always there: one statement committing by itself, no transaction begun and
    committed around it (issue 26: two round trips fewer a sign-in); a login without one
    yet gets it in a transaction."""
    when, client = utcnow(), current_brand().client_id[:64]
    if _RECORD_ALONE.run(user=user_id, when=when, client=client).rowcount:
        return
    record(user_id, when, client)
    db.session.commit()


def adopt_new_logins() -> int:
    """A ``logins`` row for each login with a membership and none yet: created when its first
    registration was (the same registration created the login), so a never-used login
    counts from its creation. One INSERT ... SELECT a pass; if a sign-in recorded one of
    them meanwhile, the pass adopts nothing and the next one does."""
    missing = (select(Membership.user_id, func.min(Membership.requested_at),
                      func.min(Membership.requested_at), func.max(Membership.email),
                      func.max(Membership.brand))
               .where(~select(Login.user_id).where(Login.user_id == Membership.user_id)
                      .exists())
               .group_by(Membership.user_id).limit(NEW_LOGINS_PER_PASS))
    try:
        adopted = db.session.execute(insert(Login).from_select(
            ["user_id", "created_at", "active_since", "email", "brand"], missing))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return 0
    db.session.execute(  # logins first seen through a sign-in learn whom to write to
        update(Login).where(Login.email == "").values(
            email=func.coalesce(select(func.max(Membership.email)).where(
                Membership.user_id == Login.user_id).scalar_subquery(), ""),
            brand=func.coalesce(select(func.max(Membership.brand)).where(
                Membership.user_id == Login.user_id).scalar_subquery(), Login.brand)))
    db.session.commit()
    return int(adopted.rowcount or 0)  # type: ignore[attr-defined]


def read_events(now: datetime) -> str:
    """The scheduler step: Keycloak's sign-in events since the cursor, into ``logins``."""
    adopted = adopt_new_logins()
    cursor = read_cursor(STEP)
    since = max(0, int(cursor) - OVERLAP_MS) if cursor else _ms(now - timedelta(days=30))
    gateway = get_gateway()
    latest: dict[str, tuple[int, str]] = {}
    newest = int(cursor or 0)
    first = 0
    for _ in range(MAX_PAGES):
        page = gateway.sign_in_events(since, first=first, max_results=PAGE)
        for event in page:
            if event.time_ms > latest.get(event.user_id, (0, ""))[0]:
                latest[event.user_id] = (event.time_ms, event.client_id)
            newest = max(newest, event.time_ms)
        if len(page) < PAGE:
            break
        first += len(page)
    for user_id, (time_ms, client_id) in latest.items():
        record(user_id, _at(time_ms), client_id)
    write_cursor(STEP, str(newest))
    db.session.commit()
    return f"{len(latest)} login(s) signed in, {adopted} new login(s)"


def fresh(now: datetime) -> bool:
    """Whether sign-ins were read recently enough to act on (IDP_SIGN_INS_STALE_MINUTES)."""
    row = db.session.get(ScheduledStep, STEP)
    limit = timedelta(minutes=current_app.config["IDP_SIGN_INS_STALE_MINUTES"])
    return bool(row and row.last_finished_at and now - row.last_finished_at <= limit)
