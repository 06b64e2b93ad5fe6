"""``make run``: Keycloak + mail sink + bridge + mail deliverer + lifecycle scheduler on the
one dev environment (``idp_bridge.config.dev_environment``); Ctrl-C stops all. Both brands
at once: Dean at http://127.0.0.1:5000/, WellFirst at http://127.0.0.1:5000/b/wellfirst/.

Ports: IDP_KEYCLOAK_PORT (8080), IDP_KEYCLOAK_MANAGEMENT_PORT (9000), IDP_BRIDGE_PORT (5000),
IDP_SMTP_PORT (2525). Any setting exported in the shell wins over the dev default.
"""

from __future__ import annotations

import os
import signal
import threading

from idp_bridge.brand import BRANDS, brand_url_setting
from idp_bridge.config import REPO_ROOT, dev_environment
from idp_bridge.devstack.bridge_server import BridgeServer
from idp_bridge.devstack.keycloak_server import DIST_DIR, KeycloakServer
from idp_bridge.lifecycle.scheduler import start_thread as start_scheduler
from idp_bridge.mail.deliverer import start_thread as start_deliverer
from idp_bridge.outbox.mail_sink import MailSink

DEMO_PASSWORD = "Provider1!demo"  # noqa: S105  (dev only: printed so a developer can sign in)


def _dev_environment() -> dict[str, str]:
    env = dev_environment(keycloak_port=int(os.environ.get("IDP_KEYCLOAK_PORT", "8080")),
                          bridge_port=int(os.environ.get("IDP_BRIDGE_PORT", "5000")),
                          smtp_port=int(os.environ.get("IDP_SMTP_PORT", "2525")))
    env["IDP_DEMO_PASSWORD"] = DEMO_PASSWORD
    # Anything the developer exported wins over the embedded defaults.
    return {**env, **{k: v for k, v in os.environ.items() if k in env}}


def main() -> None:
    env = _dev_environment()
    os.environ.update(env)
    from idp_bridge import create_app

    sink = MailSink(env["IDP_OUTBOX_DIR"], port=int(env["IDP_SMTP_PORT"])).start()
    keycloak = KeycloakServer(
        home=DIST_DIR,
        http_port=int(env["IDP_KEYCLOAK_URL"].rsplit(":", 1)[1]),
        management_port=int(os.environ.get("IDP_KEYCLOAK_MANAGEMENT_PORT", "9000")),
        env=env,
        log_path=REPO_ROOT / "var" / "keycloak.log",
    ).start()
    bridge = None
    deliverer = None
    scheduler = None
    try:
        print(f"Starting Keycloak (log: {keycloak.log_path}) ...", flush=True)
        keycloak.wait_ready()
        app = create_app()
        _prepare_database(app)
        bridge = BridgeServer(app, int(env["IDP_BRIDGE_URL"].rsplit(":", 1)[1])).start()
        # In production the deliverer is its own process (`flask mail deliver`).
        deliverer = start_deliverer(app)
        # Likewise the one scheduler (`flask lifecycle run --loop`): sign-ins, inactive
        # logins, reviews, invitations, security notices, the exclusion rescreen, limits.
        scheduler = start_scheduler(app, app.config["IDP_LIFECYCLE_INTERVAL_SECONDS"])
        _print_banner(env, keycloak.base_url)
        stop = threading.Event()
        # Explicit handlers: a shell may start us with SIGINT ignored (background jobs).
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        print("\nStopping ...", flush=True)
        if deliverer:
            deliverer[1].set()
        if scheduler:
            scheduler[1].set()
        if bridge:
            bridge.stop()
        keycloak.stop()
        sink.stop()


def _prepare_database(app: object) -> None:
    from flask_migrate import upgrade

    with app.app_context():  # type: ignore[attr-defined]
        upgrade(revision="heads")  # every branch until the chain is linearized
    runner = app.test_cli_runner()  # type: ignore[attr-defined]
    for command in (["npi", "load-sample"], ["seed-demo"]):
        result = runner.invoke(args=command)
        print(result.output.strip(), flush=True)
        if result.exception is not None:
            raise RuntimeError(f"`flask {' '.join(command)}` failed") from result.exception


def _print_banner(env: dict[str, str], keycloak_url: str) -> None:
    bridge = env["IDP_BRIDGE_URL"]
    print(
        "\nProvider Portal is up (dev mode):\n"
        + "".join(f"  {BRANDS[key].plan_name:<20}{env[brand_url_setting(key)]}/  "
                  f"(sign up: /register)\n" for key in BRANDS) +
        f"  Dev outbox          {bridge}/dev/outbox\n"
        f"  Keycloak login      {keycloak_url}/realms/provider-portal/account\n"
        f"  Keycloak admin      {keycloak_url}/admin/  (admin / "
        f"{env['KC_BOOTSTRAP_ADMIN_PASSWORD']})\n"
        f"  Mail sink (SMTP)    127.0.0.1:{env['IDP_SMTP_PORT']} (deliverer running)\n"
        f"  Undelivered mail    {bridge}/admin/mail\n"
        "  Lifecycle scheduler running (flask lifecycle status)\n"
        f"  Demo login          demo.admin@provider-portal.test / {env['IDP_DEMO_PASSWORD']}\n"
        "Press Ctrl-C to stop.",
        flush=True,
    )


if __name__ == "__main__":
    main()
