"""Individual Enrollment: the person, their verified work email, opt-in, site-admin agreement.

One form with three buttons (Send Code, Verify, Continue), as in the guides; whatever the
user typed is kept across each of them, and across a reload: every submit stores the typed
non-secret values in the draft (``ctx.typed``), accepted or not.
"""

from __future__ import annotations

from dataclasses import asdict
from functools import partial
from typing import Any, ClassVar

from flask_wtf import FlaskForm
from sqlalchemy import bindparam, exists, select

from idp_bridge.autocommit import AutocommitStatement
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.limits.client import client_address
from idp_bridge.mail import enqueue, take_queued_ids
from idp_bridge.mail.deliverer import deliver_one
from idp_bridge.messages import Problem, message, problem
from idp_bridge.npi.identifiers import format_tin
from idp_bridge.operations import metrics
from idp_bridge.organizations.models import Membership
from idp_bridge.registration.context import Person, RegistrationContext
from idp_bridge.registration.email_code import CodeRefused, DraftEmailCode, lifetime_minutes
from idp_bridge.registration.engine import Advance, Finish, Invalid, Result, Stage, Stay
from idp_bridge.registration.forms import IndividualForm, problems
from idp_bridge.registration.models import RegistrationDraft

PERSON_FIELDS = IndividualForm.PERSON_FIELDS


# Whether any row exists, not how many (an index probe, whatever the organization's size);
# written once and run as a statement committing by itself (issue 26: asked at each of this
# screen's requests, it began a transaction there only to roll it back, two round trips).
_HAS_MEMBERS = AutocommitStatement(
    select(exists().where(Membership.organization_id == bindparam("organization"))))


def needs_site_admin(draft: RegistrationDraft, ctx: RegistrationContext) -> bool:
    """Only the first individual of an organization sees the agreement."""
    if draft.account_type == "organization":
        return True
    return not _HAS_MEMBERS.run(organization=ctx.organization_id).scalar()


