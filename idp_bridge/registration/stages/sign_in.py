"""Hand-off to Keycloak: phone verification and Terms & Conditions run there at first sign-in."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from flask import url_for

from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import RegistrationDraft


class SignInStage:
    name = "sign_in"
    title = "Account Security"
    template = "registration/sign_in.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return not draft.context.get("merge")

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        email = draft.context["individual"]["email"]
        query = urlencode({"login_hint": email, "next": url_for("registration.finish")})
        return {"email": email, "sign_in_url": f"{url_for('auth.login')}?{query}"}

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        return Outcome.invalid(form="Please continue to sign in.")


STAGE = SignInStage()
