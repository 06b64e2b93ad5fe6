"""Provider organizations, their NPI/TIN pairs and their members: the bridge's own records.

``models`` (the tables), ``queries`` (what the portal, consoles and live authorization
read), ``display`` and ``addresses`` (how they are written on screen and in exports),
``export`` (memberships as CSV). ``init_app`` makes the formatters template filters.
"""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from idp_bridge.organizations import display

    app.add_template_filter(display.format_tin, "tin")
    app.add_template_filter(display.format_phone, "phone")
    app.add_template_filter(display.organization_address, "address")
    app.add_template_filter(display.opt_in_label, "opt_in")
