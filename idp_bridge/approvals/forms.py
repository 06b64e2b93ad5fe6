"""The consoles' actions as forms: each button posts one of these, its CSRF token drawn from
the form, its view checks it with ``forms.submitted`` (``validate_on_submit``)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField

from idp_bridge.forms import ActionForm, Text, label


class MemberActionForm(ActionForm):
    """A Site Administrator's button on a member's row (approve, deny, suspend, remove,
    restore, Site Administrator on or off); a role's Grant or Revoke names the role."""

    role = HiddenField()


class IdentifierRequestForm(FlaskForm):
    """A Site Administrator asks for another NPI and TIN (checked by ``npi.pairs``)."""

    npi = Text(label("label.npi"))
    tin = Text(label("label.tin"))


class OrganizationDecisionForm(ActionForm):
    """A plan administrator's Approve or Deny of an organization, with the notes kept."""

    note = Text(label("label.decision_note"))
    override_note = Text(label("label.override_note"))
