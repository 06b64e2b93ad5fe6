"""A plan administrator's Keep access / Suspend access on a registry flag, with its note."""

from __future__ import annotations

from wtforms import StringField

from idp_bridge.forms import ActionForm, label


class FlagDecisionForm(ActionForm):
    note = StringField(label("label.flag_note"))  # its length is checked by the view
