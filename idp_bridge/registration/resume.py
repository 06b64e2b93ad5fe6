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
from idp_bridge.registration.drafts import DRAFT_KEY, keep_alive, unfinished_for_login
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
    """The registration's sign-in came back refused: say the Terms must be accepted and
    offer the way back; the registration stays as it was (and is kept alive)."""
    if error != DECLINED:
        return None
    draft_id = session.get(DRAFT_KEY)
    draft = db.session.get(RegistrationDraft, draft_id) if draft_id else None
    if (draft is None or draft.step != "sign_in" or not draft.keycloak_user_id
            or not keep_alive(draft)):
        return None
    # Keycloak's Log In (password, phone code), then the Terms again, then /finish.
    back = sign_in_url(draft, context.load(draft))
    return render_template("registration/terms_required.html", back_url=back,
                           title=message("terms.required.title"),
                           text=message("terms.required"),
                           action=message("terms.required.action"))


AFTER_SIGN_IN.append(finish_unfinished)
SIGN_IN_REFUSED.append(explain_declined_terms)
