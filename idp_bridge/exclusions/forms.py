"""A plan administrator's Keep access / Suspend access on a registry flag, with its note."""

from __future__ import annotations

from idp_bridge.forms import ActionForm, Text, label


class FlagDecisionForm(ActionForm):
    note = Text(label("label.flag_note"))  # its length is checked by the view
