"""Inactive logins: warned twice, then disabled in Keycloak (the rule: ``rules.due``).

The scheduler's ``inactive-logins`` step gives each login at most one notice a pass. A notice
is a conditional UPDATE of the login's row (from the notice it was at, with the activity it
was counted from) in the same transaction as its email and audit line: a second scheduler, a
second run, or a sign-in recorded meanwhile makes the UPDATE match nothing, and nothing is
sent twice. Disabling changes Keycloak before the commit and is undone if the commit fails.
Nothing is warned or disabled while the sign-ins are not known to be current
(``sign_ins.fresh``): a stale record would disable people who do sign in.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import ColumnElement, or_, select, update

from idp_bridge import audit
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.access import PLAN_ADMIN_ROLE
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.lifecycle import sign_ins
from idp_bridge.lifecycle.models import (
    NOTICE_DISABLED,
    NOTICE_FIRST,
    NOTICE_NONE,
    NOTICE_SECOND,
    Login,
)
from idp_bridge.lifecycle.rules import Due, InactivityPolicy, LoginState, due
from idp_bridge.mail import enqueue
from idp_bridge.messages import message

log = logging.getLogger(__name__)
STEP = "inactive-logins"
BATCH = 2_000  # logins looked at a pass; the oldest first, the rest next pass


def member_policy() -> InactivityPolicy:
    config = current_app.config
    return InactivityPolicy(config["IDP_INACTIVE_DAYS"],
                            config["IDP_INACTIVE_FIRST_WARNING_DAYS"],
                            config["IDP_INACTIVE_SECOND_WARNING_DAYS"])


def plan_admin_policy() -> InactivityPolicy:
    config = current_app.config
    return InactivityPolicy(config["IDP_INACTIVE_PLAN_ADMIN_DAYS"],
                            config["IDP_INACTIVE_FIRST_WARNING_DAYS"],
                            config["IDP_INACTIVE_SECOND_WARNING_DAYS"])


def run(now: datetime) -> str:
    """The scheduler step."""
    if not sign_ins.fresh(now):
        return "skipped: sign-ins were not read recently"
    member, plan_admin = member_policy(), plan_admin_policy()
    if member.never and plan_admin.never:
        return "off"
    candidates = db.session.scalars(
        select(Login).where(_something_due(member, plan_admin, now))
        .order_by(Login.active_since).limit(BATCH)).all()
    counts = {NOTICE_FIRST: 0, NOTICE_FIRST + 1: 0, NOTICE_DISABLED: 0}
    failed = 0
    for login in candidates:
        try:
            step = _due_for(login, now)
            if step is not None and _give(login, step, now):
                counts[step.notice] += 1
        except GatewayError:
            db.session.rollback()
            failed += 1
            log.warning("inactive login could not be handled just now; next pass retries")
    return (f"{counts[NOTICE_FIRST]} first warning(s), {counts[NOTICE_FIRST + 1]} second "
            f"warning(s), {counts[NOTICE_DISABLED]} disabled, {failed} to retry")


def _first_warning_from(policy: InactivityPolicy, now: datetime) -> datetime:
    return now - timedelta(days=max(0, policy.days - policy.first_warning))


def _something_due(member: InactivityPolicy, plan_admin: InactivityPolicy,
                   now: datetime) -> ColumnElement[bool]:
    """Only logins with a notice due now (so a batch is never filled by logins that are
    merely waiting, and a plan administrator's shorter period is looked at only for logins
    that are, or may be, plan administrators)."""
    unwarned = []
    if not member.never:
        unwarned.append(Login.active_since <= _first_warning_from(member, now))
    if not plan_admin.never:
        unwarned.append((Login.kind != KIND_MEMBER) &
                        (Login.active_since <= _first_warning_from(plan_admin, now)))
    second_from = max(member.second_warning, plan_admin.second_warning)
    return or_(
        (Login.notice == NOTICE_NONE) & or_(*unwarned),
        (Login.notice == NOTICE_FIRST) &
        (Login.disable_on <= now + timedelta(days=second_from)),
        (Login.notice == NOTICE_SECOND) & (Login.disable_on <= now))


KIND_MEMBER, KIND_PLAN_ADMIN = "member", "plan-admin"


def _due_for(login: Login, now: datetime) -> Due | None:
    state = LoginState(login.active_since, login.notice, login.disable_on)
    just_asked = login.kind == ""
    if just_asked:
        login.kind = _kind(login.user_id)  # kept with the next commit
    policy = plan_admin_policy() if login.kind == KIND_PLAN_ADMIN else member_policy()
    step = due(state, policy, now)
    if step is None or just_asked:
        db.session.commit()  # the kind just learnt
        return step
    kind = _kind(login.user_id)  # roles change: asked again before any notice
    if kind != login.kind:
        login.kind = kind
        db.session.commit()
        return _due_for(login, now)
    return step


def _kind(user_id: str) -> str:
    is_plan_admin = PLAN_ADMIN_ROLE in get_gateway().user_realm_roles(user_id)
    return KIND_PLAN_ADMIN if is_plan_admin else KIND_MEMBER


def _give(login: Login, step: Due, now: datetime) -> bool:
    """One notice, once: the conditional UPDATE decides who gives it."""
    values: dict[str, object] = {"notice": step.notice, "disable_on": step.disable_on}
    if step.notice == NOTICE_DISABLED:
        values["disabled_at"] = now
    claimed = db.session.execute(update(Login).where(
        Login.user_id == login.user_id, Login.notice == login.notice,
        Login.active_since == login.active_since).values(**values)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return False
    since = login.last_sign_in_at or login.created_at
    days = (step.disable_on - login.active_since).days
    if step.notice == NOTICE_DISABLED:
        _disable(login, days)
        return True
    audit.record("login.inactive_warning", subject_id=login.user_id,
                 subject_email=login.email, notice=step.notice,
                 disable_on=step.disable_on.date().isoformat())
    _mail(login, "inactive.warning", day=_day(step.disable_on), since=_day(since),
          days=days)
    db.session.commit()
    return True


def _disable(login: Login, days: int) -> None:
    gateway = get_gateway()
    gateway.set_enabled(login.user_id, False)
    try:
        audit.record("login.disable", subject_id=login.user_id, subject_email=login.email,
                     reason="inactive", days=days)
        _mail(login, "inactive.disabled", days=days)
        db.session.commit()
    except Exception:
        db.session.rollback()
        gateway.set_enabled(login.user_id, True)  # undo: the row still says enabled
        raise
    try:
        gateway.end_sessions(login.user_id)  # none expected: it was unused
    except GatewayError:
        log.warning("disabled login's sessions could not be ended just now")


def _mail(login: Login, code: str, **params: object) -> None:
    if not login.email:
        return  # a login the bridge has no membership for (e.g. a plan administrator's)
    brand = brand_or_default(login.brand)
    enqueue(f"lifecycle.{code}", login.email, message(f"{code}.subject", brand, **params),
            message(f"{code}.body", brand, **params), brand=brand.key)


def _day(when: datetime) -> str:
    return when.strftime("%B %-d, %Y")


class NotDisabled(RuntimeError):
    """Shown to the administrator: this login is not disabled for inactivity."""


def reenable(user_id: str, actor: Actor = SYSTEM) -> None:
    """An administrator re-enables a login disabled for inactivity: enabled in Keycloak, a
    fresh period from now, audited, the person told. The caller checks who may."""
    login = db.session.get(Login, user_id)
    if login is None or login.notice != NOTICE_DISABLED:
        raise NotDisabled(message("login.not_disabled"))
    now = utcnow()
    claimed = db.session.execute(update(Login).where(
        Login.user_id == user_id, Login.notice == NOTICE_DISABLED).values(
        notice=NOTICE_NONE, disable_on=None, disabled_at=None, active_since=now)
        .execution_options(synchronize_session=False))
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        raise NotDisabled(message("login.reenabled_already"))
    gateway = get_gateway()
    try:
        gateway.set_enabled(user_id, True)
    except GatewayError:
        db.session.rollback()
        raise
    try:
        audit.record("login.reenable", actor=actor, subject_id=user_id,
                     subject_email=login.email)
        _mail(login, "login.reenabled", by=actor.email or "the health plan",
              days=member_policy().days)
        db.session.commit()
    except Exception:
        db.session.rollback()
        gateway.set_enabled(user_id, False)
        raise
