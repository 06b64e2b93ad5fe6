"""Repair drift between the database (why access was granted) and Keycloak (what is granted).

The database's decisions win, in both directions:
- a Keycloak organization group no organization row owns (a crash between the two writes
  of a registration) is deleted;
- an organization whose group is missing gets it back (with its subgroups);
- a Keycloak membership nobody approved is removed, an approved one Keycloak lost restored;
- an organization whose key spells out its TIN (earlier releases) gets a TIN-free one;
- a login created by a registration that was abandoned (draft expired, never completed) is
  deleted, unless a membership or another registration uses it (registration/drafts.py).
Every change is printed; every run is audited (with its changes, if any). Running it twice
changes nothing the second time.
"""

from __future__ import annotations

import click
from flask.cli import with_appcontext

from idp_bridge import audit
from idp_bridge.approvals.decisions import DecisionFailed
from idp_bridge.approvals.org_groups import ensure_structure
from idp_bridge.approvals.rekey import keys_spelling_a_tin, rekey
from idp_bridge.audit.actor import SYSTEM, Actor
from idp_bridge.clock import epoch
from idp_bridge.extensions import db
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.groups import ORGS_PREFIX, ROLES, SITE_ADMINS, org_path
from idp_bridge.keycloak.protocol import Gateway
from idp_bridge.organizations import group_shape
from idp_bridge.organizations.models import PORTAL_ROLES, Organization
from idp_bridge.progress import progress
from idp_bridge.registration.drafts import remove_expired

# A group younger than this may belong to a registration finishing right now.
ORPHAN_MIN_AGE_SECONDS = 600


def _expected(organization: Organization) -> dict[tuple[str, ...], set[str]]:
    approved = [m for m in organization.memberships if m.status == "approved"]
    if organization.status != "active":
        approved = []
    expected: dict[tuple[str, ...], set[str]] = {
        (): {m.user_id for m in approved},
        (SITE_ADMINS,): {m.user_id for m in approved if m.is_site_admin},
    }
    for role in PORTAL_ROLES:
        expected[(ROLES, role)] = {m.user_id for m in approved if role in (m.roles or [])}
    return expected


def reconcile(orphan_min_age: float = ORPHAN_MIN_AGE_SECONDS,
              actor: Actor = SYSTEM) -> list[str]:
    gateway = get_gateway()
    changes: list[str] = _rekeyed(actor)
    changes += _orphan_groups(gateway, orphan_min_age)
    organizations = Organization.query.order_by(Organization.id).all()
    for organization in progress(organizations, "Reconciling organizations",
                                 total=len(organizations)):
        changes += _organization_group(gateway, organization)
        changes += _group_members(gateway, organization)
    changes += _abandoned_logins()
    # Every run is on the record, a run that found nothing to repair included (when it ran,
    # and who ran it, matter as much as what it changed).
    audit.record("reconcile", actor=actor, changes=changes)
    db.session.commit()
    return changes


def _rekeyed(actor: Actor) -> list[str]:
    """Keys that spell out a TIN are replaced first: everything after reads the new ones."""
    changes = []
    for organization_id in keys_spelling_a_tin():
        organization = db.session.get(Organization, organization_id)
        assert organization is not None
        try:
            changes.append(rekey(organization, actor))
        except DecisionFailed:
            changes.append(f"organization {organization_id}'s key still spells out a TIN "
                           "(Keycloak or the database refused); the next run retries")
    return changes


def _orphan_groups(gateway: Gateway, min_age: float) -> list[str]:
    known = {key for (key,) in db.session.query(Organization.key)}
    changes = []
    for group in gateway.subgroups(gateway.orgs_group_id()):
        if group["name"] in known:
            continue
        created = group_shape.registered_at(group.get("attributes") or {})
        if epoch() - created < min_age:
            continue
        gateway.delete_group(str(group["id"]))
        changes.append(f"deleted Keycloak group {ORGS_PREFIX}{group['name']}: no "
                       "organization in the bridge")
    return changes


def _organization_group(gateway: Gateway, organization: Organization) -> list[str]:
    if organization.status == "denied":
        return []  # a denied organization needs no group; members are removed below
    changes = []
    group = gateway.group_by_path(org_path(organization.key))
    if group is None:
        organization.keycloak_group_id = gateway.create_subgroup(
            gateway.orgs_group_id(), organization.key, group_shape.attributes(organization))
        changes.append(f"created Keycloak group {org_path(organization.key)}: it was missing")
    else:
        if organization.keycloak_group_id != group["id"]:
            organization.keycloak_group_id = str(group["id"])
            changes.append(f"linked {organization.key} to its Keycloak group {group['id']}")
        changes += _attributes(gateway, organization, str(group["id"]))
    if organization.status == "active":
        ensure_structure(gateway, organization)
    return changes


def _attributes(gateway: Gateway, organization: Organization,
                group_id: str) -> list[str]:
    """The group's name/NPI/TIN attributes (read by the token's organizations claim)."""
    actual = gateway.group_attributes(group_id)
    if not group_shape.differs(actual, organization):
        return []
    gateway.update_group_attributes(group_id, group_shape.merged(actual, organization))
    return [f"updated the name/NPI/TIN attributes of {org_path(organization.key)}"]


def _group_members(gateway: Gateway, organization: Organization) -> list[str]:
    changes = []
    for parts, wanted in _expected(organization).items():
        path = org_path(organization.key, *parts)
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
    return changes


def _abandoned_logins() -> list[str]:
    db.session.commit()  # keep what came before; each abandoned draft is then decided alone
    summary = remove_expired()
    changes = [f"deleted login {user_id}: its registration was abandoned"
               for user_id in summary.removed_logins]
    if summary.failed:
        changes.append(f"{summary.failed} abandoned registration(s) could not be removed "
                       "now (Keycloak or the database refused); the next run retries")
    return changes


@click.command("reconcile")
@click.option("--orphan-min-age", default=ORPHAN_MIN_AGE_SECONDS, show_default=True,
              help="Seconds before a group without an organization counts as orphaned.")
@with_appcontext
def reconcile_command(orphan_min_age: float) -> None:
    """Make Keycloak match the bridge's records, both ways; print every change."""
    changes = reconcile(orphan_min_age)
    for change in changes:
        click.echo(change)
    click.echo(f"{len(changes)} change(s)")
