"""Routes of the wizard. The browser's cookie carries only the draft id."""

from __future__ import annotations

from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from idp_bridge.auth import current_user
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.organizations.models import Organization
from idp_bridge.registration import bp
from idp_bridge.registration.completion import (
    CompletionFailed,
    complete_registration,
    join_as_individual,
)
from idp_bridge.registration.engine import Outcome, following_stage, progress
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages import STAGES

NO_GOING_BACK = ("At no point during the registration process can you go back to a previous "
                 "screen. If information needs to be corrected, you will be required to "
                 "restart the registration process.")
DRAFT_KEY = "registration_id"
# A temporary failure (Keycloak or the database away) is answered with the same screen, what
# was typed, and a message: a normal page, not a 5xx, since the user can simply retry.
UNAVAILABLE = ("We couldn't reach the sign-in service just now; nothing you typed was lost. "
               "Please try again in a moment.")
NOT_SAVED = "We couldn't save this step just now. Please try again in a moment."


def _current_draft(create: bool) -> RegistrationDraft | None:
    draft_id = session.get(DRAFT_KEY)
    draft = db.session.get(RegistrationDraft, draft_id) if draft_id else None
    if draft is not None and draft.expired:
        draft = None
    if draft is None and create:
        draft = RegistrationDraft(step="account", context={})
        db.session.add(draft)
        db.session.commit()
        session[DRAFT_KEY] = draft.id
    return draft


def _render(draft: RegistrationDraft, outcome: Outcome | None = None,
            typed: dict[str, Any] | None = None, note: str | None = None,
            status: int = 200, join_offer: bool = False) -> tuple[str, int]:
    stage = STAGES[draft.step]
    try:
        values = {**stage.view(draft), **(typed or {})}
    except GatewayError:
        values = dict(typed or {})
    step_number, step_count = progress(draft)
    page = render_template(stage.template, stage=stage, draft=draft, values=values,
                           outcome=outcome or Outcome(valid=True), note=note,
                           step_number=step_number, step_count=step_count,
                           join_offer=join_offer)
    return page, status


@bp.before_app_request
def refuse_nul_characters() -> Any:
    """No form or query value may carry a NUL character: no one can type one, and
    PostgreSQL refuses it in any text column (a 500 at the first query, or a registration
    that could never be saved). Registered app-wide from here, answered as a bad request."""
    pairs = [*request.args.lists(), *request.form.lists()]
    if any("\x00" in key or any("\x00" in v for v in values) for key, values in pairs):
        return "The request contains a character that isn't allowed.", 400
    return None


@bp.get("")
def start() -> Response:
    draft = _current_draft(create=True)
    assert draft is not None
    if draft.completed_at is not None:
        session.pop(DRAFT_KEY, None)
        draft = _current_draft(create=True)
        assert draft is not None
    return redirect(url_for("registration.step", name=draft.step))


@bp.get("/<name>")
def step(name: str) -> Any:
    if name not in STAGES:
        abort(404)
    draft = _current_draft(create=False)
    if draft is None:
        return redirect(url_for("registration.start"))
    if name != draft.step:
        return _render(draft, note=NO_GOING_BACK, status=409)
    returned = draft.context.get("profile_errors")
    if returned:
        # Sent back from Password Setup: Keycloak refused a value typed here.
        draft.update(profile_errors=None)
        db.session.commit()
        return _render(draft, Outcome(valid=False, errors=returned), status=422)
    return _render(draft)


