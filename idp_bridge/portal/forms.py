"""The organization switcher in the page header, as a form (its other buttons, the Security
section's, are plain actions: ``idp_bridge.forms.ActionForm``)."""

from __future__ import annotations

from idp_bridge.forms import ActionForm, Text


class SwitchForm(ActionForm):
    org = Text()  # an organization key; the view checks the user is approved in it
