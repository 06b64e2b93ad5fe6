"""Registration drafts as a service: which abandoned drafts may go, and removing them safely.

Password Setup creates the Keycloak login before the registration is complete, so an
abandoned draft can leave a half-made login (no phone, no Terms, no membership), which is
removed with the draft. But that same login may since have become someone's account: the
registrant registered again with the same email and merged into it (the guide says to
register again), or signed in and finished. So:

- :func:`fate` is the rule, pure, with the clock passed in: a login is never removed while a
  membership or another registration (live, or completed) uses it;
- :func:`discard` applies it under the lock of the draft row that created the login, and
  :func:`hold_login` (called by completion before it records a membership) takes the same
  lock and then checks the login still exists. A check and a removal therefore never
  interleave with a new use of the login: whichever commits first, the other sees it.

A registration "uses" a login when it created it (``keycloak_user_id``) or when its
registrant was offered the merge into it (the context's ``existing_user_id``, written in the
same commit that moves the draft to the merge question).
"""

from __future__ import annotations

import enum
import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, DateTime, and_, bindparam, exists, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm.attributes import set_committed_value

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.clock import utcnow
from idp_bridge.extensions import commit_keeping_loaded, db
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import KeycloakUser
from idp_bridge.organizations.models import Membership
from idp_bridge.registration import context, draft_rows
from idp_bridge.registration.models import DRAFT_LIFETIME, RegistrationDraft
from idp_bridge.row_locks import hold

log = logging.getLogger(__name__)
# The browser's session holds only this: the id of its draft.
DRAFT_KEY = "registration_id"
# Where the merge question's login is kept in the draft's context (context.py's field name).
MERGE_TARGET_KEY = "existing_user_id"
# The wizard's step while Keycloak runs phone verification and the Terms (stages/sign_in.py).
AT_KEYCLOAK = "sign_in"


# The rule ------------------------------------------------------------------------------------


class Fate(enum.Enum):
    KEEP = "keep"  # not abandoned (still in progress, or complete): leave it alone
    WAIT = "wait"  # abandoned, but a live registration may still use its login: not yet
    DROP_DRAFT = "drop-draft"  # abandoned before it created a login
    DROP_DRAFT_KEEP_LOGIN = "drop-draft-keep-login"  # abandoned; its login is an account now
    DROP_DRAFT_AND_LOGIN = "drop-draft-and-login"  # abandoned, and nothing uses its login


@dataclass(frozen=True)
class OtherUse:
    """Another registration that uses the same login."""

    expires_at: datetime
    completed: bool


@dataclass(frozen=True)
class DraftFacts:
    expires_at: datetime
    completed: bool
    login_id: str | None  # the login this draft created, if any
    login_has_membership: bool = False
    other_uses: tuple[OtherUse, ...] = ()


def fate(facts: DraftFacts, now: datetime, *, abandoned_now: bool = False) -> Fate:
    """What may be removed. ``abandoned_now``: the registrant restarted on purpose, so the
    draft counts as abandoned before it expires."""
    if facts.completed or (facts.expires_at >= now and not abandoned_now):
        return Fate.KEEP
    if facts.login_id is None:
        return Fate.DROP_DRAFT
    if facts.login_has_membership or any(use.completed for use in facts.other_uses):
        return Fate.DROP_DRAFT_KEEP_LOGIN  # completed here or elsewhere: a real account
    if any(use.expires_at >= now for use in facts.other_uses):
        return Fate.WAIT  # e.g. registering again, at the merge question right now
    return Fate.DROP_DRAFT_AND_LOGIN


# Applying it -----------------------------------------------------------------------------------


DROPPED = (Fate.DROP_DRAFT, Fate.DROP_DRAFT_KEEP_LOGIN, Fate.DROP_DRAFT_AND_LOGIN)


class RegistrationGone(Exception):
    """The draft was removed (abandoned and cleaned up) before it could complete."""


class LoginGone(Exception):
    """The login a registration was about to complete for no longer exists."""


