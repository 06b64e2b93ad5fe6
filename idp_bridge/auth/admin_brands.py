"""Which brands' registrations and mail a plan administrator sees and decides, now.

The guides name each plan's own reviewer ("Dean Health Plan Administrator", "Prevea360
Health Plan Administrator"): a brand administrator (realm role ``plan-admin-<brand>``) sees
and decides only that brand's organizations, people, audit events and mail; the plan's
central team (``plan-admin``) sees every brand. Keycloak is asked on every request
(``live.plan_admin_brands_now``): a role taken away holds at the next click.

Every plan-admin listing and action goes through here, so a new console page only has to
call :func:`visible_brands` (to filter a query) or :func:`require_brand` (before showing or
changing one row of a brand).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import ColumnElement
from sqlalchemy.orm import InstrumentedAttribute

from idp_bridge.auth import current_user
from idp_bridge.auth.live import plan_admin_brands_now
from idp_bridge.brand import BRANDS


def visible_brands() -> frozenset[str]:
    """The brands the signed-in plan administrator may see (none when signed out)."""
    user = current_user()
    return plan_admin_brands_now(str(user["sub"])) if user else frozenset()


def sees_every_brand() -> bool:
    """The central team: plan-wide actions (reconcile, the whole audit chain) are theirs."""
    return visible_brands() == frozenset(BRANDS)


def require_brand(brand_key: str) -> None:
    """Refuse (403) a row of a brand this administrator does not administer; the same answer
    whether or not the row exists would need a 404 for both, but the id is not a secret
    (the audit names it) and a clear refusal is what the reviewer needs."""
    if brand_key not in visible_brands():
        abort(403)


def require_every_brand() -> None:
    if not sees_every_brand():
        abort(403)


def brand_filter(column: InstrumentedAttribute[str],
                 wanted: str | None = None) -> ColumnElement[bool]:
    """``column`` (a row's brand) among the brands visible now, narrowed to ``wanted`` when
    the administrator filtered by one (a brand they may not see selects nothing)."""
    brands = visible_brands()
    if wanted:
        brands = brands & {wanted}
    return column.in_(sorted(brands))


def chosen_brand(value: str | None) -> str:
    """A brand filter from a query string: a known brand key, else "" (every visible one)."""
    return value if value in BRANDS else ""
