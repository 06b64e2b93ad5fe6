"""Settings: one table, one name per setting from the environment to ``app.config``.

Every setting is read from the environment variable of the same name and lands in
``app.config`` under that name (``IDP_SMTP_HOST`` -> ``app.config["IDP_SMTP_HOST"]``). Two
exceptions, because Flask and Flask-SQLAlchemy read their own keys: ``IDP_SECRET_KEY`` ->
``SECRET_KEY`` and ``DATABASE_URL`` -> ``SQLALCHEMY_DATABASE_URI`` (``FLASK_NAMES``).

Dev mode (``IDP_DEV_MODE=1``) supplies defaults for every secret so that one command brings
up a working system; outside dev mode a missing secret stops start-up with a clear message
instead of silently running with a guessable key. ``dev_environment`` is the one dev
environment: ``make run`` (idp_bridge.devstack) and the test stack extend it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask.cli import NoAppException

from idp_bridge.brand import BRANDS, DEFAULT_BRAND, brand_url_setting

REPO_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = REPO_ROOT / "var"


class ConfigError(NoAppException):
    """The environment is missing something the bridge cannot run without. (A Flask
    NoAppException, so ``flask`` prints it as one line instead of a traceback.)"""


def _flag(value: str) -> bool:
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _url(value: str) -> str:
    return value.rstrip("/")


@dataclass(frozen=True)
class Setting:
    name: str
    default: str | None  # None: a secret, required outside dev mode
    parse: Callable[[str], Any] = str
    dev_default: str | None = None  # the stand-in dev mode uses for a secret


# Flask and Flask-SQLAlchemy read these config keys themselves.
FLASK_NAMES = {"IDP_SECRET_KEY": "SECRET_KEY", "DATABASE_URL": "SQLALCHEMY_DATABASE_URI"}

SETTINGS: tuple[Setting, ...] = (
    Setting("IDP_DEV_MODE", "0", _flag),
    Setting("IDP_SECRET_KEY", None, dev_default="dev-only-flask-secret-key"),
    # One secret for the brands' sign-in clients (the realm import gives each client it).
    Setting("IDP_CLIENT_SECRET", None, dev_default="dev-only-client-secret"),
    Setting("IDP_KEYCLOAK_URL", "http://127.0.0.1:8080", _url),
    Setting("IDP_REALM", "provider-portal"),
    # The client whose service account calls Keycloak's admin API (Dean's sign-in client).
    Setting("IDP_CLIENT_ID", "idp-bridge"),
    # Where the bridge is reached when a request names no brand's host; dev mode serves
    # every brand from here (see brand_urls).
    Setting("IDP_BRIDGE_URL", "http://127.0.0.1:5000", _url),
    Setting("DATABASE_URL", f"sqlite:///{VAR_DIR / 'idp_bridge.sqlite3'}"),
    Setting("IDP_SMTP_HOST", "127.0.0.1"),
    Setting("IDP_SMTP_PORT", "2525", int),
    Setting("IDP_MAIL_FROM", "no-reply@provider-portal.test"),
    Setting("IDP_OUTBOX_DIR", str(VAR_DIR / "outbox")),
    Setting("NPI_REGISTRY", "offline"),
    Setting("NPPES_API_URL", "https://npiregistry.cms.hhs.gov/api/"),
    # Email codes (Individual Enrollment): security limits, shortened only by tests.
    Setting("IDP_EMAIL_CODE_LIFETIME_SECONDS", "600", int),
    Setting("IDP_EMAIL_CODE_COOLDOWN_SECONDS", "30", int),
    Setting("IDP_EMAIL_CODE_MAX_SENDS_PER_DRAFT", "5", int),
    Setting("IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR", "10", int),
    Setting("IDP_EMAIL_CODE_MAX_WRONG_TRIES", "5", int),
    # The mail deliverer's retries: 5 s, 10 s, 20 s ... up to 5 minutes.
    Setting("IDP_MAIL_RETRY_BASE_SECONDS", "5", float),
    Setting("IDP_MAIL_RETRY_MAX_SECONDS", "300", float),
    # Signed-in sessions end no later than Keycloak's own SSO session (30 min idle, 10 h in
    # all); an anonymous registration keeps its draft's 2 hours.
    Setting("IDP_SESSION_IDLE_MINUTES", "30", int),
    Setting("IDP_SESSION_IDLE_ANONYMOUS_MINUTES", "120", int),
    Setting("IDP_SESSION_MAX_HOURS", "10", int),
    # Limits against guessing and pumping (idp_bridge/limits; `flask limits` lists and lifts).
    # NPI/TIN lookups that did not move a registration on:
    Setting("IDP_PAIR_MISSES_PER_DRAFT", "5", int),
    Setting("IDP_PAIR_MISSES_PER_ADDRESS_PER_HOUR", "20", int),  # per client address
    Setting("IDP_PAIR_MISSES_PER_NPI_PER_HOUR", "20", int),  # across all clients
    # Email codes sent, per client address and in total:
    Setting("IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR", "20", int),
    Setting("IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR", "1000", int),
    # Back-channel logout tokens older than this are refused; their ids are remembered as long.
    Setting("IDP_LOGOUT_TOKEN_MAX_AGE_SECONDS", "300", int),
    # How many proxies in front of the bridge set X-Forwarded-For/-Proto/-Host (0: none, the
    # headers are ignored; the compose topology's nginx: 1).
    Setting("IDP_TRUSTED_PROXIES", "0", int),
    # Exclusions (idp_bridge/exclusions, issue 23): a flag (deactivated NPI, LEIE/SAM match)
    # suspends the organization's access until a plan administrator decides; off: flag only.
    Setting("EXCLUSIONS_SUSPEND_ON_FLAG", "0", _flag),
    # Operations (idp_bridge/operations): logs as JSON or text ("" = JSON outside dev mode,
    # text in dev); the metrics listener's own port ("" = none) and address, never the
    # public one; what /readyz waits for and tolerates.
    Setting("IDP_LOG_FORMAT", ""),
    Setting("IDP_METRICS_PORT", "", lambda value: int(value) if value.strip() else 0),
    Setting("IDP_METRICS_ADDRESS", "127.0.0.1"),
    Setting("IDP_READY_KEYCLOAK_TIMEOUT_SECONDS", "2", float),
    Setting("IDP_READY_MAIL_BACKLOG_SECONDS", "900", float),
    # Lifecycle (idp_bridge.lifecycle): logins unused for IDP_INACTIVE_DAYS are disabled after
    # warnings the given days before; plan administrators have their own period; 0 = never.
    Setting("IDP_INACTIVE_DAYS", "180", int),
    Setting("IDP_INACTIVE_FIRST_WARNING_DAYS", "30", int),
    Setting("IDP_INACTIVE_SECOND_WARNING_DAYS", "7", int),
    Setting("IDP_INACTIVE_PLAN_ADMIN_DAYS", "90", int),
    # The scheduler service's pass (`flask lifecycle run --loop`), and how old the last read
    # of Keycloak's sign-in events may be before nobody is warned or disabled.
    Setting("IDP_LIFECYCLE_INTERVAL_SECONDS", "60", int),
    Setting("IDP_SIGN_INS_STALE_MINUTES", "60", int),
    # The yearly access review by each organization's Site Administrators.
    Setting("IDP_ACCESS_REVIEW_DAYS", "365", int),
    Setting("IDP_ACCESS_REVIEW_FIRST_REMINDER_DAYS", "30", int),
    Setting("IDP_ACCESS_REVIEW_SECOND_REMINDER_DAYS", "7", int),
    Setting("IDP_ACCESS_REVIEW_GRACE_DAYS", "30", int),
    # Invitations (idp_bridge.invitations): days a link works (at most 30), and how many a
    # Site Administrator may send a day (resends count).
    Setting("IDP_INVITATION_DAYS", "7", lambda v: max(1, min(30, int(v)))),
    Setting("IDP_INVITATIONS_PER_ADMIN_PER_DAY", "20", int),
    # Each brand's public address (IDP_DEAN_URL, IDP_WELLFIRST_URL): "" takes brand_urls'.
    *(Setting(brand_url_setting(key), "", _url) for key in BRANDS),
    # sec-claims: the audit log's hashes are keyed with IDP_AUDIT_KEY, which is never stored in
    # the database (whoever can write the table cannot recompute a rewritten chain). The chain's
    # head is checkpointed after every commit in IDP_AUDIT_CHECKPOINT_FILE, outside the
    # database, so deleting the newest events shows too ("": a file beside a SQLite database,
    # or under var/ named after the database; set it in production, see docs/security.md).
    Setting("IDP_AUDIT_KEY", None, dev_default="dev-only-audit-key"),
    Setting("IDP_AUDIT_CHECKPOINT_FILE", ""),
    # Second factors (factors): resets of someone's second factor per administrator per day.
    Setting("IDP_FACTOR_RESETS_PER_DAY", "10", int),
)


def setting_default(name: str) -> Any:
    """A setting's value when the environment leaves it unset (outside dev mode)."""
    setting = next(s for s in SETTINGS if s.name == name)
    return setting.parse(setting.default or "")


