"""Dev mail sink, /dev/outbox, and start-up rules for secrets."""

from __future__ import annotations

import subprocess
import sys

import pytest

from idp_bridge import create_app
from idp_bridge.config import ConfigError
from idp_bridge.mail.smtp import MailError, relay


@pytest.mark.keycloak
def test_mail_over_smtp_lands_in_sink_and_dev_outbox(live_app, mail_sink, outbox, unique_email):
    with live_app.app_context(), relay() as connection:
        connection.send(unique_email, "Your registration", "Thanks for registering, code 482913.")

    message = outbox.latest(unique_email, channel="email")
    assert message.subject == "Your registration"
    assert message.code == "482913"

    page = live_app.test_client().get(f"/dev/outbox?to={unique_email}")
    assert page.status_code == 200
    assert "Your registration" in page.text
    assert "482913" in page.text


def test_mail_failure_is_reported_not_swallowed(app):
    app.config["IDP_SMTP_PORT"] = 1  # nothing listens there
    with app.app_context(), pytest.raises(MailError, match="could not be sent"), \
            relay() as connection:
        connection.send("a@b.test", "subject", "body")


def test_refuses_to_start_outside_dev_mode_without_secrets():
    with pytest.raises(ConfigError) as refused:
        create_app(env={})
    assert "IDP_SECRET_KEY" in str(refused.value)
    assert "IDP_CLIENT_SECRET" in str(refused.value)


def test_command_line_start_fails_with_a_clear_message(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "idp_bridge", "routes"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode != 0
    assert "missing secret(s) IDP_SECRET_KEY, IDP_CLIENT_SECRET" in result.stderr


def test_dev_outbox_does_not_exist_outside_dev_mode(tmp_path):
    app = create_app(env={
        "IDP_SECRET_KEY": "s" * 32, "IDP_CLIENT_SECRET": "c" * 32, "IDP_AUDIT_KEY": "a" * 32,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
    })
    assert app.test_client().get("/dev/outbox").status_code == 404


def test_dev_outbox_lists_text_and_voice_messages(client, app):
    from idp_bridge.outbox import Outbox

    box = Outbox(app.config["IDP_OUTBOX_DIR"])
    box.write("sms", "+16085550100", "Your code is 111222.")
    box.write("voice", "+16085550100", "Your code is 3 3 3 4 4 4. 333444")
    page = client.get("/dev/outbox")
    assert "111222" in page.text and "333444" in page.text
    assert box.latest("+16085550100").channel == "voice"
