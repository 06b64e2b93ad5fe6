"""Routes of the wizard. The browser's cookie carries only the draft id.

A view knows nothing of any stage's fields: it builds the stage's form, lets the engine run
the stage, and acts on the result (stay, refuse, advance, finish).
"""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from flask import abort, redirect, render_template, request, session, url_for
from flask_wtf.csrf import generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.wrappers import Response

from idp_bridge.auth import current_user
from idp_bridge.auth.handoff import start_handoff_sign_in
from idp_bridge.extensions import db
from idp_bridge.forms import attach, submitted
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.messages import Problem, message, problem
from idp_bridge.npi.pairs import owner_of_pair
from idp_bridge.registration import bp, context, draft_rows
from idp_bridge.registration.completion import (
    CompletionFailed,
    complete_registration,
    join_as_individual,
)
from idp_bridge.registration.context import RegistrationContext
from idp_bridge.registration.drafts import AT_KEYCLOAK, DRAFT_KEY, discard
from idp_bridge.registration.engine import (
    Advance,
    Finish,
    Invalid,
    Result,
    Stay,
    following_stage,
    keycloak_step_params,
    progress,
    run,
)
from idp_bridge.registration.forms import NoFieldsForm, PrimaryPair
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages import STAGES

bp.add_app_template_global(message, "message")

def _current_draft(create: bool, for_change: bool = False) -> RegistrationDraft | None:
    """The browser's draft. ``for_change``: read under its row's lock (held to commit), so
    two submits of one draft (a double click, two tabs) run one after the other, each on
    what the other saved. Without it the later commit wrote back the context it had read
    before the earlier one committed, and the code just emailed no longer verified. A draft
    read for change belongs to no ORM session: ``draft_rows.save`` writes it."""
    draft_id = session.get(DRAFT_KEY)
    if draft_id and for_change:
        draft = draft_rows.held(draft_id)  # locked and read in one statement
    else:
        draft = db.session.get(RegistrationDraft, draft_id) if draft_id else None
    if draft is not None and draft.expired:
        draft = None
    if draft is None and create:
        draft = draft_rows.created()
        session[DRAFT_KEY] = draft.id
    return draft


def _shown_draft() -> RegistrationDraft | None:
    """The browser's draft, to show and never to change (issue 26: one statement, on a
    connection of its own)."""
    draft_id = session.get(DRAFT_KEY)
    draft = draft_rows.shown(draft_id) if draft_id else None
    return None if draft is None or draft.expired else draft


def _render(draft: RegistrationDraft, result: Result | None = None,
            typed: dict[str, Any] | None = None, note: Problem | None = None,
            status: int = 200, join_offer: bool = False) -> tuple[str, int]:
    stage = STAGES[draft.step]
    ctx = context.load(draft)
    try:
        values = {**stage.view(draft, ctx), **(typed or {})}
    except GatewayError:
        values = dict(typed or {})
    step_number, step_count = progress(draft, STAGES)
    errors = result.errors if isinstance(result, Invalid) else {}
    # The form is drawn with what the stage shows and what was typed, and its fields carry
    # the refusals; ``page`` is what the screen says besides its fields.
    form = attach(stage.form(formdata=None, data=values), errors)
    html = render_template(
        stage.template, stage=stage, draft=draft, page=values,
        form=form, shown=PrimaryPair(data=values), csrf_form=NoFieldsForm(formdata=None),
        errors=errors,
        retry_after=result.retry_after if isinstance(result, Invalid) else None,
        notice=result.notice if isinstance(result, Stay) else None,
        success=result.success if isinstance(result, Stay) else None,
        note=note, step_number=step_number, step_count=step_count,
        join_offer=join_offer)
    return html, status


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
    # The first screen's form needs the session's CSRF token: made now, it is stored by the
    # session's first write rather than by a second one at that screen (issue 26).
    generate_csrf()
    return redirect(url_for("registration.step", name=draft.step))


@bp.get("/<name>")
def step(name: str) -> Any:
    if name not in STAGES:
        abort(404)
    draft = _shown_draft()
    if draft is None:
        return redirect(url_for("registration.start"))
    if name != draft.step:
        return _render(draft, note=problem("wizard.no_going_back"), status=409)
    ctx = context.load(draft)
    if target := STAGES[name].passes_to(draft, ctx):
        return redirect(target)
    standing = STAGES[name].standing_problems(ctx)
    if standing:
        return _render(draft, Invalid(standing), status=422)
    return _render(draft)


@bp.get("/handoff")
def handoff() -> Any:
    """After Password Setup, straight into Keycloak's Phone Verification and Terms (a
    single-use credential this page posts to Keycloak in a form body, never in a URL; the
    password is not asked again), back at /finish signed in. Opening it again replaces the
    previous hand-off. If Keycloak will not hand off (phone already verified, or away), the
    sign-in page offers the ordinary Log In."""
    draft = _shown_draft()
    if draft is None or draft.step != AT_KEYCLOAK or not draft.keycloak_user_id:
        return redirect(url_for("registration.start"))
    try:
        return start_handoff_sign_in(draft.keycloak_user_id, url_for("registration.finish"),
                                     keycloak_step_params(draft.account_type, STAGES))
    except GatewayError:
        return _render(draft)


