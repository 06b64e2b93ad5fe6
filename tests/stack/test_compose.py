"""The production compose file: parsed by the real compose CLI where one exists."""

from __future__ import annotations

import shutil
import subprocess

import pytest
import yaml

from idp_bridge.config import REPO_ROOT

COMPOSE = REPO_ROOT / "docker-compose.yml"
SECRETS = {
    "POSTGRES_PASSWORD": "p", "KC_HOSTNAME": "https://login.example.org",
    "KC_BOOTSTRAP_ADMIN_USERNAME": "admin", "KC_BOOTSTRAP_ADMIN_PASSWORD": "a",
    "IDP_CLIENT_SECRET": "c", "IDP_DEAN_URL": "https://provider.deancare.com",
    "IDP_WELLFIRST_URL": "https://providerauth.wellfirstbenefits.com",
    "IDP_SMTP_HOST": "smtp.example.org", "IDP_MAIL_FROM": "portal@example.org",
    "TWILIO_ACCOUNT_SID": "AC1", "TWILIO_AUTH_TOKEN": "t", "TWILIO_FROM_NUMBER": "+16085550000",
    "IDP_SECRET_KEY": "k",
}


def _compose_cli() -> list[str] | None:
    if shutil.which("docker") and subprocess.run(
            ["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    return None


def test_production_services_are_pinned_and_have_no_dev_parts():
    spec = yaml.safe_load(COMPOSE.read_text())
    services = spec["services"]
    assert set(services) == {"postgres", "keycloak", "bridge", "mail-deliverer", "migrate", "proxy",
                             "security-notices"}
    keycloak = services["keycloak"]
    assert keycloak["image"] == "quay.io/keycloak/keycloak:26.7.3"
    assert keycloak["command"][0] == "start"  # production mode, never start-dev
    assert keycloak["environment"]["KC_DB"] == "postgres"
    assert keycloak["environment"]["KC_SPI_PHONE_SENDER__PROVIDER"] == "twilio"
    assert all("healthcheck" in services[name] for name in ("postgres", "keycloak"))
    assert "IDP_DEV_MODE" not in services["bridge"]["environment"]
    # Both brands from one deployment: no per-deployment brand switch is left.
    for name in ("keycloak", "bridge", "mail-deliverer", "security-notices"):
        environment = services[name]["environment"]
        assert not {"IDP_BRAND", "IDP_BRAND_NAME"} & set(environment), name
    assert {"IDP_DEAN_URL", "IDP_WELLFIRST_URL"} <= set(services["bridge"]["environment"])
    # The dev mail sink is a dev extra: the image installs only the runtime dependencies.
    assert "dev" not in (REPO_ROOT / "Dockerfile").read_text().split("pip install", 1)[1]
    assert "gunicorn" in (REPO_ROOT / "Dockerfile").read_text()


@pytest.mark.skipif(_compose_cli() is None, reason="no docker compose CLI on this machine")
def test_compose_cli_parses_it_and_refuses_missing_secrets():
    cli = _compose_cli()
    assert cli is not None
    ok = subprocess.run([*cli, "-f", str(COMPOSE), "config"], env={"PATH": "/usr/bin:/bin",
                        **SECRETS}, capture_output=True, text=True, timeout=60)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run([*cli, "-f", str(COMPOSE), "config"], env={"PATH": "/usr/bin:/bin"},
                             capture_output=True, text=True, timeout=60)
    assert missing.returncode != 0 and "set POSTGRES_PASSWORD" in missing.stderr
