"""Who may do what *now*: read from the bridge's live rows on every request.

A sign-in token is a snapshot. Removal, denial or demotion must hold at the very next click
of every open session, so authorization never trusts what the session remembers: it asks the
memberships table (organizations, Site Administrator, roles) and Keycloak (the plan-admin
realm role), once per request.
"""

from __future__ import annotations

from flask import g, session

from idp_bridge.clock import epoch
from idp_bridge.keycloak.access import Access, brands_for_roles, is_plan_admin_role
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.keycloak.gateway import GatewayError
from idp_bridge.keycloak.groups import paths_for
from idp_bridge.organizations.queries import approved_memberships


def live_group_paths(subject: str) -> list[str]:
    """The Keycloak group paths the bridge's rows grant, in the token's own layout (read
    once per request)."""
    cached = g.get("live_group_paths")
    if cached is None or cached[0] != subject:
        cached = (subject, _group_paths(subject))
        g.live_group_paths = cached
    return list(cached[1])


def _group_paths(subject: str) -> list[str]:
    return [path for membership in approved_memberships(subject)
            for path in paths_for(membership.key, membership.site_admin, list(membership.roles))]


def live_access(subject: str, token_roles: list[str]) -> Access:
    """Organizations from the live rows; realm roles as the token said (display only; the
    plan-admin gate asks Keycloak, see ``is_plan_admin_now``)."""
    cached = g.get("live_access")
    if cached is None or cached.subject != subject:
        cached = Access.from_claims({"sub": subject, "groups": live_group_paths(subject),
                                     "realm_roles": token_roles})
        g.live_access = cached
    return cached


def is_plan_admin_now(subject: str) -> bool:
    """Does Keycloak say, this request, that the user administers some brand (or all)?"""
    return bool(plan_admin_brands_now(subject))


def plan_admin_brands_now(subject: str) -> frozenset[str]:
    """The brands whose registrations and mail this user administers, from Keycloak's answer
    this request (``auth/admin_brands.py``). If Keycloak does not answer, the last answer it
    gave this session counts for ``OUTAGE_GRACE_SECONDS`` (the decisions themselves still
    need Keycloak, so an outage shows "nothing was changed" rather than a dead page); older
    than that, the GatewayError propagates (fail closed)."""
    cached = g.get("plan_admin_brands_now")
    if cached is None or cached[0] != subject:
        cached = (subject, brands_for_roles(_ask_keycloak(subject)))
        g.plan_admin_brands_now = cached
    return frozenset(cached[1])


OUTAGE_GRACE_SECONDS = 60
_LAST_ANSWER = "plan_admin_answer"


def _ask_keycloak(subject: str) -> list[str]:
    """The user's realm roles that concern plan administration, as Keycloak says now."""
    try:
        roles = [role for role in get_gateway().user_realm_roles(subject)
                 if is_plan_admin_role(role)]
    except GatewayError:
        last = session.get(_LAST_ANSWER) or {}
        if last.get("sub") == subject and epoch() - last.get("at", 0) < OUTAGE_GRACE_SECONDS:
            return [str(role) for role in last.get("roles", [])]
        raise
    session[_LAST_ANSWER] = {"sub": subject, "roles": roles, "at": epoch()}
    return roles
