"""The second-factor reset's two steps as one form: ``step`` says which button was pressed
(send the check code, or confirm with it)."""

from __future__ import annotations

from wtforms import HiddenField

from idp_bridge.forms import ActionForm, Text, label


class ResetForm(ActionForm):
    step = HiddenField()  # "send" or "confirm"
    attempt = HiddenField()  # the attempt the check code was sent for
    reason = Text(label("label.reset_reason"))
    code = Text(label("label.check_code"))  # shown with the person's first name
    passkeys = Text(label("label.remove_passkeys"))  # a checkbox: "yes" when ticked