def uses_login(user_id: str) -> ColumnElement[bool]:
    """Drafts that created ``user_id`` or were offered the merge into it."""
    merge_target = RegistrationDraft.context[MERGE_TARGET_KEY].as_string()
    return or_(RegistrationDraft.keycloak_user_id == user_id, merge_target == user_id)


def facts_of(draft: RegistrationDraft, login: str | None = None) -> DraftFacts:
    """The facts :func:`fate` needs; ``login``: the draft's login if found another way."""
    login = login or draft.keycloak_user_id
    base = DraftFacts(draft.expires_at, draft.completed_at is not None, login)
    if login is None:
        return base
    member = db.session.scalar(select(exists().where(Membership.user_id == login)))
    others = db.session.execute(
        select(RegistrationDraft.expires_at, RegistrationDraft.completed_at)
        .where(RegistrationDraft.id != draft.id, uses_login(login))).all()
    return DraftFacts(base.expires_at, base.completed, login, bool(member),
                      tuple(OtherUse(row.expires_at, row.completed_at is not None)
                            for row in others))


class Discarded(NamedTuple):
    fate: Fate
    login: str | None  # the draft's login, if it had one


def discard(draft_id: str, now: datetime | None = None, *,
            abandoned_now: bool = False) -> Discarded:
    """Remove what :func:`fate` allows of this draft, deciding under the row's lock; commits.

    Raises GatewayError (nothing changed) if Keycloak couldn't remove the login.
    """
    now = now or utcnow()
    try:
        if not hold(RegistrationDraft, RegistrationDraft.id == draft_id):
            db.session.rollback()
            return Discarded(Fate.KEEP, None)  # removed meanwhile
        draft = db.session.get(RegistrationDraft, draft_id, populate_existing=True)
        assert draft is not None
        login = draft.keycloak_user_id or (
            None if draft.completed_at is not None else unanswered_login(context.load(draft)))
        decision = fate(facts_of(draft, login), now, abandoned_now=abandoned_now)
        if decision is Fate.DROP_DRAFT_AND_LOGIN:
            _delete_login(str(login))
        if decision in DROPPED:
            db.session.delete(draft)
        db.session.commit()
    except (GatewayError, SQLAlchemyError):
        db.session.rollback()
        raise
    return Discarded(decision, login)


def unanswered_login(ctx: context.RegistrationContext) -> str | None:
    """A login Keycloak created after Password Setup stopped waiting for its answer (the
    draft never learnt its id): one with the draft's email, created after the attempt (a
    few seconds' grace for the two clocks). Cleanup removes it with the draft; Password
    Setup adopts it when nobody is a member with it yet."""
    if not ctx.login_attempted_at or not ctx.email:
        return None
    user = get_gateway().find_user_by_email(ctx.email)
    if user is None or user.created_ms < (ctx.login_attempted_at - 5) * 1000:
        return None
    return user.id


def _delete_login(user_id: str) -> None:
    try:
        get_gateway().delete_user(user_id)
    except GatewayError as exc:
        if exc.status != 404:
            raise


@dataclass
class Cleanup:
    removed: int = 0  # drafts removed
    removed_logins: list[str] = field(default_factory=list)
    logins_kept: int = 0  # drafts removed whose login is an account now
    waiting: int = 0  # abandoned, login still in use by a live registration
    failed: int = 0  # Keycloak or the database refused: tried again next run

    @property
    def logins_removed(self) -> int:
        return len(self.removed_logins)


