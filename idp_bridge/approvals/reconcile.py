"""Repair drift between the database (why access was granted) and Keycloak (what is granted).

The database's decisions win: a Keycloak membership nobody approved is removed, and an
approved one Keycloak lost is restored. Every change is printed and audited.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp_bridge import audit
from idp_bridge.approvals.org_groups import SITE_ADMINS, ensure_structure, org_path
from idp_bridge.extensions import db
from idp_bridge.gateway import get_gateway
from idp_bridge.models import PORTAL_ROLES, Organization


def _expected(organization: Organization) -> dict[tuple[str, ...], set[str]]:
    approved = [m for m in organization.memberships if m.status == "approved"]
    if organization.status != "active":
        approved = []
    expected: dict[tuple[str, ...], set[str]] = {
        (): {m.user_id for m in approved},
        (SITE_ADMINS,): {m.user_id for m in approved if m.is_site_admin},
    }
    for role in PORTAL_ROLES:
        expected[("roles", role)] = {m.user_id for m in approved if role in (m.roles or [])}
    return expected


def reconcile() -> list[str]:
    gateway = get_gateway()
    changes: list[str] = []
    organizations = Organization.query.filter(Organization.keycloak_group_id.isnot(None))
    for organization in organizations:
        if organization.status == "active":
            ensure_structure(gateway, organization)
        for parts, wanted in _expected(organization).items():
            path = org_path(organization, *parts)
            group = gateway.group_by_path(path)
            if group is None:
                continue
            actual = set(gateway.group_member_ids(group["id"]))
            for user_id in sorted(wanted - actual):
                gateway.add_to_group(user_id, group["id"])
                changes.append(f"added {user_id} to {path}")
            for user_id in sorted(actual - wanted):
                gateway.remove_from_group(user_id, group["id"])
                changes.append(f"removed {user_id} from {path}")
    if changes:
        audit.record("reconcile", changes=changes)
        db.session.commit()
    return changes


@click.command("reconcile")
@with_appcontext
def reconcile_command() -> None:
    """Make Keycloak's organization groups match the approvals in the database."""
    changes = reconcile()
    for change in changes:
        click.echo(change)
    click.echo(f"{len(changes)} change(s)")
