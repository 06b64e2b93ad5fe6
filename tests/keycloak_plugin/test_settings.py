"""The plugin's settings are Keycloak SPI options, checked at boot: a phone sender that cannot
send stops the server before anyone tries to sign in."""

from __future__ import annotations

import pytest

from idp_bridge.devstack.keycloak_server import KeycloakServer, free_port

pytestmark = pytest.mark.keycloak


def test_a_misconfigured_twilio_sender_stops_keycloak_at_boot(stack_env, tmp_path):
    env = {name: value for name, value in stack_env.items() if not name.startswith("TWILIO_")}
    env |= {"IDP_PHONE_SENDER": "twilio", "TWILIO_ACCOUNT_SID": "AC0123",
            "TWILIO_FROM_NUMBER": "608-555-0100"}  # no token, and not an E.164 number
    server = KeycloakServer.in_private_copy(
        tmp_path, http_port=free_port(), management_port=free_port(), env=env,
        log_path=tmp_path / "keycloak.log").start()
    try:
        with pytest.raises(RuntimeError, match="exited early"):
            server.wait_ready(timeout=300)
    finally:
        server.stop()
    log = server.log_path.read_text(errors="replace")
    assert "phone-sender 'twilio' cannot send codes" in log
    assert "auth-token is not set" in log
    assert "from-number must be an E.164 number" in log
