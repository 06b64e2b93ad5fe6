"""Lost-phone recovery by people: an administrator resets a person's second factor after an
identity check (a reason or ticket number, and a code emailed to the address on file that the
person reads back over the phone).

``start`` records the attempt and emails the check code (one transaction: no code without
its row). ``confirm`` checks the code, takes one of the administrator's resets for the day
with an atomic UPDATE (two tabs cannot both take the last one), then asks Keycloak to require
enrollment and delete the factors, queues the person's security notice and the audit event;
if Keycloak fails, the database work is rolled back (nothing recorded, the quota not spent)
and the administrator retries. The person's sessions end after the commit.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.audit.actor import Actor
from idp_bridge.auth.sessions import end_keycloak_session
from idp_bridge.brand import brand_or_default
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.mail import enqueue
from idp_bridge.messages import message
from idp_bridge.notices import service as notices
from idp_bridge.notices.events import SECOND_FACTOR_RESET
from idp_bridge.recovery import rules
from idp_bridge.recovery.models import ResetQuota, SecondFactorReset
from idp_bridge.row_locks import hold

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Target:
    user_id: str
    email: str  # the address on file in Keycloak (never one typed on the screen)
    brand: str | None
    organization_key: str = ""


def target_of(user_id: str, organization_key: str = "") -> Target:
    person = get_gateway().get_user(user_id)
    return Target(user_id, person.email, person.attribute("brand"), organization_key)


def is_plan_admin(user_id: str) -> bool:
    return "plan-admin" in get_gateway().user_realm_roles(user_id)


def start(actor: Actor, target: Target, console: str, reason: str) -> SecondFactorReset:
    """Record the attempt and email the check code to the person's address on file."""
    problem = rules.refusal(console, actor.id, target.user_id, is_plan_admin(target.user_id))
    if problem:
        raise DecisionFailed(message(problem))
    cleaned = rules.clean_reason(reason)
    if cleaned is None:
        raise DecisionFailed(message("reset.reason"))
    code, salt = rules.new_code(), secrets.token_hex(8)
    attempt = SecondFactorReset(
        user_id=target.user_id, email=target.email, admin_id=actor.id,
        admin_email=actor.email, console=console, organization_key=target.organization_key,
        reason=cleaned, code_digest=rules.code_digest(code, salt), code_salt=salt,
        code_sent_at=utcnow())
    db.session.add(attempt)
    brand = brand_or_default(target.brand)
    enqueue("second_factor_reset.check", target.email, message("reset.check_subject",
                                                               brand=brand),
            message("reset.check_body", brand=brand, code=code), brand=brand.key)
    audit.record("second_factor.check_sent", actor=actor, subject_id=target.user_id,
                 subject_email=target.email, organization_key=target.organization_key,
                 reason=cleaned)
    db.session.commit()
    return attempt


def confirm(actor: Actor, attempt_id: int, typed_code: str,
            include_passkeys: bool) -> list[str]:
    """Check the code read back and reset; the credential types removed."""
    hold(SecondFactorReset, SecondFactorReset.id == attempt_id)
    attempt = db.session.get(SecondFactorReset, attempt_id)
    if attempt is None or attempt.admin_id != actor.id or attempt.status != "checking":
        db.session.rollback()
        raise DecisionFailed(message("reset.gone"))
    attempt.tries += 1
    problem = rules.check(typed_code, attempt.code_digest, attempt.code_salt,
                          attempt.code_sent_at, attempt.tries - 1, utcnow())
    if problem:
        db.session.commit()  # the try counts
        raise DecisionFailed(message(problem))
    # Checked again at the moment of acting: roles can change while the code travels.
    refused = rules.refusal(attempt.console, actor.id, attempt.user_id,
                            is_plan_admin(attempt.user_id))
    if refused:
        db.session.rollback()
        raise DecisionFailed(message(refused))
    if not _take_quota(actor.id):
        db.session.rollback()
        raise DecisionFailed(message("reset.quota",
                                     cap=current_app.config["IDP_FACTOR_RESETS_PER_DAY"]))
    attempt.status, attempt.done_at = "done", utcnow()
    target = target_of(attempt.user_id, attempt.organization_key)
    notices.notify(attempt.user_id, target.email, target.brand, SECOND_FACTOR_RESET,
                   f"bridge:second_factor_reset:{attempt.id}")
    try:
        db.session.flush()
        removed = get_gateway().reset_second_factor(attempt.user_id, include_passkeys)
        audit.record("second_factor.reset", actor=actor, subject_id=attempt.user_id,
                     subject_email=attempt.email, organization_key=attempt.organization_key,
                     reason=attempt.reason, console=attempt.console, removed=removed)
        db.session.commit()
    except GatewayError as exc:
        db.session.rollback()
        raise DecisionFailed(message("reset.keycloak")) from exc
    except SQLAlchemyError as exc:
        db.session.rollback()
        raise DecisionFailed(message("reset.keycloak")) from exc
    _end_sessions(attempt.user_id)
    return removed


def _take_quota(admin_id: str) -> bool:
    """One reset of today's allowance, or False when it is used up (an atomic UPDATE)."""
    day = utcnow().date()
    try:
        with db.session.begin_nested():
            db.session.add(ResetQuota(admin_id=admin_id, day=day, used=0))
            db.session.flush()
    except IntegrityError:
        pass  # the day's row exists
    cap = int(current_app.config["IDP_FACTOR_RESETS_PER_DAY"])
    taken = db.session.execute(
        update(ResetQuota).where(ResetQuota.admin_id == admin_id, ResetQuota.day == day,
                                 ResetQuota.used < cap).values(used=ResetQuota.used + 1))
    return bool(getattr(taken, "rowcount", 0) == 1)


def _end_sessions(user_id: str) -> None:
    """After the commit: the bridge's sessions of the person, then Keycloak's (their SSO
    cookie no longer signs them in anywhere)."""
    end_keycloak_session(None, user_id)
    try:
        get_gateway().end_sessions(user_id)
    except GatewayError:
        log.warning("the reset person's Keycloak sessions could not be ended just now")
