"""The offline registry: NPPES bulk files (real format) imported into the app database.

Importing is :mod:`idp_bridge.npi.bulk_import`; this module reads the tables back as
:class:`RegistryRecord`, the same shape the live API client gives.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Row, select

from idp_bridge.extensions import db
from idp_bridge.npi.bulk_import import ImportResult, import_files
from idp_bridge.npi.models import NpiOtherName, NpiRecord
from idp_bridge.npi.registry import LOCATION, MAILING, Address, OtherName, RegistryRecord, Taxonomy
from idp_bridge.npi.taxonomy import describe

SAMPLE_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_NPIDATA = SAMPLE_DIR / "npidata_pfile_sample.csv"
SAMPLE_OTHERNAME = SAMPLE_DIR / "othername_pfile_sample.csv"

_RECORDS = NpiRecord.__table__
_OTHER_NAMES = NpiOtherName.__table__


def import_sample() -> int:
    """Load the sample shipped in ``data/``; returns the number of records it holds."""
    result: ImportResult = import_files(SAMPLE_NPIDATA, SAMPLE_OTHERNAME)
    return result.records


class OfflineRegistry:
    """Lookups by primary key and distractors by an index range scan: one or two round trips
    each, whatever the registry's size."""

    def lookup(self, npi: str) -> RegistryRecord | None:
        records = self._fetch(_RECORDS.c.npi == npi)
        return records[0] if records else None

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        """Active records of that type from a random NPI on (no COUNT, no OFFSET)."""
        same_kind = select(_RECORDS.c.npi).where(
            _RECORDS.c.entity_type == entity_type, _RECORDS.c.active.is_(True),
            _RECORDS.c.npi != exclude_npi)
        lowest, highest = db.session.execute(select(
            same_kind.order_by(_RECORDS.c.npi).limit(1).scalar_subquery(),
            same_kind.order_by(_RECORDS.c.npi.desc()).limit(1).scalar_subquery())).one()
        if lowest is None or highest is None:
            return []
        start = f"{rng.randint(int(lowest), int(highest)):010d}"
        wanted = count * 3
        candidates = self._fetch(_RECORDS.c.npi.in_(
            same_kind.where(_RECORDS.c.npi >= start).order_by(_RECORDS.c.npi).limit(wanted)
            .scalar_subquery()))
        if len(candidates) < wanted:  # wrap around to the lowest NPIs
            candidates += self._fetch(_RECORDS.c.npi.in_(
                same_kind.where(_RECORDS.c.npi < start).order_by(_RECORDS.c.npi)
                .limit(wanted - len(candidates)).scalar_subquery()))
        return rng.sample(candidates, min(count, len(candidates)))

    def _fetch(self, condition: ColumnElement[bool]) -> list[RegistryRecord]:
        """Records and their other names in one query, in NPI order."""
        rows = db.session.execute(
            select(_RECORDS, _OTHER_NAMES.c.name.label("other_name"), _OTHER_NAMES.c.type_code)
            .outerjoin(_OTHER_NAMES, _OTHER_NAMES.c.npi == _RECORDS.c.npi)
            .where(condition).order_by(_RECORDS.c.npi, _OTHER_NAMES.c.position))
        records: list[RegistryRecord] = []
        for row in rows:
            if not records or records[-1].npi != row.npi:
                records.append(_record(row, []))
            if row.other_name is not None:
                records[-1].other_names.append(OtherName(name=row.other_name,
                                                         type_code=row.type_code))
        return records


def _record(row: Row[Any], other_names: list[OtherName]) -> RegistryRecord:
    return RegistryRecord(
        npi=row.npi, entity_type=row.entity_type, active=bool(row.active), name=row.name,
        other_names=other_names,
        addresses=[a for a in (_address(row, "location", LOCATION),
                               _address(row, "mailing", MAILING)) if a],
        # The bulk file carries codes only; descriptions come from the NUCC code set.
        taxonomies=[Taxonomy(code=code, desc=describe(code), primary=code == row.primary_taxonomy)
                    for code in row.taxonomy_codes.split()],
    )


def _address(row: Row[Any], prefix: str, purpose: str) -> Address | None:
    values = row._mapping
    line1 = values[f"{prefix}_line1"]
    if not line1:
        return None
    return Address(line1=line1, line2=values[f"{prefix}_line2"], city=values[f"{prefix}_city"],
                   state=values[f"{prefix}_state"],
                   postal_code=values[f"{prefix}_postal_code"], purpose=purpose)