@bp.post("/<name>")
def submit(name: str) -> Any:
    draft = _current_draft(create=False)
    if draft is None:
        return redirect(url_for("registration.start"))
    if name != draft.step:
        # Back button, a double click or a replayed post: nothing changes.
        return _render(draft, note=NO_GOING_BACK, status=409)
    stage = STAGES[name]
    # Echo back what was typed, except secrets and the fields the stage shows read-only
    # (a tampered NPI/TIN must not even appear to have been accepted).
    not_echoed = {"password", "confirm_password", "csrf_token", "email_code",
                  *getattr(stage, "read_only", ())}
    typed = {k: v for k, v in request.form.items() if k not in not_echoed}
    try:
        outcome = stage.submit(draft, request.form)
        draft.touch()
        if not outcome.valid:
            db.session.commit()  # keeps code sends and wrong tries; nothing else moves
            return _render(draft, outcome, typed, status=200 if not outcome.errors else 422)
        next_step = outcome.next_stage or following_stage(draft, STAGES)
        if next_step == "complete":  # merge YES: this login already exists
            return _finish(draft, draft.context["existing_user_id"])
        draft.step = next_step
        db.session.commit()
    except GatewayError:
        return _retry_later(name, UNAVAILABLE, typed)
    except SQLAlchemyError:
        return _retry_later(name, NOT_SAVED, typed)
    return redirect(url_for("registration.step", name=draft.step))


def _retry_later(name: str, message: str, typed: dict[str, Any]) -> Any:
    """Same screen, what was typed, a clear message; the draft is as it was before."""
    db.session.rollback()
    draft = _current_draft(create=False)
    if draft is None or draft.step != name:
        return redirect(url_for("registration.start"))
    return _render(draft, Outcome.invalid(form=message), typed)


@bp.get("/finish")
def finish() -> Any:
    """Keycloak sends the new user back here after phone verification and the terms."""
    draft = _current_draft(create=False)
    if draft is None:
        return redirect(url_for("registration.start"))
    if draft.step != "sign_in":
        return _render(draft, note=NO_GOING_BACK, status=409)
    user = current_user()
    if user is None or user["sub"] != draft.keycloak_user_id:
        return redirect(url_for("registration.step", name="sign_in"))
    return _finish(draft, user["sub"])


def _finish(draft: RegistrationDraft, user_id: str) -> Any:
    try:
        complete_registration(draft, user_id)
    except CompletionFailed as exc:
        # Nothing was kept; the current step stays, so the user can simply try again (or,
        # if the organization was registered by someone else meanwhile, join it).
        db.session.rollback()
        return _render(draft, Outcome.invalid(form=str(exc)),
                       join_offer=exc.join_organization_id is not None)
    return redirect(url_for("registration.step", name="complete"))


@bp.post("/join")
def join() -> Any:
    """17712 at the last step: register as an Individual with the organization that now
    exists, keeping the login, phone and terms already set up."""
    draft = _current_draft(create=False)
    if draft is None:
        return redirect(url_for("registration.start"))
    if draft.account_type != "organization" or draft.step not in ("sign_in", "merge"):
        return _render(draft, note=NO_GOING_BACK, status=409)
    if draft.step == "sign_in":
        user = current_user()
        if user is None or user["sub"] != draft.keycloak_user_id:
            return redirect(url_for("registration.step", name="sign_in"))
        user_id = user["sub"]
    else:
        user_id = draft.context["existing_user_id"]
    pair = draft.context
    organization = Organization.query.join(Organization.identifiers).filter_by(
        npi=pair["npi"], tin=pair["tin"]).first()
    if organization is None or organization.status == "denied":
        return _render(draft, Outcome.invalid(form="This Organization account is no longer "
                                              "available."))
    join_as_individual(draft, organization)
    return _finish(draft, user_id)


@bp.post("/restart")
def restart() -> Response:
    draft = _current_draft(create=False)
    if draft is not None and draft.completed_at is None:
        discard_draft(draft)
    session.pop(DRAFT_KEY, None)
    return redirect(url_for("registration.start"))


def discard_draft(draft: RegistrationDraft) -> None:
    """Remove a draft and the login it created, if it never completed."""
    if draft.keycloak_user_id and draft.completed_at is None:
        try:
            get_gateway().delete_user(draft.keycloak_user_id)
        except GatewayError as exc:
            if exc.status != 404:
                raise
    db.session.delete(draft)
    db.session.commit()
