"""Session fixtures: the real Keycloak (started once), the dev mail sink, a live bridge.

Two layers. The unit layer (``make test-fast``: not ``keycloak``, ``browser`` or ``slow``) uses
``app`` / ``client`` and, for Keycloak, the in-memory fake (tests/unit/conftest.py); it never
starts a server. Anything marked ``keycloak`` talks to the real server, started from a private
copy of the pinned distribution on free loopback ports; a test that asks for the real stack's
fixtures is marked so automatically (``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from keycloak import KeycloakAdmin

from idp_bridge import create_app
from idp_bridge.config import dev_environment
from idp_bridge.devstack.bridge_server import BridgeServer
from idp_bridge.devstack.databases import create_database
from idp_bridge.devstack.keycloak_server import DEV_KEYCLOAK_ENV, KeycloakServer, free_port
from idp_bridge.extensions import db
from idp_bridge.mail.deliverer import start_thread
from idp_bridge.npi.offline import import_sample
from idp_bridge.outbox import Outbox
from idp_bridge.outbox.mail_sink import MailSink
from tests.support import keycloak_login
from tests.support.keycloak_admin import TestAdmin
from tests.support.stack import KeycloakHandle, StackPorts
from tests.support.waiting import Passes

# Fixtures shared by several folders live in plugins, never in a folder's conftest that
# other folders would import.
pytest_plugins = ["tests.support.portal_fixtures", "tests.support.chromium"]

# Asking for any of these starts the real stack: such a test belongs to the keycloak layer.
STACK_FIXTURES = frozenset({"keycloak", "live_app", "bridge"})
TESTS_DIR = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if STACK_FIXTURES & set(getattr(item, "fixturenames", ())):
            if "unit" in item.path.relative_to(TESTS_DIR).parts[:1]:
                raise pytest.UsageError(f"{item.nodeid}: tests/unit never starts the real stack")
            item.add_marker(pytest.mark.keycloak)


REALM = "provider-portal"
BRAND = "dean"


def _base_env(ports: StackPorts, outbox_dir: str, database_url: str) -> dict[str, str]:
    """The one dev environment (idp_bridge.config) on this session's ports and folders."""
    return {
        **dev_environment(keycloak_port=ports.keycloak, bridge_port=ports.bridge,
                          smtp_port=ports.smtp, outbox_dir=outbox_dir),
        # A short resend cooldown lets tests send a second email code without waiting 30 s.
        "IDP_EMAIL_CODE_COOLDOWN_SECONDS": "2",
        # Short waits so resend and expiry are testable; production keeps 30 s and 10 min.
        "IDP_PHONE_RESEND_COOLDOWN_SECONDS": "2",
        "IDP_PHONE_CODE_LIFETIME_SECONDS": "20",
        # The suite signs the same plan administrator in well over a hundred times an hour
        # (each a phone code to one number); the hourly cap itself is tested with its own
        # realm setting (test_phone.py::test_sends_are_capped_per_user_and_per_number_per_hour).
        "IDP_PHONE_MAX_SENDS_PER_HOUR": "100000",
        # Every registrant of the suite is one client (127.0.0.1) and a few organizations'
        # NPIs; the limits themselves are tested with their own settings.
        "IDP_PAIR_MISSES_PER_ADDRESS_PER_HOUR": "100000",
        "IDP_PAIR_MISSES_PER_NPI_PER_HOUR": "100000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_CLIENT_PER_HOUR": "100000",
        "IDP_EMAIL_CODE_MAX_SENDS_PER_HOUR": "100000",
        # Every test browser is 127.0.0.1: one client address for the whole suite.
        "IDP_PHONE_MAX_SENDS_PER_ADDRESS_PER_HOUR": "100000",
        "IDP_PHONE_MAX_SENDS_TOTAL_PER_HOUR": "100000",
        "DATABASE_URL": database_url,
    }


@pytest.fixture(scope="session")
def stack_ports() -> StackPorts:
    return StackPorts(free_port(), free_port(), free_port(), free_port())


@pytest.fixture(scope="session")
def outbox_dir(tmp_path_factory: pytest.TempPathFactory) -> str:
    return str(tmp_path_factory.mktemp("outbox"))


@pytest.fixture(scope="session")
def outbox(outbox_dir: str) -> Outbox:
    box = Outbox(outbox_dir)
    keycloak_login.DEFAULT_OUTBOX[:] = [box]  # sign-in helpers read phone codes here
    return box


@pytest.fixture(scope="session")
def mail_sink(outbox_dir: str, stack_ports: StackPorts) -> Iterator[MailSink]:
    sink = MailSink(outbox_dir, port=stack_ports.smtp).start()
    yield sink
    sink.stop()


