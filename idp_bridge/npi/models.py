"""The offline registry's table: one row per NPI, the record kept as JSON."""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from idp_bridge.extensions import db


class NpiRecord(db.Model):  # type: ignore[name-defined]
    __tablename__ = "npi_records"

    npi: Mapped[str] = mapped_column(String(10), primary_key=True)
    entity_type: Mapped[int] = mapped_column(index=True)
    active: Mapped[bool]
    name: Mapped[str] = mapped_column(String(300))
    record: Mapped[dict[str, Any]] = mapped_column(JSON)
