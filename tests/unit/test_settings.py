"""Settings: one name per setting from the environment to ``app.config``, one dev environment,
and dependencies declared exactly as the code imports them."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

from idp_bridge import create_app
from idp_bridge.config import (
    FLASK_NAMES,
    REPO_ROOT,
    SETTINGS,
    ConfigError,
    dev_environment,
    load_settings,
)

PRODUCTION = {"IDP_SECRET_KEY": "k", "IDP_CLIENT_SECRET": "c", "IDP_AUDIT_KEY": "a"}


def test_every_setting_reaches_the_app_under_its_environment_name(tmp_path: Path) -> None:
    env = {**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
           "IDP_SMTP_HOST": "smtp.example.org", "IDP_SMTP_PORT": "587",
           "IDP_EMAIL_CODE_MAX_WRONG_TRIES": "3", "IDP_SESSION_IDLE_MINUTES": "15",
           "IDP_WELLFIRST_URL": "https://providerauth.wellfirstbenefits.com/"}
    app = create_app(env=env)
    assert app.config["IDP_SMTP_HOST"] == "smtp.example.org"
    assert app.config["IDP_SMTP_PORT"] == 587
    assert app.config["IDP_EMAIL_CODE_MAX_WRONG_TRIES"] == 3
    assert app.config["IDP_SESSION_IDLE_MINUTES"] == 15
    assert app.config["IDP_WELLFIRST_URL"] == "https://providerauth.wellfirstbenefits.com"
    assert app.config["SECRET_KEY"] == "k"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == env["DATABASE_URL"]
    for setting in SETTINGS:
        assert FLASK_NAMES.get(setting.name, setting.name) in app.config, setting.name


def test_the_old_second_and_third_names_are_gone(tmp_path: Path) -> None:
    app = create_app(env={**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'x.db'}"})
    for old in ("BRIDGE_URL", "KEYCLOAK_URL", "KEYCLOAK_REALM", "OIDC_CLIENT_ID",
                "OIDC_CLIENT_SECRET", "OIDC_ISSUER", "SMTP_HOST", "MAIL_FROM", "OUTBOX_DIR",
                "BRAND", "EMAIL_CODE_COOLDOWN_SECONDS"):
        assert old not in app.config, old


def test_all_email_code_limits_are_settings() -> None:
    config = load_settings({"IDP_DEV_MODE": "1"})
    assert {name: value for name, value in config.items()
            if name.startswith("IDP_EMAIL_CODE_")} == {
        "IDP_EMAIL_CODE_LIFETIME_SECONDS": 600, "IDP_EMAIL_CODE_COOLDOWN_SECONDS": 30,
        "IDP_EMAIL_CODE_MAX_SENDS_PER_DRAFT": 5,
        "IDP_EMAIL_CODE_MAX_SENDS_PER_ADDRESS_PER_HOUR": 10,
        "IDP_EMAIL_CODE_MAX_WRONG_TRIES": 5,
        "IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR": 20,
        "IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR": 1000}


def test_outside_dev_mode_missing_secrets_stop_start_up_by_name() -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({"IDP_SECRET_KEY": "k"})
    assert "IDP_CLIENT_SECRET" in str(refused.value)
    assert "IDP_SECRET_KEY" not in str(refused.value).split("secret(s)")[1].split(".")[0]


def test_the_dev_environment_is_complete_for_the_bridge_and_its_keycloak() -> None:
    env = dev_environment(keycloak_port=18080, bridge_port=15000, smtp_port=12525,
                          outbox_dir="var/test-outbox")
    config = load_settings(env)
    assert config["IDP_DEV_MODE"] is True
    assert config["IDP_KEYCLOAK_URL"] == "http://127.0.0.1:18080"
    assert config["IDP_SMTP_PORT"] == 12525
    assert config["IDP_OUTBOX_DIR"] == "var/test-outbox"
    # Keycloak's realm import reads these: each brand client's address, the client secret.
    assert env["IDP_DEAN_URL"] == "http://127.0.0.1:15000"
    assert env["IDP_WELLFIRST_URL"] == "http://127.0.0.1:15000/b/wellfirst"
    assert env["IDP_CLIENT_SECRET"] == config["IDP_CLIENT_SECRET"]
    realm = (REPO_ROOT / "keycloak" / "realm" / "provider-portal-realm.json").read_text()
    for placeholder in ("IDP_DEAN_URL", "IDP_WELLFIRST_URL", "IDP_CLIENT_SECRET",
                        "IDP_SMTP_HOST", "IDP_SMTP_PORT", "IDP_MAIL_FROM"):
        assert placeholder in realm and placeholder in env, placeholder


def _imports(folder: Path, skip: tuple[str, ...] = ()) -> set[str]:
    names = set()
    for path in folder.rglob("*.py"):
        if any(part in str(path) for part in skip):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return {n for n in names if n not in sys.stdlib_module_names
            and n not in {"idp_bridge", "__future__"}}


def _distributions(modules: set[str]) -> set[str]:
    found = packages_distributions()
    return {found[module][0].lower() for module in modules}


def _declared(requirements: list[str]) -> set[str]:
    return {req.split(">")[0].split("[")[0].split("=")[0].strip().lower()
            for req in requirements}


def test_runtime_dependencies_are_exactly_what_production_code_imports() -> None:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    dev_only = ("devstack", "mail_sink")  # make run and the tests only
    imported = _distributions(_imports(REPO_ROOT / "idp_bridge", skip=dev_only))
    declared = _declared(project["dependencies"]) - {"gunicorn"}  # the image's server
    assert imported == declared
    dev_imports = _distributions(_imports(REPO_ROOT / "idp_bridge")) - imported
    assert dev_imports == {"aiosmtpd"}
    assert dev_imports <= _declared(project["optional-dependencies"]["dev"])


def test_building_the_app_imports_nothing_dev_only(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from idp_bridge import create_app\n"
        f"create_app(env={{'IDP_SECRET_KEY': 'k', 'IDP_CLIENT_SECRET': 'c', 'IDP_AUDIT_KEY': 'a', "
        f"'DATABASE_URL': 'sqlite:///{tmp_path / 'p.db'}'}})\n"
        "print(sorted(m for m in ('aiosmtpd', 'pytest', 'playwright') if m in sys.modules))\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                            timeout=120, cwd=REPO_ROOT, check=True)
    assert result.stdout.strip() == "[]"


def test_a_deployments_email_code_limits_are_the_ones_enforced(tmp_path: Path) -> None:
    from idp_bridge.extensions import db
    from idp_bridge.registration.context import RegistrationContext
    from idp_bridge.registration.email_code import CodeRefused, DraftEmailCode
    from idp_bridge.registration.models import RegistrationDraft

    app = create_app(env={**PRODUCTION, "DATABASE_URL": f"sqlite:///{tmp_path / 'c.db'}",
                          "IDP_EMAIL_CODE_MAX_WRONG_TRIES": "2",
                          "IDP_EMAIL_CODE_LIFETIME_SECONDS": "60"})
    now = [1_800_000_000.0]
    with app.app_context():
        db.create_all()

        def owner() -> DraftEmailCode:
            draft = RegistrationDraft(step="individual", context={})
            db.session.add(draft)
            db.session.flush()
            return DraftEmailCode(draft, RegistrationContext(), now=lambda: now[0])

        code = owner()
        code.send("a@clinic.test", "198.51.100.1")
        for _ in range(2):
            with pytest.raises(CodeRefused):
                code.verify("a@clinic.test", "000000")
        with pytest.raises(CodeRefused) as locked:  # the third try is not even checked
            code.verify("a@clinic.test", "000000")
        assert locked.value.problem.code == "code.too_many_tries"
        fresh = owner()
        fresh.send("b@clinic.test", "198.51.100.1")
        now[0] += 61
        with pytest.raises(CodeRefused) as expired:  # 61 s is past this deployment's minute
            fresh.verify("b@clinic.test", "000000")
        assert expired.value.problem.code == "code.expired"


def test_reset_forgets_accounts_but_keeps_the_imported_registry(app) -> None:
    from idp_bridge.devstack.reset import empty_bridge_tables
    from idp_bridge.extensions import db
    from idp_bridge.npi.models import NpiRecord
    from idp_bridge.registration.models import RegistrationDraft

    with app.app_context():
        place = dict.fromkeys(("location_line1", "location_line2", "location_city",
                               "location_state", "location_postal_code", "mailing_line1",
                               "mailing_line2", "mailing_city", "mailing_state",
                               "mailing_postal_code", "taxonomy_codes", "primary_taxonomy"), "")
        db.session.add(NpiRecord(npi="1234567893", entity_type=2, active=True,
                                 name="CLINIC", **place))
        db.session.add(RegistrationDraft(step="account"))
        db.session.commit()
    emptied = empty_bridge_tables(app)
    with app.app_context():
        assert db.session.query(NpiRecord).count() == 1
        assert db.session.query(RegistrationDraft).count() == 0
    assert "registrations" in emptied and "web_sessions" in emptied
    assert not [table for table in emptied if table.startswith("npi_")]


def test_brand_addresses_default_to_their_guides_hosts_in_production_and_a_path_in_dev():
    production = load_settings(PRODUCTION)
    assert production["IDP_DEAN_URL"] == "https://provider.deancare.com"
    assert production["IDP_WELLFIRST_URL"] == "https://providerauth.wellfirstbenefits.com"
    dev = load_settings({"IDP_DEV_MODE": "1", "IDP_BRIDGE_URL": "http://127.0.0.1:5050/"})
    assert dev["IDP_DEAN_URL"] == "http://127.0.0.1:5050"
    assert dev["IDP_WELLFIRST_URL"] == "http://127.0.0.1:5050/b/wellfirst"