def remove_expired(now: datetime | None = None) -> Cleanup:
    """Every expired, unfinished draft through :func:`discard`, each committed on its own
    (call it with no changes pending in the session)."""
    now = now or utcnow()
    candidates = db.session.scalars(
        select(RegistrationDraft.id).where(RegistrationDraft.completed_at.is_(None),
                                           RegistrationDraft.expires_at < now)).all()
    db.session.rollback()  # no snapshot held across the loop
    summary = Cleanup()
    for draft_id in candidates:
        try:
            decision, login = discard(draft_id, now)
        except (GatewayError, SQLAlchemyError) as exc:
            log.warning("draft cleanup failed, kept for the next run: %s", type(exc).__name__)
            summary.failed += 1
            continue
        summary.removed += decision in DROPPED
        summary.logins_kept += decision is Fate.DROP_DRAFT_KEEP_LOGIN
        summary.waiting += decision is Fate.WAIT
        if decision is Fate.DROP_DRAFT_AND_LOGIN and login is not None:
            summary.removed_logins.append(login)
    return summary


def hold_login(draft: RegistrationDraft, user_id: str) -> KeycloakUser:
    """Before a registration completes for ``user_id``: the caller holds this draft's row
    (``draft_rows.held``, in this transaction); lock the draft that created the login too (if
    another one did), then make sure the login still exists. Until the caller commits or
    rolls back, no cleanup can remove either.

    Raises RegistrationGone, LoginGone, or GatewayError (Keycloak unreachable).
    """
    if draft.completed_at is not None:
        raise RegistrationGone(draft.id)
    hold(RegistrationDraft, and_(RegistrationDraft.keycloak_user_id == user_id,
                                 RegistrationDraft.id != draft.id))
    try:
        return get_gateway().get_user(user_id)
    except GatewayError as exc:
        if exc.status == 404:
            raise LoginGone(user_id) from exc
        raise


# Run on every sign-in (the callback runs it), written once: the id of the draft, unless a
# membership exists, as the subquery of the UPDATE that keeps it alive and answers the row
# (issue 26: an ORM query for the whole row cost twice the plain one, at every sign-in).
_UNFINISHED = (select(RegistrationDraft.id)
               .where(RegistrationDraft.keycloak_user_id == bindparam("login"),
                      RegistrationDraft.completed_at.is_(None),
                      RegistrationDraft.step == AT_KEYCLOAK,
                      ~exists().where(Membership.user_id == bindparam("login")))
               .order_by(RegistrationDraft.created_at.desc()).limit(1))


def unfinished_for_login(user_id: str, now: datetime | None = None) -> RegistrationDraft | None:
    """The registration that created this login and stopped at Keycloak's steps (phone,
    Terms), if the login has no membership yet: signing in with it finishes it. Its expiry
    moves on, so cleanup leaves it alone while it finishes: found and kept alive in one
    statement committing by itself (issue 26: a sign-in that finds none begins no
    transaction; one that does, three round trips fewer)."""
    row = _UNFINISHED_KEPT_ALIVE.run(
        login=user_id, expires=(now or utcnow()) + DRAFT_LIFETIME).first()
    return None if row is None else draft_rows.from_row(row)


# Run when a registration that stopped at Keycloak's steps comes back: written once.
_KEEP_ALIVE = (update(RegistrationDraft.__table__)
               .where(RegistrationDraft.id == bindparam("draft"),
                      RegistrationDraft.completed_at.is_(None))
               .values(expires_at=bindparam("expires", type_=DateTime())))
_UNFINISHED_KEPT_ALIVE = AutocommitStatement(
    update(RegistrationDraft.__table__)
    .where(RegistrationDraft.id == _UNFINISHED.scalar_subquery(),
           RegistrationDraft.completed_at.is_(None))
    .values(expires_at=bindparam("expires", type_=DateTime()))
    .returning(*RegistrationDraft.__table__.c))


def keep_alive(draft: RegistrationDraft, now: datetime | None = None) -> bool:
    """Extend an unfinished draft's life (committed); False if it is gone or complete."""
    expires = (now or utcnow()) + DRAFT_LIFETIME
    result = db.session.connection().execute(
        _KEEP_ALIVE, {"draft": draft.id, "expires": expires})
    commit_keeping_loaded()  # the caller goes on with the draft as read (no read again)
    if not result.rowcount:
        return False
    set_committed_value(draft, "expires_at", expires)
    return True

