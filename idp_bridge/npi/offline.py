"""The offline registry: NPPES bulk files (real format) imported into the app database.

Importing is :mod:`idp_bridge.npi.bulk_import`; this module reads the tables back as
:class:`RegistryRecord`, the same shape the live API client gives.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Row, select

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
    def lookup(self, npi: str) -> RegistryRecord | None:
        records = self._records([npi])
        return records[0] if records else None

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        """Active records of that type around a random NPI: an index range scan, so the
        cost does not grow with the registry (no COUNT, no OFFSET)."""
        candidates = self._npis_from_random_start(exclude_npi, entity_type, count * 3, rng)
        return self._records(rng.sample(candidates, min(count, len(candidates))))

    def _npis_from_random_start(self, exclude_npi: str, entity_type: int, wanted: int,
                                rng: random.Random) -> list[str]:
        same_kind = select(_RECORDS.c.npi).where(
            _RECORDS.c.entity_type == entity_type, _RECORDS.c.active.is_(True),
            _RECORDS.c.npi != exclude_npi)
        lowest = db.session.scalar(same_kind.order_by(_RECORDS.c.npi).limit(1))
        highest = db.session.scalar(same_kind.order_by(_RECORDS.c.npi.desc()).limit(1))
        if lowest is None or highest is None:
            return []
        start = f"{rng.randint(int(lowest), int(highest)):010d}"
        found = list(db.session.scalars(
            same_kind.where(_RECORDS.c.npi >= start).order_by(_RECORDS.c.npi).limit(wanted)))
        if len(found) < wanted:  # wrap around to the lowest NPIs
            found += db.session.scalars(same_kind.where(_RECORDS.c.npi < start)
                                        .order_by(_RECORDS.c.npi).limit(wanted - len(found)))
        return found

    def _records(self, npis: Sequence[str]) -> list[RegistryRecord]:
        if not npis:
            return []
        rows = db.session.execute(select(_RECORDS).where(_RECORDS.c.npi.in_(npis))).all()
        names: dict[str, list[OtherName]] = {}
        for name in db.session.execute(
                select(_OTHER_NAMES).where(_OTHER_NAMES.c.npi.in_(npis))
                .order_by(_OTHER_NAMES.c.npi, _OTHER_NAMES.c.position)):
            names.setdefault(name.npi, []).append(OtherName(name=name.name,
                                                            type_code=name.type_code))
        by_npi = {row.npi: _record(row, names.get(row.npi, [])) for row in rows}
        return [by_npi[npi] for npi in npis if npi in by_npi]


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