class IndividualStage(Stage):
    name = "individual"
    title = "Individual Enrollment"
    template = "registration/individual.html"
    form = IndividualForm
    reads = frozenset({"npi", "tin", "organization_id", "individual", "typed", "email_code",
                       "merge", "existing_user_id"})
    writes = frozenset({"individual", "typed", "email_code", "site_admin", "existing_user_id",
                        "merge", "merge_declined_email"})
    # The guides' merge pop-up, asked once the email is verified (new_email refuses instead).
    asks_merge: ClassVar[bool] = True
    read_only = frozenset({"npi", "tin"})
    secret = frozenset({"email_code"})

    def view(self, draft: RegistrationDraft, ctx: RegistrationContext) -> dict[str, Any]:
        values: dict[str, Any] = dict.fromkeys(PERSON_FIELDS, "")
        values.update(asdict(ctx.individual) if ctx.individual else {})
        values.update(ctx.typed)
        # An accepted number carries its extension (+16085551234;ext=123): shown in its box.
        number, _, extension = str(values.get("phone") or "").partition(";ext=")
        values["phone"] = number
        values["phone_extension"] = values.get("phone_extension") or extension
        # Opt In until the person picks Opt Out (the guides' every screenshot shows Opt In).
        values["opt_in"] = "out" if values.get("opt_in") == "out" else "in"
        values.update(npi=ctx.npi, tin=format_tin(ctx.tin),
                      site_admin_required=needs_site_admin(draft, ctx))
        values["email_verified"] = (bool(values["email"])
                                    and DraftEmailCode(draft, ctx).is_verified(values["email"]))
        values["merge_accepted"] = ctx.merge
        values["merge_question"] = (self.asks_merge and values["email_verified"]
                                    and not ctx.merge and _login_exists(values["email"]))
        return values

    def submit(self, draft: RegistrationDraft, ctx: RegistrationContext,
               form: FlaskForm) -> Result:
        # Kept as typed (a reload shows them again); the email only once it is well-formed.
        ctx.typed = {name: form[name].data or "" for name in PERSON_FIELDS}
        ctx.typed["site_admin"] = form.site_admin.data or ""
        ctx.typed["phone_extension"] = (form.phone_extension.data or "").strip()[:20]
        action = form.action.data or "continue"
        if action == "send_code":
            return self._send_code(draft, ctx, form)
        if action == "verify_code":
            return self._verify_code(draft, ctx, form)
        if action == "merge_answer" and self.asks_merge:
            return self._merge_answer(draft, ctx, form)
        return self._continue(draft, ctx, form)

    def _send_code(self, draft: RegistrationDraft, ctx: RegistrationContext,
                   form: FlaskForm) -> Result:
        errors = problems(form, ["email"])
        if errors:
            return Invalid(errors)
        email = form.email.data
        try:
            code = DraftEmailCode(draft, ctx).send(email, client_address())
        except CodeRefused as exc:
            metrics.CODES_REFUSED.labels("email", exc.problem.code).inc()
            return Invalid({"email_code": exc.problem}, retry_after=exc.retry_after)
        mail = enqueue("email-code", email, message("code.subject"),
                       message("code.body", code=code, minutes=lifetime_minutes()))
        return Stay(notice=problem("email.sent"), after_commit=partial(deliver_now, mail.id))

    def _verify_code(self, draft: RegistrationDraft, ctx: RegistrationContext,
                     form: FlaskForm) -> Result:
        try:
            DraftEmailCode(draft, ctx).verify(form.email.data or "", form.email_code.data or "")
        except CodeRefused as exc:
            if exc.locked_now:
                metrics.LOCKOUTS.labels("email_code").inc()  # this wrong try locked the code
            return Invalid({"email_code": exc.problem})
        return Stay(success=problem("email.validated"))

    def _continue(self, draft: RegistrationDraft, ctx: RegistrationContext,
                  form: FlaskForm) -> Result:
        errors = problems(form, PERSON_FIELDS)
        if "email" not in errors and not DraftEmailCode(draft, ctx).is_verified(form.email.data):
            errors["email_code"] = problem("email.unverified")
        site_admin = needs_site_admin(draft, ctx)
        if site_admin and form.site_admin.data != "yes":
            errors["site_admin"] = problem("site_admin.required")
        if errors:
            return Invalid(errors)
        person = Person(**{name: form[name].data for name in PERSON_FIELDS})
        existing = get_gateway().find_user_by_email(person.email)
        refusal = self.refuse_existing_login(existing is not None)
        if refusal is not None:
            return Invalid({"email": refusal})
        ctx.individual = person
        ctx.site_admin = site_admin
        merging = bool(ctx.merge and existing and existing.id == ctx.existing_user_id)
        ctx.merge = merging  # a YES holds only for the login it was given for
        ctx.existing_user_id = existing.id if existing else None
        if merging and existing:
            return Finish(existing.id)  # YES in the pop-up: this registration joins that login
        return Advance()

    def _merge_answer(self, draft: RegistrationDraft, ctx: RegistrationContext,
                      form: FlaskForm) -> Result:
        """The pop-up's answer. YES is remembered and Continue completes the registration for
        the existing login; NO clears the email (a different one makes a separate login) and
        moves on to ``new_email``, as the merge page's NO does."""
        errors = problems(form, ["email"])
        if errors or not DraftEmailCode(draft, ctx).is_verified(form.email.data):
            return Invalid(errors or {"email_code": problem("email.unverified")})
        existing = get_gateway().find_user_by_email(form.email.data)
        if existing is None:
            return Stay()
        if form.merge.data not in ("yes", "no"):
            return Invalid({"merge": problem("merge.required")})
        if form.merge.data == "yes":
            ctx.merge, ctx.existing_user_id = True, existing.id
            return Stay(success=problem("merge.accepted"))
        decline_merge(draft, ctx, form.email.data)
        return Advance()

    def refuse_existing_login(self, exists: bool) -> Problem | None:
        """Here an existing login leads on to the merge question (see ``new_email``)."""
        return None


def _login_exists(email: str) -> bool:
    """Is this (verified) email a login already? Keycloak away: not asked here; Continue
    then leads to the merge page, which asks."""
    try:
        return get_gateway().find_user_by_email(email) is not None
    except GatewayError:
        return False


def decline_merge(draft: RegistrationDraft, ctx: RegistrationContext, email: str) -> None:
    """NO to the merge question: a different email means a separate login, verified afresh."""
    ctx.merge_declined_email = email
    ctx.merge = False
    ctx.existing_user_id = None
    ctx.typed = {**ctx.typed, "email": ""}
    DraftEmailCode(draft, ctx).forget()  # a new address gets its code at once; caps stay


def deliver_now(message_id: int) -> Problem:
    """Sent at once, so the code arrives promptly; if the mail server is away, the deliverer
    keeps trying and the user is told it will come. Called after the commit."""
    take_queued_ids()
    if deliver_one(message_id, timeout=5) is False:
        return problem("email.delayed")
    return problem("email.sent")


STAGE = IndividualStage()