@bp.post("/<name>")
def submit(name: str) -> Any:
    draft = _current_draft(create=False, for_change=True)
    if draft is None:
        return redirect(url_for("registration.start"))
    if name != draft.step:
        # Back button, a double click or a replayed post: nothing changes.
        return _render(draft, note=problem("wizard.no_going_back"), status=409)
    stage = STAGES[name]
    # Echo back what was typed, except the stage's secrets and the fields it shows read-only
    # (a tampered NPI/TIN must not even appear to have been accepted).
    typed = {k: v for k, v in request.form.items()
             if k != "csrf_token" and k not in stage.secret | stage.read_only}
    try:
        ctx = context.load(draft)
        result = run(stage, draft, ctx, stage.form())
        context.save(draft, ctx)
        draft.touch()
        if isinstance(result, Finish):
            return _finish(draft, result.user_id)
        if isinstance(result, Advance):
            draft.step = following_stage(draft, ctx, STAGES)
            # A stage the browser only passes through (Sign In, to the hand-off) is passed
            # here: one redirect, not a second request that only redirects again.
            onward = (STAGES[draft.step].passes_to(draft, ctx)
                      or url_for("registration.step", name=draft.step))
        # A refusal keeps code sends and wrong tries, and what was typed; the page drawn
        # next shows the draft as just written (no read of it again).
        draft_rows.commit(draft)
    except GatewayError:
        return _retry_later(name, "wizard.unavailable", typed)
    except SQLAlchemyError:
        return _retry_later(name, "wizard.not_saved", typed)
    if isinstance(result, Advance):
        return redirect(onward)
    if isinstance(result, Stay) and result.after_commit is not None:
        result = Stay(notice=result.after_commit(), success=result.success)
    return _render(draft, result, typed, status=422 if isinstance(result, Invalid) else 200)


def _retry_later(name: str, code: str, typed: dict[str, Any]) -> Any:
    """Same screen, what was typed, a clear message; the draft is as it was before."""
    db.session.rollback()
    draft = _current_draft(create=False)
    if draft is None or draft.step != name:
        return redirect(url_for("registration.start"))
    return _render(draft, Invalid({"form": problem(code)}), typed)


@bp.get("/finish")
def finish() -> Any:
    """Keycloak sends the new user back here after phone verification and the terms."""
    draft = _current_draft(create=False, for_change=True)
    if draft is None:
        return redirect(url_for("registration.start"))
    if draft.step != AT_KEYCLOAK:
        return _render(draft, note=problem("wizard.no_going_back"), status=409)
    user = current_user()
    if user is None or user["sub"] != draft.keycloak_user_id:
        return redirect(url_for("registration.step", name=AT_KEYCLOAK))
    return _finish(draft, user["sub"])


def _finish(draft: RegistrationDraft, user_id: str) -> Any:
    """Complete ``draft`` (held by this request: ``_current_draft(for_change=True)``)."""
    draft = draft_rows.attached(draft)
    try:
        complete_registration(draft, user_id)
    except CompletionFailed as exc:
        # Nothing was kept; the current step stays, so the user can simply try again (or,
        # if the organization was registered by someone else meanwhile, join it).
        db.session.rollback()
        return _render(draft, Invalid({"form": Problem("completion.failed",
                                                       {"text": str(exc)})}),
                       join_offer=exc.join_organization_id is not None)
    return redirect(url_for("registration.step", name="complete"))


@bp.post("/join")
def join() -> Any:
    """17712 at the last step: register as an Individual with the organization that now
    exists, keeping the login, phone and terms already set up."""
    submitted(NoFieldsForm)
    draft = _current_draft(create=False, for_change=True)
    if draft is None:
        return redirect(url_for("registration.start"))
    if draft.account_type != "organization" or \
            draft.step not in (AT_KEYCLOAK, "merge", "individual"):
        return _render(draft, note=problem("wizard.no_going_back"), status=409)
    ctx = context.load(draft)
    user_id = _joining_user(draft, ctx)
    if user_id is None:
        return redirect(url_for("registration.step", name=AT_KEYCLOAK))
    organization = owner_of_pair(ctx.npi, ctx.tin, approved_only=True)
    if organization is None or organization.status == "denied":
        return _render(draft, Invalid({"form": problem("org.gone")}))
    join_as_individual(draft, organization)
    return _finish(draft, user_id)


def _joining_user(draft: RegistrationDraft, ctx: RegistrationContext) -> str | None:
    if draft.step == "merge":
        return ctx.existing_user_id
    user = current_user()
    if user is None or user["sub"] != draft.keycloak_user_id:
        return None
    return str(user["sub"])


@bp.post("/restart")
def restart() -> Response:
    submitted(NoFieldsForm)
    draft = _current_draft(create=False)
    if draft is not None and draft.completed_at is None:
        # Never a login someone else uses; if Keycloak or the database is away, the draft is
        # left to `flask registrations cleanup` and the restart goes ahead.
        with suppress(GatewayError, SQLAlchemyError):
            discard(draft.id, abandoned_now=True)
    session.pop(DRAFT_KEY, None)
    return redirect(url_for("registration.start"))
