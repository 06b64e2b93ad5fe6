"""The organization switcher in the page header, as a form (its other buttons, the Security
section's, are plain actions: ``idp_bridge.forms.ActionForm``)."""

from __future__ import annotations

from wtforms import StringField

from idp_bridge.forms import ActionForm


class SwitchForm(ActionForm):
    org = StringField()  # an organization key; the view checks the user is approved in it
