"""One JSON line per request, with the fields operators search by, and never a code,
password, token or TIN, whatever the request carried (hypothesis over inputs)."""

from __future__ import annotations

import json
import logging
import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from idp_bridge.config import load_settings
from idp_bridge.operations import log_format
from idp_bridge.operations.logs import REQUEST_LOGGER, JsonFormatter
from tests.support.drafts import last_code

ME = {"first_name": "Avery", "last_name": "Stone", "phone": "608-555-0142",
      "email": "avery@clinic.test", "job_title": "Office Manager", "opt_in": "in",
      "site_admin": "yes"}
FORMAT = JsonFormatter()


def _lines(caplog: pytest.LogCaptureFixture) -> list[dict[str, object]]:
    return [json.loads(FORMAT.format(record)) for record in caplog.records]


def test_json_log_one_line_per_request_with_its_fields(client, caplog) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/register/account", headers={"X-Request-ID": "rid-1"})
    requests = [line for line in _lines(caplog) if line["logger"] == REQUEST_LOGGER]
    assert len(requests) == 1
    line = requests[0]
    assert {"time", "level", "request_id", "brand", "method", "route", "status",
            "duration_ms", "user"} <= set(line)
    assert line["request_id"] == "rid-1" and line["brand"] == "dean"
    assert line["route"] == "/register/<name>" and line["status"] == 302


def test_json_log_names_the_route_never_the_query(client, caplog) -> None:
    with caplog.at_level(logging.INFO):
        client.get("/auth/callback?code=SplxlOBeZQQYbYS6WxSbIA&state=af0ifjsldkj")
    text = "\n".join(FORMAT.format(r) for r in caplog.records)
    assert "SplxlOBeZQQYbYS6WxSbIA" not in text and "af0ifjsldkj" not in text
    assert '"route":"/auth/callback"' in text


def test_json_log_is_the_default_outside_dev_mode_and_text_stays_in_dev() -> None:
    production = load_settings({"IDP_SECRET_KEY": "k", "IDP_CLIENT_SECRET": "c",
                                "IDP_AUDIT_KEY": "a"})
    dev = load_settings({"IDP_DEV_MODE": "1"})
    assert log_format(production) == "json" and log_format(dev) == "text"
    assert log_format({**dev, "IDP_LOG_FORMAT": "json"}) == "json"


SECRET = st.text(alphabet=string.ascii_letters + string.digits, min_size=12, max_size=40)
TIN = st.integers(min_value=10_000_000, max_value=999_999_999).map(lambda n: f"{n:09d}")


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(password=SECRET, token=SECRET, tin=TIN, typed_code=st.text(string.digits, min_size=6,
                                                                  max_size=6))
def test_json_log_never_carries_a_code_password_token_or_tin(
        wizard_at, app, caplog, password: str, token: str, tin: str, typed_code: str) -> None:
    app.config["IDP_EMAIL_CODE_COOLDOWN_SECONDS"] = 0
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        individual = wizard_at("individual")
        individual.post({**ME, "action": "send_code"})
        sent = last_code(app, ME["email"])
        individual.post({**ME, "email_code": typed_code, "action": "verify_code"})
        individual.post({**ME, "email_code": sent, "action": "verify_code"})
        wizard_at("password").post({"password": password, "confirm": password})
        wizard_at("account").post({"account_type": "organization", "npi": "1234567893",
                                   "tin": tin})
        individual.client.get(f"/auth/callback?code={token}&state={token}",
                              headers={"Authorization": f"Bearer {token}"})
        individual.client.post("/auth/backchannel-logout", data={"logout_token": token})
    lines = [FORMAT.format(record) for record in caplog.records]
    assert any('"logger":"idp_bridge.request"' in line for line in lines)
    for line in lines:
        json.loads(line)
        for secret in (password, token, tin, f"{tin[:2]}-{tin[2:]}", sent, typed_code):
            assert secret not in line, (secret, line)
