"""The lists as last imported, and the flags they raised on approved organizations."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from idp_bridge.clock import utcnow
from idp_bridge.extensions import db
from idp_bridge.organizations.models import Organization


class ExclusionRecord(db.Model):  # type: ignore[name-defined]
    """One row of the OIG LEIE or the SAM.gov extract; an import replaces its source's rows
    in one transaction."""

    __tablename__ = "exclusion_records"
    __table_args__ = (
        Index("ix_exclusion_records_npi", "npi"),
        Index("ix_exclusion_records_name_state", "name_key", "state"),
        Index("ix_exclusion_records_source", "source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(8))  # leie | sam
    line: Mapped[int]  # in the imported file, for the operator
    npi: Mapped[str] = mapped_column(String(10))  # "" when none (or invalid)
    name: Mapped[str] = mapped_column(String(400))
    name_key: Mapped[str] = mapped_column(String(200))
    state: Mapped[str] = mapped_column(String(2))
    exclusion_type: Mapped[str] = mapped_column(String(64))
    excluded_on: Mapped[date]
    ended_on: Mapped[date | None]
    record_active: Mapped[bool]
    waiver_on: Mapped[date | None]
    waiver_state: Mapped[str] = mapped_column(String(2))


class EligibilityFlag(db.Model):  # type: ignore[name-defined]
    """An approved organization found on a list (or with a deactivated NPI). One row per
    listing: the same file imported again finds it and changes nothing."""

    __tablename__ = "eligibility_flags"
    __table_args__ = (
        UniqueConstraint("organization_id", "source", "npi", "listed_on",
                         name="uq_eligibility_flag_listing"),
        Index("ix_eligibility_flags_state", "state", "raised_at"),
        Index("ix_eligibility_flags_holds", "organization_id", "holds_access"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    source: Mapped[str] = mapped_column(String(8))  # nppes | leie | sam
    npi: Mapped[str] = mapped_column(String(10))
    listed_on: Mapped[date]  # deactivation or exclusion date
    detail: Mapped[str] = mapped_column(String(200), default="")  # the exclusion type
    state: Mapped[str] = mapped_column(String(16), default="open")  # see flags.py
    holds_access: Mapped[bool] = mapped_column(default=False)
    raised_at: Mapped[datetime] = mapped_column(default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(254))
    note: Mapped[str] = mapped_column(Text, default="")
    # When the plan administrators' screen email named it (exclusion flags): mailed once.
    reported_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship()

    @property
    def kind(self) -> str:
        return "deactivation" if self.source == "nppes" else "exclusion"
