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
from sqlalchemy import or_, select, update

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.mail import enqueue, take_queued_ids
from idp_bridge.mail.deliverer import deliver_one
from idp_bridge.npi.identifiers import format_tin
from idp_bridge.organizations.models import Membership
from idp_bridge.registration.email_code import (
    MAX_SENDS_PER_DRAFT,
    MAX_WRONG_TRIES,
    TOO_MANY_SENDS,
    TOO_MANY_TRIES,
    CodeRefused,
    EmailCodeState,
    code_matches,
    issue_code,
    mark_verified,
    precheck,
    wrong_code_message,
)
from idp_bridge.registration.engine import Outcome
from idp_bridge.registration.models import EmailCodeSend, RegistrationDraft
from idp_bridge.registration.validation import (
    clean_email,
    clean_person_name,
    clean_phone,
    clean_text,
)

EMAIL_SENT = "Email has been sent. Please check your inbox."
EMAIL_DELAYED = ("Our email service is slow right now: your code will arrive within a few "
                 "minutes. Please check your inbox.")
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
        cooldown = current_app.config["EMAIL_CODE_COOLDOWN_SECONDS"]
        now = _now()
        try:
            code = issue_code(state, email, now, recent, cooldown=cooldown)
            _reserve_send(draft, now, cooldown)
        except CodeRefused as exc:
            return Outcome.invalid(email_code=str(exc))
        message = enqueue("email-code", email,
                          f"{current_app.extensions['brand'].portal_name} verification code",
                          f"Your verification code is {code}. It expires in 10 minutes.\n\n"
                          "If you did not request this code, you can ignore this email.")
        db.session.add(EmailCodeSend(email=email))
        draft.update(email_code=state.to_dict(), merge_declined_email=None)
        draft.touch()
        db.session.commit()
        # Sent now, so the code arrives promptly; if the mail server is away, the deliverer
        # keeps trying and the user is told it will come.
        take_queued_ids()
        if deliver_one(message.id, timeout=5) is False:
            return Outcome(valid=False, notice=EMAIL_DELAYED)
        return Outcome(valid=False, notice=EMAIL_SENT)

    def _verify_code(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        state = EmailCodeState.from_dict(draft.context.get("email_code"))
        state.wrong_tries = max(state.wrong_tries, _wrong_tries(draft))
        try:
            precheck(state, form.get("email", ""), _now())
        except CodeRefused as exc:
            return Outcome.invalid(email_code=str(exc))
        tries = _reserve_try(draft)  # taken before the code is evaluated, atomically
        if tries is None:
            return Outcome.invalid(email_code=TOO_MANY_TRIES)
        if not code_matches(state, form.get("email_code", "")):
            state.wrong_tries = tries
            draft.update(email_code=state.to_dict())
            return Outcome.invalid(email_code=wrong_code_message(tries))
        _refund_try(draft)  # only wrong codes count
        mark_verified(state)
        draft.update(email_code=state.to_dict())
        return Outcome(valid=False, success=EMAIL_VALIDATED)

    def _continue(self, draft: RegistrationDraft, form: Mapping[str, str]) -> Outcome:
        errors: dict[str, str] = {}
        person = {
            "first_name": clean_person_name(form.get("first_name", ""), "First Name", errors,
                                            "first_name"),
            "last_name": clean_person_name(form.get("last_name", ""), "Last Name", errors,
                                           "last_name"),
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


def _reserve_send(draft: RegistrationDraft, now: float, cooldown: float) -> None:
    """One conditional UPDATE: the per-draft cap and the cooldown hold under concurrency."""
    result = db.session.execute(
        update(RegistrationDraft)
        .where(RegistrationDraft.id == draft.id,
               RegistrationDraft.code_sends < MAX_SENDS_PER_DRAFT,
               or_(RegistrationDraft.code_last_send.is_(None),
                   RegistrationDraft.code_last_send <= now - cooldown))
        .values(code_sends=RegistrationDraft.code_sends + 1, code_last_send=now)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        sends = db.session.scalar(select(RegistrationDraft.code_sends)
                                  .where(RegistrationDraft.id == draft.id)) or 0
        if sends >= MAX_SENDS_PER_DRAFT:
            raise CodeRefused(TOO_MANY_SENDS)
        raise CodeRefused("A code was just sent. Please wait a few seconds before requesting "
                          "another.")


def _wrong_tries(draft: RegistrationDraft) -> int:
    return int(db.session.scalar(select(RegistrationDraft.code_wrong_tries)
                                 .where(RegistrationDraft.id == draft.id)) or 0)


def _reserve_try(draft: RegistrationDraft) -> int | None:
    """Use up one of the five tries, or None if none is left: at most five codes are ever
    evaluated for a draft, however many arrive at once."""
    result = db.session.execute(
        update(RegistrationDraft)
        .where(RegistrationDraft.id == draft.id,
               RegistrationDraft.code_wrong_tries < MAX_WRONG_TRIES)
        .values(code_wrong_tries=RegistrationDraft.code_wrong_tries + 1)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return _wrong_tries(draft)


def _refund_try(draft: RegistrationDraft) -> None:
    db.session.execute(
        update(RegistrationDraft).where(RegistrationDraft.id == draft.id)
        .values(code_wrong_tries=RegistrationDraft.code_wrong_tries - 1)
        .execution_options(synchronize_session=False))


STAGE = IndividualStage()