def load_settings(env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """``app.config`` entries from ``env`` (default ``os.environ``)."""
    env = os.environ if env is None else env
    dev_mode = _flag(env.get("IDP_DEV_MODE", ""))
    missing = [s.name for s in SETTINGS if s.default is None and not env.get(s.name)]
    if missing and not dev_mode:
        raise ConfigError(
            "idp_bridge will not start: missing secret(s) "
            + ", ".join(missing)
            + ". Set them in the environment, or set IDP_DEV_MODE=1 for local development."
        )
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = env.get(setting.name) or setting.default or setting.dev_default or ""
        config[FLASK_NAMES.get(setting.name, setting.name)] = setting.parse(raw)
    for key, url in brand_urls(config).items():
        config[brand_url_setting(key)] = url
    return config


def brand_urls(config: Mapping[str, Any]) -> dict[str, str]:
    """Each brand's public address. Unset: in production the host its guide names
    (``https://providerauth.wellfirstbenefits.com``); in dev mode the default brand lives at
    IDP_BRIDGE_URL and every other brand under a path of it (``/b/wellfirst``), so one host
    and port serve both brands, each with its own sign-in client."""
    bridge = str(config["IDP_BRIDGE_URL"])

    def default(key: str) -> str:
        if not config.get("IDP_DEV_MODE"):
            return f"https://{BRANDS[key].host}"
        return bridge if key == DEFAULT_BRAND else f"{bridge}/b/{key}"

    return {key: str(config.get(brand_url_setting(key)) or default(key)) for key in BRANDS}


# Dev-only stand-ins for the secrets Keycloak needs (its admin, and the realm import's
# ${IDP_CLIENT_SECRET}); the same client secret the bridge's dev mode uses.
DEV_KEYCLOAK_ENV = {
    "KC_BOOTSTRAP_ADMIN_USERNAME": "admin",
    "KC_BOOTSTRAP_ADMIN_PASSWORD": "dev-only-admin-password",
    "IDP_CLIENT_SECRET": "dev-only-client-secret",
}


def dev_environment(keycloak_port: int = 8080, bridge_port: int = 5000,
                    smtp_port: int = 2525, outbox_dir: str | None = None) -> dict[str, str]:
    """The one dev environment, for the bridge and the Keycloak it starts (the realm import
    reads the IDP_* values from ${ENV} placeholders). ``make run`` and the test stack extend
    it with their ports and folders; nothing in it is fit for production."""
    bridge = f"http://127.0.0.1:{bridge_port}"
    env = {
        "IDP_DEV_MODE": "1",
        "IDP_SECRET_KEY": "dev-only-flask-secret-key",
        "IDP_KEYCLOAK_URL": f"http://127.0.0.1:{keycloak_port}",
        "IDP_BRIDGE_URL": bridge,
        "IDP_SMTP_HOST": "127.0.0.1",
        "IDP_SMTP_PORT": str(smtp_port),
        "IDP_MAIL_FROM": "no-reply@provider-portal.test",
        "IDP_OUTBOX_DIR": outbox_dir or str(VAR_DIR / "outbox"),
        "IDP_PHONE_SENDER": "dev",  # the Keycloak plugin writes texts and calls to the outbox
        # factors: the dev and test stacks serve Keycloak at 127.0.0.1, an address WebAuthn
        # refuses as a passkey's relying party, so a plan administrator could never add the
        # passkey production requires of them (the plugin's default, kept wherever this is
        # unset). Tests of the rule turn it on per realm (portalPasskeyRequiredPlanAdmins).
        "IDP_PASSKEY_REQUIRED_PLAN_ADMINS": "false",
        **DEV_KEYCLOAK_ENV,
    }
    env.update({brand_url_setting(key): url
                for key, url in brand_urls({"IDP_BRIDGE_URL": bridge,
                                            "IDP_DEV_MODE": True}).items()})
    return env