@pytest.fixture(scope="session")
def stack_env(stack_ports: StackPorts, outbox_dir: str,
              tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    server_url = os.environ.get("TEST_DATABASE_URL")
    database_url = fresh_database(server_url) if server_url else (
        f"sqlite:///{tmp_path_factory.mktemp('db') / 'bridge.sqlite3'}"
    )
    return _base_env(stack_ports, outbox_dir, database_url)


def fresh_database(server_url: str) -> str:
    """An empty PostgreSQL database for this test session, on the server TEST_DATABASE_URL
    names (e.g. postgresql+psycopg://portal:portal@127.0.0.1/postgres)."""
    return create_database(server_url, "bridge_test")


@pytest.fixture(scope="session")
def keycloak(stack_ports: StackPorts, stack_env: dict[str, str], mail_sink: MailSink,
             outbox: Outbox,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[KeycloakHandle]:
    workdir = tmp_path_factory.mktemp("keycloak")
    server = KeycloakServer.in_private_copy(
        workdir,
        http_port=stack_ports.keycloak,
        management_port=stack_ports.keycloak_management,
        env=stack_env,
        log_path=workdir / "keycloak.log",
        # The passkey journeys reach Keycloak's pages at localhost (WebAuthn refuses an IP
        # address as its relying party), so the suite's Keycloak answers by the Host it is
        # asked on. The dev Keycloak (`make run`) pins its hostname: tests/security/
        # test_proxies.py boots one of its own to show it.
        pin_hostname=False,
    ).start()
    try:
        # A loaded shared machine can take longer to start Keycloak (never a timing test).
        server.wait_ready(float(os.environ.get("IDP_TEST_KEYCLOAK_READY_SECONDS", "600")))
        admin = KeycloakAdmin(
            server_url=server.base_url + "/",
            username=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_USERNAME"],
            password=DEV_KEYCLOAK_ENV["KC_BOOTSTRAP_ADMIN_PASSWORD"],
            realm_name=REALM,
            user_realm_name="master",
        )
        gateway = TestAdmin(server.base_url, REALM, "idp-bridge",
                            stack_env["IDP_CLIENT_SECRET"])
        yield KeycloakHandle(server.base_url, REALM, admin, gateway,
                             stack_env["IDP_OUTBOX_DIR"], stack_env["IDP_CLIENT_SECRET"], server)
    finally:
        server.stop()


@pytest.fixture(scope="session")
def live_app(keycloak: KeycloakHandle, stack_env: dict[str, str]) -> Flask:
    app = create_app(env=stack_env)
    with app.app_context():
        upgrade(revision="heads")  # the real migrations, from an empty database
        import_sample()  # the offline National Provider registry
    return app


@pytest.fixture(scope="session")
def deliverer(live_app: Flask) -> Iterator[Passes]:
    """The mail deliverer beside the live bridge, as `make run` runs it (a decision's mail is
    sent by it, not by the request), with short backoff for the tests. A test waits for one
    of its full passes (``.wait_full_pass()``) to read a mail it queued, or to prove that
    nothing more was sent."""
    live_app.config.update(IDP_MAIL_RETRY_BASE_SECONDS=1, IDP_MAIL_RETRY_MAX_SECONDS=2)
    passes = Passes()
    thread, stop = start_thread(live_app, interval=0.5, on_pass=passes)
    yield passes
    stop.set()
    thread.join(10)


@pytest.fixture(scope="session")
def bridge(live_app: Flask, stack_ports: StackPorts, deliverer: Passes) -> Iterator[str]:
    server = BridgeServer(live_app, stack_ports.bridge).start()
    yield server.url
    server.stop()


@pytest.fixture
def unique_email() -> str:
    return f"user-{uuid.uuid4().hex[:10]}@clinic.test"


# Fast fixtures without Keycloak -------------------------------------------------------------


@pytest.fixture
def app(tmp_path: Path) -> Iterator[Flask]:
    # The unit app's mail stays in its queue, where tests read it: its SMTP port is bound but
    # never listening, so a send is refused at once, whatever else (a `make run` mail sink on
    # the default port) runs on this machine.
    with socket.socket() as no_smtp:
        no_smtp.bind(("127.0.0.1", 0))
        app = create_app(
            env={
                "IDP_DEV_MODE": "1",
                "DATABASE_URL": f"sqlite:///{tmp_path / 'unit.sqlite3'}",
                "IDP_OUTBOX_DIR": str(tmp_path / "outbox"),
                "IDP_SMTP_PORT": str(no_smtp.getsockname()[1]),
            },
            overrides={"TESTING": True, "WTF_CSRF_ENABLED": False},
        )
        with app.app_context():
            db.create_all()
        yield app


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
