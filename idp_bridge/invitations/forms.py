"""A Site Administrator's invitation as a form; Resend, Revoke and the invitee's buttons are
plain actions (``idp_bridge.forms.ActionForm``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField

from idp_bridge.forms import Text, label


class InvitationForm(FlaskForm):
    """The colleague's email and the roles they get; ``service.invite`` checks both (an
    unknown role is its refusal, on the same screen, not the form's)."""

    email = Text(label("label.invite_email"))
    roles = SelectMultipleField(validate_choice=False)  # drawn as checkboxes, PORTAL_ROLES
