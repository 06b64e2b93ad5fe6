"""The bridge's own records: organizations, their NPI/TIN pairs and memberships.

Keycloak's groups say what access is granted now; these tables say why.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp_bridge.brand import request_brand_key
from idp_bridge.clock import utcnow
from idp_bridge.extensions import db

# Portal roles a Site Administrator grants; each is a Keycloak subgroup roles/<key>.
PORTAL_ROLES = {
    "eligibility": "Eligibility & Benefits",
    "claims": "Claims",
    "authorizations": "Authorizations",
    "remittance": "Remittance",
    "provider-admin": "Provider Admin",
}
# The guides' "Provider Admin" is the Site Administrator's section of the portal guide
# (where additional Site Administrators are added), not a role of its own (issue 21 row 11,
# docs/architecture.md): it is no longer granted. Its group and earlier grants stay (tokens
# other apps read may name it) and can still be revoked.
NOT_GRANTED_ROLES = frozenset({"provider-admin"})
GRANTABLE_ROLES = {key: name for key, name in PORTAL_ROLES.items()
                   if key not in NOT_GRANTED_ROLES}


class Organization(db.Model):  # type: ignore[name-defined]
    __tablename__ = "organizations"
    # The review queue: one status, oldest first, a page at a time.
    __table_args__ = (Index("ix_organizations_status_created", "status", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)  # Keycloak group name
    name: Mapped[str] = mapped_column(String(200))
    # The brand it registered through (idp_bridge.brand): its emails and sign-in are that brand's.
    brand: Mapped[str] = mapped_column(String(16), default=request_brand_key,
                                       server_default="dean")
    doing_business_as: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200))
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(2))
    zip: Mapped[str] = mapped_column(String(10))
    business_phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(254))
    # pending -> active | denied, decided by a plan administrator
    status: Mapped[str] = mapped_column(String(16), default="pending")
    keycloak_group_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The plan administrator's review: "will call to verify any details in question".
    review_note: Mapped[str] = mapped_column(Text, default="")
    reviewed_by: Mapped[str | None] = mapped_column(String(254))
    reviewed_at: Mapped[datetime | None]
    # What the National Provider registry said at registration, for the reviewer.
    registry_name: Mapped[str] = mapped_column(String(300), default="")

    identifiers: Mapped[list[OrganizationIdentifier]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )
    memberships: Mapped[list[Membership]] = relationship(
        back_populates="organization", cascade="all, delete-orphan"
    )

    @property
    def approved_identifiers(self) -> list[OrganizationIdentifier]:
        """The pairs that are the organization's: in its group, its tokens, its pages."""
        return [i for i in self.identifiers if i.status == APPROVED]

    @property
    def pending_identifiers(self) -> list[OrganizationIdentifier]:
        """Pairs a Site Administrator asked to add, waiting for a plan administrator."""
        return [i for i in self.identifiers if i.status == PENDING]


# An identifier's status. A pair added after registration is PENDING until a plan
# administrator approves it; a denied request is deleted (its decision stays in the audit log).
PENDING = "pending"
APPROVED = "approved"


class OrganizationIdentifier(db.Model):  # type: ignore[name-defined]
    """An NPI/TIN pair registered to an organization; a pair belongs to one organization.

    Only APPROVED pairs are the organization's (``Organization.approved_identifiers``); the
    first pair is reviewed with the organization itself and is approved from the start."""

    __tablename__ = "organization_identifiers"
    __table_args__ = (UniqueConstraint("npi", "tin", name="uq_identifier_pair"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    npi: Mapped[str] = mapped_column(String(10), index=True)
    tin: Mapped[str] = mapped_column(String(9), index=True)
    is_primary: Mapped[bool] = mapped_column(default=False)
    added_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[str] = mapped_column(String(16), default=APPROVED,
                                        server_default=APPROVED)
    # Who asked to add it (a Site Administrator's login ID) and who approved it.
    requested_by: Mapped[str] = mapped_column(String(254), default="", server_default="")
    decided_by: Mapped[str | None] = mapped_column(String(254))
    decided_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(back_populates="identifiers")

    def __init__(self, **fields: object) -> None:
        # Approved unless said otherwise, already before the row is written (a column default
        # applies only at INSERT, and the group's attributes are built before that).
        fields.setdefault("status", APPROVED)
        super().__init__(**fields)


class Membership(db.Model):  # type: ignore[name-defined]
    """A person's request for, and grant of, access to one organization."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_id", name="uq_membership"),
        # The members page reads one organization's people a page at a time, per status:
        # pending oldest first, members by name.
        Index("ix_memberships_org_status_requested", "organization_id", "status",
              "requested_at"),
        Index("ix_memberships_org_status_name", "organization_id", "status", "last_name",
              "first_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    user_id: Mapped[str] = mapped_column(String(64), index=True)  # Keycloak user id
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(100))
    last_name: Mapped[str] = mapped_column(String(100))
    job_title: Mapped[str] = mapped_column(String(100), default="")
    # The brand this person registered through (idp_bridge.brand).
    brand: Mapped[str] = mapped_column(String(16), default=request_brand_key,
                                       server_default="dean")
    # The phone typed at registration (E.164): the plan administrator "will call to verify".
    phone: Mapped[str] = mapped_column(String(32), default="", server_default="")
    # Opt In/Out for Electronic Communications, chosen per registration (so per
    # organization); None for memberships made before the choice was kept here.
    communications_opt_in: Mapped[bool | None]
    # pending -> approved | denied; approved -> removed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    is_site_admin: Mapped[bool] = mapped_column(default=False)
    roles: Mapped[list[str]] = mapped_column(JSON, default=list)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(254))

    organization: Mapped[Organization] = relationship(back_populates="memberships")

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}"
