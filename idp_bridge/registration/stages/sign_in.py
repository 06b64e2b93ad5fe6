"""Hand-off to Keycloak: phone verification and Terms & Conditions run there at first sign-in.

After Password Setup the browser passes straight through (``passes_to``) to the registration
hand-off (views.handoff, idp_bridge/auth/handoff.py): a single-use Keycloak link that runs
phone verification and Terms without asking for the password again. This page shows only
when Keycloak will not hand off; then :func:`sign_in_url`, the ordinary Log In, is the way
on. Both carry the step numbers of Keycloak's two steps (``engine.keycloak_step_params``)
so its pages show the same "Step N of M" as the bridge's.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from flask import url_for
from flask_wtf import FlaskForm

from idp_bridge.messages import problem
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.engine import Invalid, Result, Stage, keycloak_step_params
from idp_bridge.registration.forms import NoFieldsForm
from idp_bridge.registration.models import RegistrationDraft


def sign_in_url(draft: RegistrationDraft, ctx: RegistrationContext) -> str:
    from idp_bridge.registration.stages import STAGES

    query = {"login_hint": ctx.email, "next": url_for("registration.finish"),
             **keycloak_step_params(draft.account_type, STAGES)}
    return f"{url_for('auth.login')}?{urlencode(query)}"


class SignInStage(Stage):
    name = "sign_in"
    title = "Account Security"
    template = "registration/sign_in.html"
    form = NoFieldsForm
    reads = frozenset({"individual", "merge"})
    hidden = True  # a hand-off page: it shows the number of the phone step it leads to
    part_of = "phone"

    def applies(self, draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
        return not ctx.merge

    def passes_to(self, draft: RegistrationDraft, ctx: RegistrationContext) -> str | None:
        # Straight on to Keycloak's phone step (views.handoff); this page shows only when
        # Keycloak will not hand off, with the ordinary Log In as the way on.
        return url_for("registration.handoff")

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        return {"email": ctx.email, "sign_in_url": sign_in_url(draft, ctx)}

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        return Invalid({"form": problem("wizard.sign_in")})


STAGE = SignInStage()
