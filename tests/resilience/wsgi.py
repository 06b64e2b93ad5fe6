"""The bridge as gunicorn serves it in production (gunicorn.conf.py), configured only
through the environment; the suite points it at its own Keycloak, database and mail sink.

IDP_TEST_EMAIL_CODE_COOLDOWN_SECONDS: the wait between two emailed codes (30 s in
production), shortened so the send-cap race is not hidden by the cooldown.
"""

from __future__ import annotations

import os

from idp_bridge import create_app

app = create_app(overrides={
    "IDP_EMAIL_CODE_COOLDOWN_SECONDS": int(os.environ.get("IDP_TEST_EMAIL_CODE_COOLDOWN_SECONDS",
                                                      "30")),
})
