"""Password Setup for a new login. Keycloak enforces the policy; the bridge keeps no copy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from idp_bridge.extensions import db
from idp_bridge.gateway import get_gateway
from idp_bridge.keycloak_gateway import GatewayError, PasswordRejected, UserExists
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.password_policy import describe_policy

UNAVAILABLE = "We couldn't create your login just now. Please try again in a moment."


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
            return Outcome.invalid(form="An account already exists for this email. Please "
                                   "restart registration to merge with it.")
        except GatewayError:
            return Outcome.invalid(form=UNAVAILABLE)
        try:
            gateway.set_password(user_id, password)
        except PasswordRejected as exc:
            return Outcome.invalid(password=str(exc))
        except GatewayError:
            return Outcome.invalid(form=UNAVAILABLE)
        return Outcome.ok()

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
        db.session.commit()
        return user_id


STAGE = PasswordStage()
