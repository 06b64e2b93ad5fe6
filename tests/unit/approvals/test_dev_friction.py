"""Smaller friction: the dev outbox finds a phone number however it is typed, and
``flask npi --help`` works without the production secrets."""

from __future__ import annotations

import os
import subprocess
import sys

from idp_bridge.dev import recipient
from idp_bridge.outbox import Outbox


def test_the_outbox_filter_normalises_phone_numbers(app, client):
    box = Outbox(app.config["IDP_OUTBOX_DIR"])
    box.write("sms", "+16085550122", "Your code is 424242.")
    box.write("sms", "+16085550199", "Your code is 999999.")
    for typed in ("608-555-0122", "(608) 555-0122", "+16085550122", "6085550122"):
        page = client.get("/dev/outbox", query_string={"to": typed}).text
        assert "424242" in page and "999999" not in page, typed
        assert f'value="{typed}"' in page.replace("&#39;", "'")  # what was typed is kept


def test_an_email_filter_is_left_as_typed():
    assert recipient(" Someone@Clinic.test ") == "Someone@Clinic.test"
    assert recipient("not a number") == "not a number"


def _flask(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("IDP_DEV_MODE", "IDP_SECRET_KEY", "IDP_CLIENT_SECRET", "IDP_AUDIT_KEY")}
    return subprocess.run([sys.executable, "-m", "flask", "--app", "idp_bridge", *args],
                          capture_output=True, text=True, env=env, timeout=120, check=False)


def test_npi_help_without_secrets_prints_the_help():
    done = _flask("npi", "--help")
    assert done.returncode == 0 and "load-sample" in done.stdout
    assert "Traceback" not in done.stderr


def test_a_command_that_needs_the_app_says_in_one_line_what_is_missing():
    done = _flask("npi", "load-sample")
    assert done.returncode != 0 and "Traceback" not in done.stderr
    assert "missing secret(s) IDP_SECRET_KEY" in done.stderr
