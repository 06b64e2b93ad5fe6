"""Password Setup for a new login. Keycloak enforces the policy; the bridge keeps no copy.

If Keycloak refuses a detail typed on Individual Enrollment (its user profile rules), this
screen shows that field again, marked, to be corrected here: the wizard never goes back.
"""

from __future__ import annotations

from dataclasses import asdict, replace
from typing import Any

from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError

from idp_bridge.clock import epoch
from idp_bridge.extensions import db
from idp_bridge.keycloak import user_profile
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import (
    GatewayError,
    PasswordRejected,
    ProfileRejected,
    UserExists,
)
from idp_bridge.messages import Problem, message, problem
from idp_bridge.organizations.models import Membership
from idp_bridge.registration import draft_rows
from idp_bridge.registration.context import Person, RegistrationContext
from idp_bridge.registration.drafts import unanswered_login
from idp_bridge.registration.engine import Advance, Invalid, Result, Stage
from idp_bridge.registration.forms import PasswordForm, problems
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.password_policy import describe_policy, rule_broken

PROFILE_REASONS = {
    "error-person-name-invalid-character":
        "contains a character that isn't allowed (such as < > & \" $ % ! # ? ; * ~ / \\ | ^ "
        "= [ ] { } ( ))",
    "error-invalid-length-too-long": "is too long",
    "error-invalid-length-too-short": "is too short",
    "error-invalid-email": "is not a valid email address",
    "error-username-invalid-character": "contains a character that isn't allowed",
}
CORRECTABLE = ("first_name", "last_name", "phone", "job_title")


def profile_problems(rejected: ProfileRejected) -> dict[str, Problem]:
    """Keycloak's refusal, as problems on the Individual Enrollment fields."""
    found: dict[str, Problem] = {}
    for attribute, code in rejected.fields.items():
        name, label = user_profile.FIELDS.get(attribute, ("form", "label.any"))
        found[name] = problem("profile.field", label=message(label),
                              reason=PROFILE_REASONS.get(code, "was not accepted"))
    return found or {"form": problem("profile.rejected")}


def _password_problem(refusal: str) -> Problem:
    """The rule as the guide lists it on this screen; Keycloak's own words only for a rule
    the guide doesn't have."""
    try:
        rule = rule_broken(refusal, get_gateway().password_policy())
    except GatewayError:
        rule = None
    if rule is None:
        return problem("password.rejected", text=refusal)
    return problem("password.rule", rule=rule)


def _stored(problems_: dict[str, Problem]) -> dict[str, Any]:
    return {name: {"code": p.code, "params": p.params} for name, p in problems_.items()}


def _loaded(stored: dict[str, Any] | None) -> dict[str, Problem]:
    return {name: Problem(p["code"], p["params"]) for name, p in (stored or {}).items()}


class PasswordStage(Stage):
    name = "password"
    title = "Password Setup"
    template = "registration/password.html"
    form = PasswordForm
    reads = frozenset({"individual", "merge", "profile_errors", "login_attempted_at"})
    writes = frozenset({"individual", "profile_errors", "login_attempted_at"})
    secret = frozenset({"password", "confirm_password"})

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return not ctx.merge

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        try:
            rules = describe_policy(get_gateway().password_policy())
        except GatewayError:
            rules = []
        person = asdict(ctx.individual or Person())
        corrections = [name for name in CORRECTABLE if name in (ctx.profile_errors or {})]
        return {"rules": rules, "email": ctx.email, "corrections": corrections,
                **{name: person[name] for name in corrections}}

    def standing_problems(self, ctx: RegistrationContext) -> dict[str, Problem]:
        return _loaded(ctx.profile_errors)

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        corrected = self._corrections(ctx, form)
        if isinstance(corrected, Invalid):
            return corrected
        password = form.password.data or ""
        if not password:
            return Invalid({"password": problem("password.required")})
        if password != (form.confirm_password.data or ""):
            return Invalid({"confirm_password": problem("password.mismatch")})
        try:
            user_id = draft.keycloak_user_id or self._create_user(draft, ctx)
        except UserExists:
            adopted = self._login_from_unanswered_attempt(draft, ctx)
            if adopted is None:
                return Invalid({"form": problem("login.exists")})
            user_id = adopted
        except ProfileRejected as exc:
            found = profile_problems(exc)
            ctx.profile_errors = _stored(found)
            return Invalid(found)
        except GatewayError as exc:
            if exc.unreachable and not draft.keycloak_user_id:
                # Keycloak may still create the login after we stopped waiting: remember
                # the attempt, so a retry takes that login over (and reconcile can remove
                # it if the registration is abandoned).
                ctx.login_attempted_at = epoch()
            return Invalid({"form": problem("login.unavailable")})
        try:
            get_gateway().set_password(user_id, password)
        except PasswordRejected as exc:
            return Invalid({"password": _password_problem(str(exc))})
        except GatewayError:
            return Invalid({"form": problem("login.unavailable")})
        return Advance()

    def _corrections(self, ctx: RegistrationContext, form: FlaskForm) -> Invalid | None:
        """Fields Keycloak refused earlier, as corrected on this screen."""
        names = [name for name in CORRECTABLE if name in (ctx.profile_errors or {})]
        if not names:
            return None
        errors = problems(form, names)
        if errors:
            return Invalid(errors)
        assert ctx.individual is not None
        ctx.individual = replace(ctx.individual, **{name: form[name].data for name in names})
        ctx.profile_errors = None
        return None

    def _login_from_unanswered_attempt(self, draft: RegistrationDraft,
                                       ctx: RegistrationContext) -> str | None:
        """The login an earlier, timed-out attempt of this draft created, if that is what
        exists (``drafts.unanswered_login``) and nobody is a member with it yet."""
        user_id = unanswered_login(ctx)
        if user_id is None or Membership.query.filter_by(user_id=user_id).first():
            return None
        draft.keycloak_user_id = user_id
        draft_rows.commit(draft)
        return user_id

    def _create_user(self, draft: RegistrationDraft, ctx: RegistrationContext) -> str:
        person = ctx.individual
        assert person is not None
        # The realm's default required actions (phone setup, terms) come with the new user.
        user_id = get_gateway().create_user(
            person.email, person.first_name, person.last_name,
            user_profile.registrant_attributes(person, draft.brand))
        # Remember it at once: if anything after this fails, cleanup can remove the user.
        draft.keycloak_user_id = user_id
        try:
            # Kept as loaded: the submit goes on with the draft it read under its lock.
            draft_rows.commit(draft)
        except SQLAlchemyError:
            # Nothing remembers this login: remove it now rather than leave a half-account.
            db.session.rollback()
            get_gateway().delete_user(user_id)
            raise
        return user_id


STAGE = PasswordStage()
