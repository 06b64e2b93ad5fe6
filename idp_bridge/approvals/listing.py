"""One page of an organization's people, or of organizations for review: searched, filtered by
status, pending first, never every row.

Each query is one index range scan (see the indexes in ``models``): a page costs the same at
100 people and at 100,000.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.orm import selectinload

from idp_bridge.extensions import db
from idp_bridge.keycloak.errors import GatewayError
from idp_bridge.keycloak.extension import get_gateway
from idp_bridge.organizations.models import (
    APPROVED,
    Membership,
    Organization,
    OrganizationIdentifier,
)

PAGE_SIZE = 50
# The statuses the members page lists, in order (suspended: idp_bridge.lifecycle).
MEMBER_STATUSES = ("pending", "approved", "suspended")
ORGANIZATION_STATUSES = ("pending", "active", "denied")


@dataclass
class Page:
    """What the template shows, and the query arguments that lead back to it."""

    number: int
    total: int
    counts: dict[str, int]
    rows: dict[str, list[Any]] = field(default_factory=dict)
    q: str = ""
    status: str = ""
    brand: str = ""  # the plan-admin queue's brand filter ("" = every brand they see)

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // PAGE_SIZE))

    def args(self, **changes: Any) -> dict[str, Any]:
        """Query-string arguments for a link to this listing (a page, a filter)."""
        current = {"q": self.q, "status": self.status, "brand": self.brand,
                   "page": self.number, **changes}
        # status stays even when empty: "any status" differs from the default filter.
        return {k: v for k, v in current.items()
                if k == "status" or (v and not (k == "page" and v == 1))}


def page_number(args: Mapping[str, str]) -> int:
    try:
        return max(1, int(args.get("page", "1")))
    except ValueError:
        return 1


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


# Members ---------------------------------------------------------------------------------


def _member_search(q: str) -> ColumnElement[bool] | None:
    if not q:
        return None
    pattern = _like(q)
    return or_(Membership.email.ilike(pattern, escape="\\"),
               Membership.first_name.ilike(pattern, escape="\\"),
               Membership.last_name.ilike(pattern, escape="\\"),
               (Membership.first_name + " " + Membership.last_name).ilike(pattern, escape="\\"))


def member_page(organization: Organization, args: Mapping[str, str]) -> Page:
    q = args.get("q", "").strip()[:200]
    status = args.get("status", "")
    status = status if status in MEMBER_STATUSES else ""
    search = _member_search(q)
    counts = _member_counts(organization.id, search)
    shown = [status] if status else list(MEMBER_STATUSES)
    page = Page(number=page_number(args), total=sum(counts[s] for s in shown), counts=counts,
                q=q, status=status)
    # Pending first: this page's window over the concatenation pending + approved.
    offset = (page.number - 1) * PAGE_SIZE
    room = PAGE_SIZE
    for each in shown:
        take = min(room, max(0, counts[each] - offset))
        page.rows[each] = _members(organization.id, each, search, offset, take) if take else []
        offset = max(0, offset - counts[each])
        room -= take
    return page


def _member_counts(organization_id: int, search: ColumnElement[bool] | None) -> dict[str, int]:
    query = select(Membership.status, func.count()).where(
        Membership.organization_id == organization_id,
        Membership.status.in_(MEMBER_STATUSES))
    if search is not None:
        query = query.where(search)
    found = {s: n for s, n in db.session.execute(query.group_by(Membership.status))}
    return {s: int(found.get(s, 0)) for s in MEMBER_STATUSES}


def _members(organization_id: int, status: str, search: ColumnElement[bool] | None,
             offset: int, limit: int) -> list[Membership]:
    order: Sequence[Any] = (
        (Membership.requested_at, Membership.id) if status == "pending"
        else (Membership.last_name, Membership.first_name, Membership.id))
    query = select(Membership).where(Membership.organization_id == organization_id,
                                     Membership.status == status)
    if search is not None:
        query = query.where(search)
    return list(db.session.scalars(query.order_by(*order).offset(offset).limit(limit)))


# Organizations ---------------------------------------------------------------------------


def _organization_search(q: str) -> ColumnElement[bool] | None:
    if not q:
        return None
    digits = q.replace("-", "").replace(" ", "")
    pattern = _like(q)
    # Only the organization's own pairs: a request waiting for review is not yet its NPI.
    by_identifier = select(OrganizationIdentifier.organization_id).where(
        OrganizationIdentifier.status == APPROVED,
        or_(OrganizationIdentifier.npi == digits, OrganizationIdentifier.tin == digits))
    return or_(Organization.id.in_(by_identifier),
               Organization.name.ilike(pattern, escape="\\"),
               Organization.doing_business_as.ilike(pattern, escape="\\"))


def organization_page(args: Mapping[str, str],
                      scope: ColumnElement[bool] | None = None) -> Page:
    """``scope``: the rows this reviewer may see at all (their brands, ``admin_brands``)."""
    q = args.get("q", "").strip()[:200]
    # The review queue by default; a search looks across every status unless one is chosen.
    status = args.get("status", "pending" if not q else "")
    status = status if status in ORGANIZATION_STATUSES else ""
    search = _organization_search(q)
    if scope is not None:
        search = scope if search is None else and_(scope, search)
    counts = _organization_counts(search)
    shown = [status] if status else list(ORGANIZATION_STATUSES)
    page = Page(number=page_number(args), total=sum(counts[s] for s in shown), counts=counts,
                q=q, status=status)
    offset = (page.number - 1) * PAGE_SIZE
    room = PAGE_SIZE
    listed: list[Organization] = []
    for each in shown:  # pending first, then active, then denied
        take = min(room, max(0, counts[each] - offset))
        if take:
            listed += _organizations(each, search, offset, take)
        offset = max(0, offset - counts[each])
        room -= take
    page.rows["organizations"] = listed
    return page


def _organization_counts(search: ColumnElement[bool] | None) -> dict[str, int]:
    query = select(Organization.status, func.count())
    if search is not None:
        query = query.where(search)
    found = {s: n for s, n in db.session.execute(query.group_by(Organization.status))}
    return {s: int(found.get(s, 0)) for s in ORGANIZATION_STATUSES}


def _organizations(status: str, search: ColumnElement[bool] | None, offset: int,
                   limit: int) -> list[Organization]:
    query = select(Organization).where(Organization.status == status) \
        .options(selectinload(Organization.identifiers))  # one query, not one per row
    if search is not None:
        query = query.where(search)
    query = query.order_by(Organization.created_at, Organization.id).offset(offset).limit(limit)
    return list(db.session.scalars(query))


# The members page's passkey column -----------------------------------------------------


def passkey_holders(members: Iterable[Membership]) -> set[str] | None:
    """Which of these members (one page of a Site Administrator's list) have a passkey;
    None when Keycloak cannot say right now (the page then shows nothing rather than "no")."""
    try:
        return get_gateway().passkey_holders([m.user_id for m in members])
    except GatewayError:
        return None
