"""After a sign-in: a registrant with an unfinished registration is offered to finish it.

Keycloak runs the registration's last steps (phone verification, Terms & Conditions) at the
first sign-in. A registrant may reach them another way than the wizard's own button (the
portal's LOG IN, another browser, the next day), or decline the Terms. Either way the
registration is still there to finish: the registrant is sent to finish it, or told what is
missing, instead of landing on a portal with nothing or on an error. The auth package calls
these hooks (it imports nothing of registration).
"""

from __future__ import annotations

from typing import Any

from flask import redirect, render_template, session, url_for

from idp_bridge.auth import AFTER_SIGN_IN, SIGN_IN_REFUSED
from idp_bridge.extensions import db
from idp_bridge.messages import message
from idp_bridge.registration import context
from idp_bridge.registration.drafts import (
    AT_KEYCLOAK,
    DRAFT_KEY,
    keep_alive,
    unfinished_for_login,
)
from idp_bridge.registration.models import RegistrationDraft
from idp_bridge.registration.stages.sign_in import sign_in_url

# What Keycloak answers when a required action is declined (here: the Terms; the phone
# step has no way to decline).
DECLINED = "access_denied"


def finish_unfinished(user_id: str) -> Any:
    """Signed in with a login whose registration stopped at Keycloak's steps, and no
    membership yet: finish that registration now (the membership request is recorded)."""
    draft = unfinished_for_login(user_id)
    if draft is None:
        return None
    session[DRAFT_KEY] = draft.id
    return redirect(url_for("registration.finish"))


def explain_declined_terms(error: str) -> Any:
    """A sign-in came back refused because the Terms were declined (the only step of this
    realm's sign-in that can be declined): say they must be accepted, and offer the way
    back. The registration stays as it was (and is kept alive); accepting finishes it."""
    if error != DECLINED:
        return None
    return render_template("registration/terms_required.html", back_url=_way_back(),
                           title=message("terms.required.title"),
                           text=message("terms.required"),
                           action=message("terms.required.action"))


def _way_back() -> str:
    """The registration's own Log In (it returns to /finish) when this browser carries the
    registration; else the portal's LOG IN (finish_unfinished takes it from there)."""
    draft_id = session.get(DRAFT_KEY)
    draft = db.session.get(RegistrationDraft, draft_id) if draft_id else None
    if draft is None or draft.step != AT_KEYCLOAK or not keep_alive(draft):
        return str(url_for("auth.login"))
    return sign_in_url(draft, context.load(draft))


AFTER_SIGN_IN.append(finish_unfinished)
SIGN_IN_REFUSED.append(explain_declined_terms)
