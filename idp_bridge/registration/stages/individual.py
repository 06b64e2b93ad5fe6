"""Individual Enrollment: the person, their verified work email, opt-in, site-admin agreement.

One form with three buttons (Send Code, Verify, Continue), as in the guides; whatever the
user typed is kept across each of them.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from flask import current_app

from idp_bridge.extensions import db
from idp_bridge.gateway import get_gateway
from idp_bridge.mailer import MailError, send_mail
from idp_bridge.models import Membership, utcnow
from idp_bridge.npi.identifiers import format_tin
from idp_bridge.registration.email_code import (
    CodeRefused,
    EmailCodeState,
    check_code,
    issue_code,
)
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import EmailCodeSend, RegistrationDraft
from idp_bridge.registration.validation import clean_email, clean_phone, clean_text

EMAIL_SENT = "Email has been sent. Please check your inbox."
EMAIL_VALIDATED = "Email Validated Successfully"
SITE_ADMIN_AGREEMENT = (
    "The first registered user under an organization will automatically be selected as the "
    "initial Site Administrator. By selecting this, you are agreeing that you will become this "
    "organization's initial Site Administrator."
)
PERSON_FIELDS = ("first_name", "last_name", "phone", "email", "job_title", "opt_in")


def _now() -> float:
    return time.time()


def needs_site_admin(draft: RegistrationDraft) -> bool:
    """Only the first individual of an organization sees the agreement."""
    if draft.account_type == "organization":
        return True
    org_id = draft.context.get("organization_id")
    return not Membership.query.filter_by(organization_id=org_id).count()


class IndividualStage:
    name = "individual"
    title = "Individual Enrollment"
    read_only = ("npi", "tin")
    template = "registration/individual.html"

    def applies(self, draft: RegistrationDraft) -> bool:
        return True

    def view(self, draft: RegistrationDraft) -> dict[str, Any]:
        ctx = draft.context
        values: dict[str, Any] = {name: "" for name in PERSON_FIELDS}
        values.update(ctx.get("individual", {}))
        values.update(npi=ctx["npi"], tin=format_tin(ctx["tin"]),
                      site_admin_required=needs_site_admin(draft),
                      site_admin_agreement=SITE_ADMIN_AGREEMENT)
        state = EmailCodeState.from_dict(ctx.get("email_code"))
        if values.get("email") and state.is_verified(values["email"]):
            values["email_verified"] = True
        if ctx.get("merge_declined_email"):
            values["email"] = ""
        return values

    def submit(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        action = form.get("action", "continue")
        if action == "send_code":
            return self._send_code(draft, form)
        if action == "verify_code":
            return self._verify_code(draft, form)
        return self._continue(draft, form)

    def _send_code(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        email = clean_email(form.get("email", ""), errors, "email")
        if errors:
            return Outcome(valid=False, errors=errors)
        state = EmailCodeState.from_dict(draft.context.get("email_code"))
        recent = EmailCodeSend.query.filter(
            EmailCodeSend.email == email, EmailCodeSend.sent_at > utcnow() - timedelta(hours=1)
        ).count()
        try:
            code = issue_code(state, email, _now(), recent,
                              cooldown=current_app.config["EMAIL_CODE_COOLDOWN_SECONDS"])
        except CodeRefused as exc:
            return Outcome.invalid(email_code=str(exc))
        try:
            send_mail(email, f"{current_app.extensions['brand'].portal_name} verification code",
                      f"Your verification code is {code}. It expires in 10 minutes.\n\n"
                      "If you did not request this code, you can ignore this email.")
        except MailError as exc:
            return Outcome.invalid(email_code=str(exc))  # state not saved: the send is retryable
        db.session.add(EmailCodeSend(email=email))
        draft.update(email_code=state.to_dict(), merge_declined_email=None)
        return Outcome(valid=False, notice=EMAIL_SENT)

    def _verify_code(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        state = EmailCodeState.from_dict(draft.context.get("email_code"))
        try:
            check_code(state, form.get("email", ""), form.get("email_code", ""), _now())
        except CodeRefused as exc:
            draft.update(email_code=state.to_dict())  # wrong tries must be remembered
            return Outcome.invalid(email_code=str(exc))
        draft.update(email_code=state.to_dict())
        return Outcome(valid=False, success=EMAIL_VALIDATED)

    def _continue(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        person = {
            "first_name": clean_text(form.get("first_name", ""), "First Name", errors,
                                     "first_name", required=True),
            "last_name": clean_text(form.get("last_name", ""), "Last Name", errors,
                                    "last_name", required=True),
            "phone": clean_phone(form.get("phone", ""), errors, "phone", "Phone"),
            "email": clean_email(form.get("email", ""), errors, "email"),
            "job_title": clean_text(form.get("job_title", ""), "Job Title", errors,
                                    "job_title", required=True),
            "opt_in": form.get("opt_in", ""),
        }
        state = EmailCodeState.from_dict(draft.context.get("email_code"))
        if "email" not in errors and not state.is_verified(person["email"]):
            errors["email_code"] = "You must verify your email address before continuing."
        if person["opt_in"] not in ("in", "out"):
            errors["opt_in"] = "Please select Opt In or Opt Out for electronic communications."
        site_admin = needs_site_admin(draft)
        if site_admin and form.get("site_admin") != "yes":
            errors["site_admin"] = ("You must agree to be the organization's initial Site "
                                    "Administrator to continue.")
        if errors:
            return Outcome(valid=False, errors=errors)
        existing = get_gateway().find_user_by_email(person["email"])
        draft.update(individual=person, site_admin=site_admin,
                     existing_user_id=existing.id if existing else None,
                     merge_declined_email=None)
        return Outcome.ok()


STAGE = IndividualStage()
