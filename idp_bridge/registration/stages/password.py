"""Password Setup for a new login. Keycloak enforces the policy; the bridge keeps no copy."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import (
    GatewayError,
    PasswordRejected,
    ProfileRejected,
    UserExists,
)
from idp_bridge.organizations.models import Membership
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.password_policy import describe_policy

UNAVAILABLE = "We couldn't create your login just now. Please try again in a moment."
# Keycloak's user-profile attributes, and the Individual Enrollment fields they come from.
PROFILE_FIELDS = {"firstName": ("first_name", "First Name"),
                  "lastName": ("last_name", "Last Name"),
                  "email": ("email", "Email"), "username": ("email", "Email"),
                  "work_phone": ("phone", "Phone"), "job_title": ("job_title", "Job Title"),
                  "communications_opt_in": ("opt_in", "Electronic communications")}
PROFILE_REASONS = {
    "error-person-name-invalid-character":
        "contains a character that isn't allowed (such as < > & \" $ % ! # ? ; * ~ / \\ | ^ "
        "= [ ] { } ( ))",
    "error-invalid-length": "is too long or too short",
    "error-invalid-email": "is not a valid email address",
    "error-username-invalid-character": "contains a character that isn't allowed",
}


def profile_errors(rejected: ProfileRejected) -> dict[str, str]:
    """Keycloak's refusal, as messages on the Individual Enrollment fields."""
    errors: dict[str, str] = {}
    for attribute, code in rejected.fields.items():
        name, label = PROFILE_FIELDS.get(attribute, ("form", "A value"))
        reason = PROFILE_REASONS.get(code, "was not accepted")
        errors[name] = f"{label} {reason}. Please correct it and continue."
    return errors or {"form": "Some of your details were not accepted. Please check them."}


class PasswordStage:
    name = "password"
    title = "Password Setup"
    template = "registration/password.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return not draft.context.get("merge")

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        try:
            rules = describe_policy(get_gateway().password_policy())
        except GatewayError:
            rules = []
        return {"rules": rules, "email": draft.context["individual"]["email"]}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        password = form.get("password", "")
        if not password:
            return Outcome.invalid(password="Password is required.")
        if password != form.get("confirm_password", ""):
            return Outcome.invalid(confirm_password="Passwords do not match.")
        gateway = get_gateway()
        try:
            user_id = draft.keycloak_user_id or self._create_user(draft)
        except UserExists:
            adopted = self._login_from_unanswered_attempt(draft)
            if adopted is None:
                return Outcome.invalid(form="An account already exists for this email. "
                                       "Please restart registration to merge with it.")
            user_id = adopted
        except ProfileRejected as exc:
            # Not a dead end: back to Individual Enrollment, everything typed kept, the
            # refused field marked. The only way back the wizard allows.
            draft.update(profile_errors=profile_errors(exc))
            return Outcome.ok(next_stage="individual")
        except GatewayError as exc:
            if exc.unreachable and not draft.keycloak_user_id:
                # Keycloak may still create the login after we stopped waiting: remember
                # the attempt, so a retry takes that login over (and reconcile can remove
                # it if the registration is abandoned).
                draft.update(login_attempted_at=time.time())
            return Outcome.invalid(form=UNAVAILABLE)
        try:
            gateway.set_password(user_id, password)
        except PasswordRejected as exc:
            return Outcome.invalid(password=str(exc))
        except GatewayError:
            return Outcome.invalid(form=UNAVAILABLE)
        return Outcome.ok()

    def _login_from_unanswered_attempt(self, draft: RegistrationDraft) -> str | None:
        """The login an earlier, timed-out attempt of this draft created, if that is what
        exists: created after the attempt, and nobody's member yet."""
        attempted = draft.context.get("login_attempted_at")
        if not attempted:
            return None
        user = get_gateway().find_user_by_email(draft.context["individual"]["email"])
        if user is None or user.created_ms < (attempted - 5) * 1000:
            return None
        if Membership.query.filter_by(user_id=user.id).first():
            return None
        draft.keycloak_user_id = user.id
        db.session.commit()
        return user.id

    def _create_user(self, draft: RegistrationDraft) -> str:
        person = draft.context["individual"]
        # The realm's default required actions (phone setup, terms) come with the new user.
        user_id = get_gateway().create_user(
            person["email"], person["first_name"], person["last_name"],
            {"work_phone": person["phone"], "job_title": person["job_title"],
             "communications_opt_in": person["opt_in"]},
        )
        # Remember it at once: if anything after this fails, cleanup can remove the user.
        draft.keycloak_user_id = user_id
        try:
            db.session.commit()
        except SQLAlchemyError:
            # Nothing remembers this login: remove it now rather than leave a half-account.
            db.session.rollback()
            get_gateway().delete_user(user_id)
            raise
        return user_id


STAGE = PasswordStage()
