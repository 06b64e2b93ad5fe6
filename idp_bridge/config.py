"""Settings read from the environment.

Dev mode (``IDP_DEV_MODE=1``) supplies defaults for every secret so that one command brings
up a working system; outside dev mode a missing secret stops start-up with a clear message
instead of silently running with a guessable key.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

# Secrets and the dev-only values that stand in for them.
DEV_SECRETS = {
    "IDP_SECRET_KEY": "dev-only-flask-secret-key",
    "IDP_CLIENT_SECRET": "dev-only-client-secret",
}

DEFAULTS = {
    "IDP_KEYCLOAK_URL": "http://127.0.0.1:8080",
    "IDP_REALM": "provider-portal",
    "IDP_CLIENT_ID": "idp-bridge",
    "IDP_BRIDGE_URL": "http://127.0.0.1:5000",
    "IDP_SMTP_HOST": "127.0.0.1",
    "IDP_SMTP_PORT": "2525",
    "IDP_MAIL_FROM": "no-reply@provider-portal.test",
    "IDP_BRAND": "dean",
    "NPI_REGISTRY": "offline",
    "NPPES_API_URL": "https://npiregistry.cms.hhs.gov/api/",
}

REPO_ROOT = Path(__file__).resolve().parent.parent


class ConfigError(RuntimeError):
    """The environment is missing something the bridge cannot run without."""


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class Settings:
    dev_mode: bool
    secret_key: str
    client_secret: str
    keycloak_url: str
    realm: str
    client_id: str
    bridge_url: str
    database_url: str
    smtp_host: str
    smtp_port: int
    mail_from: str
    outbox_dir: str
    brand: str
    npi_registry: str
    nppes_api_url: str

    def flask_config(self) -> dict[str, object]:
        return {
            "IDP_DEV_MODE": self.dev_mode,
            "SECRET_KEY": self.secret_key,
            "SQLALCHEMY_DATABASE_URI": self.database_url,
            "KEYCLOAK_URL": self.keycloak_url.rstrip("/"),
            "KEYCLOAK_REALM": self.realm,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "BRIDGE_URL": self.bridge_url.rstrip("/"),
            "SMTP_HOST": self.smtp_host,
            "SMTP_PORT": self.smtp_port,
            "MAIL_FROM": self.mail_from,
            "OUTBOX_DIR": self.outbox_dir,
            "BRAND": self.brand,
            "NPI_REGISTRY": self.npi_registry,
            "NPPES_API_URL": self.nppes_api_url,
            # Between two emailed codes; tests shorten it to exercise resends quickly.
            "EMAIL_CODE_COOLDOWN_SECONDS": 30,
            # Signed-in sessions end no later than Keycloak's own SSO session (30 min idle,
            # 10 h in all); an anonymous registration keeps its draft's 2 hours.
            "SESSION_IDLE_MINUTES": 30,
            "SESSION_IDLE_ANONYMOUS_MINUTES": 120,
            "SESSION_MAX_HOURS": 10,
        }


def load_settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    dev_mode = _flag(env.get("IDP_DEV_MODE"))
    missing = [name for name in DEV_SECRETS if not env.get(name)]
    if missing and not dev_mode:
        raise ConfigError(
            "idp_bridge will not start: missing secret(s) "
            + ", ".join(missing)
            + ". Set them in the environment, or set IDP_DEV_MODE=1 for local development."
        )

    def get(name: str) -> str:
        return env.get(name) or DEV_SECRETS.get(name) or DEFAULTS[name]

    var_dir = REPO_ROOT / "var"
    return Settings(
        dev_mode=dev_mode,
        secret_key=get("IDP_SECRET_KEY"),
        client_secret=get("IDP_CLIENT_SECRET"),
        keycloak_url=get("IDP_KEYCLOAK_URL"),
        realm=get("IDP_REALM"),
        client_id=get("IDP_CLIENT_ID"),
        bridge_url=get("IDP_BRIDGE_URL"),
        database_url=env.get("DATABASE_URL") or f"sqlite:///{var_dir / 'idp_bridge.sqlite3'}",
        smtp_host=get("IDP_SMTP_HOST"),
        smtp_port=int(get("IDP_SMTP_PORT")),
        mail_from=get("IDP_MAIL_FROM"),
        outbox_dir=env.get("IDP_OUTBOX_DIR") or str(var_dir / "outbox"),
        brand=get("IDP_BRAND"),
        npi_registry=get("NPI_REGISTRY"),
        nppes_api_url=get("NPPES_API_URL"),
    )
