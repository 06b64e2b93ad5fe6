"""The offline registry's tables: a copy of the NPPES bulk files, one row per NPI.

Columns rather than a JSON document, so that the bulk import can stream plain values into
the database (PostgreSQL ``COPY``) and a lookup reads two rows by primary key. Taxonomy
descriptions are not stored: they come from the NUCC code set at lookup time.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.extensions import db


class NpiRecord(db.Model):  # type: ignore[name-defined]
    __tablename__ = "npi_records"

    npi: Mapped[str] = mapped_column(String(10), primary_key=True)
    # 1 individual, 2 organization, 0 when NPPES blanked a deactivated NPI's record.
    entity_type: Mapped[int] = mapped_column(SmallInteger)
    active: Mapped[bool]
    name: Mapped[str] = mapped_column(String)  # legal business name, or "FIRST LAST"
    location_line1: Mapped[str] = mapped_column(String)
    location_line2: Mapped[str] = mapped_column(String)
    location_city: Mapped[str] = mapped_column(String)
    location_state: Mapped[str] = mapped_column(String)
    location_postal_code: Mapped[str] = mapped_column(String)
    mailing_line1: Mapped[str] = mapped_column(String)
    mailing_line2: Mapped[str] = mapped_column(String)
    mailing_city: Mapped[str] = mapped_column(String)
    mailing_state: Mapped[str] = mapped_column(String)
    mailing_postal_code: Mapped[str] = mapped_column(String)
    taxonomy_codes: Mapped[str] = mapped_column(String)  # space-separated, in slot order
    primary_taxonomy: Mapped[str] = mapped_column(String(10))  # "" if none flagged
    deactivated_on: Mapped[date | None]
    reactivated_on: Mapped[date | None]

    __table_args__ = (
        # The questionnaire's plausible wrong answers: a range scan from a random NPI.
        Index("ix_npi_records_distractors", "entity_type", "active", "npi"),
        # SQLite: the rows live in the NPI key's B-tree, not in a second one beside it.
        {"sqlite_with_rowid": False},
    )


class NpiOtherName(db.Model):  # type: ignore[name-defined]
    """An organization's other names (othername_pfile): DBA (3), former legal name (4)..."""

    __tablename__ = "npi_other_names"
    __table_args__ = {"sqlite_with_rowid": False}

    npi: Mapped[str] = mapped_column(String(10), primary_key=True)
    # The line of the othername file it came from: keeps the file's order, unique per file.
    position: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String)
    type_code: Mapped[str] = mapped_column(String(2))
