"""Operator commands: ``flask --app idp_bridge <command>``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import UserExists

# A fictional number (555-01xx): its codes land in the dev outbox like everyone's.
DEMO_PHONE = "608-555-0100"
DEMO_PHONE_E164 = "+16085550100"
DEMO_USER = {
    "email": "demo.admin@provider-portal.test",
    "first_name": "Dana",
    "last_name": "Demo",
}
# Plan administrators carry the same second factor as everyone: the first sign-in enrolls
# the phone (Keycloak's phone step), every later one asks for a code.
DEMO_REQUIRED_ACTIONS = ["phone-verification"]


@click.command("seed-demo")
@click.option("--password", envvar="IDP_DEMO_PASSWORD", required=True)
@with_appcontext
def seed_demo(password: str) -> None:
    """Create the dev demo login (plan administrator). Dev mode only."""
    if not current_app.config["IDP_DEV_MODE"]:
        raise click.ClickException("seed-demo creates a known login: dev mode only.")
    gateway = get_gateway()
    try:
        user_id = gateway.create_user(
            DEMO_USER["email"], DEMO_USER["first_name"], DEMO_USER["last_name"],
            {"job_title": "Plan administrator", "work_phone": DEMO_PHONE_E164},
            required_actions=DEMO_REQUIRED_ACTIONS,
        )
    except UserExists:
        click.echo(f"demo login {DEMO_USER['email']} already exists")
        return
    gateway.set_password(user_id, password)
    gateway.assign_realm_role(user_id, "plan-admin")
    click.echo(f"created demo login {DEMO_USER['email']}: at the first sign-in enroll phone "
               f"{DEMO_PHONE}; its codes appear in the dev outbox (/dev/outbox).")


def register_cli(app: Flask) -> None:
    from idp_bridge.npi.cli import register_cli as register_npi_cli

    app.cli.add_command(seed_demo)
    register_npi_cli(app)
