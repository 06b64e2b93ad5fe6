"""The offline registry: NPPES bulk files (real format) imported into the app database.

The importer streams ``npidata_pfile`` row by row and reads columns by their real header
names, so a monthly file from download.cms.gov loads the same way as the shipped sample.
"""

from __future__ import annotations

import csv
import random
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

from sqlalchemy import func, select

from idp_bridge.extensions import db
from idp_bridge.npi.models import NpiRecord
from idp_bridge.npi.registry import Address, OtherName, RegistryRecord, Taxonomy

SAMPLE_DIR = Path(__file__).resolve().parent / "data"
BATCH = 500

def _address(row: dict[str, str], kind: str, purpose: str) -> Address | None:
    """``kind`` is "Mailing Address" or "Practice Location Address", as in the headers."""
    line1 = row.get(f"Provider First Line Business {kind}", "").strip()
    if not line1:
        return None
    return Address(
        line1=line1,
        line2=row.get(f"Provider Second Line Business {kind}", "").strip(),
        city=row.get(f"Provider Business {kind} City Name", "").strip(),
        state=row.get(f"Provider Business {kind} State Name", "").strip(),
        postal_code=row.get(f"Provider Business {kind} Postal Code", "").strip(),
        purpose=purpose,
    )


def _taxonomies(row: dict[str, str]) -> list[Taxonomy]:
    found = []
    for i in range(1, 16):
        code = row.get(f"Healthcare Provider Taxonomy Code_{i}", "").strip()
        if code:
            primary = row.get(f"Healthcare Provider Primary Taxonomy Switch_{i}", "") == "Y"
            # The bulk file carries codes only; names come from the NUCC code set.
            found.append(Taxonomy(code=code, desc=TAXONOMY_NAMES.get(code, ""),
                                  primary=primary))
    return found


def record_from_row(row: dict[str, str], other_names: list[OtherName]) -> RegistryRecord:
    entity_type = int(row["Entity Type Code"] or 0)
    if entity_type == 2:
        name = row["Provider Organization Name (Legal Business Name)"].strip()
    else:
        name = " ".join(p for p in (row.get("Provider First Name", ""),
                                    row.get("Provider Last Name (Legal Name)", "")) if p)
    addresses = [a for a in (
        _address(row, "Practice Location Address", "LOCATION"),
        _address(row, "Mailing Address", "MAILING")) if a]
    deactivated = bool(row.get("NPI Deactivation Date", "").strip()) and not row.get(
        "NPI Reactivation Date", "").strip()
    return RegistryRecord(npi=row["NPI"].strip(), entity_type=entity_type,
                          active=not deactivated, name=name, other_names=other_names,
                          addresses=addresses, taxonomies=_taxonomies(row))


def read_other_names(path: Path | None) -> dict[str, list[OtherName]]:
    names: dict[str, list[OtherName]] = defaultdict(list)
    if path is None:
        return names
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            names[row["NPI"].strip()].append(OtherName(
                name=row["Provider Other Organization Name"].strip(),
                type_code=row["Provider Other Organization Name Type Code"].strip()))
    return names


def read_records(npidata: Path, othernames: Path | None) -> Iterator[RegistryRecord]:
    other = read_other_names(othernames)
    with npidata.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            yield record_from_row(row, other.get(row["NPI"].strip(), []))


def import_records(records: Iterable[RegistryRecord]) -> int:
    """Upsert in batches: importing the same file twice changes nothing."""
    count = 0
    batch: list[RegistryRecord] = []
    for record in records:
        batch.append(record)
        if len(batch) >= BATCH:
            count += _upsert(batch)
            batch = []
    count += _upsert(batch)
    return count


def _upsert(batch: list[RegistryRecord]) -> int:
    for record in batch:
        db.session.merge(NpiRecord(npi=record.npi, entity_type=record.entity_type,
                                   active=record.active, name=record.name,
                                   record=record.to_dict()))
    db.session.commit()
    return len(batch)


def import_sample() -> int:
    return import_records(read_records(SAMPLE_DIR / "npidata_pfile_sample.csv",
                                       SAMPLE_DIR / "othername_pfile_sample.csv"))


class OfflineRegistry:
    def lookup(self, npi: str) -> RegistryRecord | None:
        row = db.session.get(NpiRecord, npi)
        return RegistryRecord.from_dict(row.record) if row else None

    def distractors(self, exclude_npi: str, entity_type: int, count: int,
                    rng: random.Random) -> list[RegistryRecord]:
        query = select(NpiRecord).where(NpiRecord.entity_type == entity_type,
                                        NpiRecord.npi != exclude_npi)
        total = db.session.scalar(select(func.count()).select_from(query.subquery())) or 0
        if total == 0:
            return []
        start = rng.randrange(max(total - count * 3, 1))
        rows = db.session.scalars(query.order_by(NpiRecord.npi).offset(start)
                                  .limit(count * 3)).all()
        picked = rng.sample(list(rows), min(count, len(rows)))
        return [RegistryRecord.from_dict(r.record) for r in picked]


TAXONOMY_NAMES = {
    "193200000X": "Multi-Specialty Group", "193400000X": "Single Specialty Group",
    "207Q00000X": "Family Medicine", "207R00000X": "Internal Medicine",
    "208000000X": "Pediatrics", "207V00000X": "Obstetrics & Gynecology",
    "261QP2300X": "Primary Care Clinic/Center", "261QR1300X": "Rural Health Clinic/Center",
    "261QM1300X": "Multi-Specialty Clinic/Center", "261QU0200X": "Urgent Care Clinic/Center",
    "282N00000X": "General Acute Care Hospital", "282NC0060X": "Critical Access Hospital",
    "283Q00000X": "Psychiatric Hospital", "314000000X": "Skilled Nursing Facility",
    "332B00000X": "Durable Medical Equipment & Medical Supplies",
    "333600000X": "Pharmacy", "3336C0003X": "Community/Retail Pharmacy",
    "251E00000X": "Home Health", "251G00000X": "Community Based Hospice Care Agency",
    "225100000X": "Physical Therapist", "261QP2000X": "Physical Therapy Clinic/Center",
    "1223G0001X": "General Practice Dentistry", "152W00000X": "Optometrist",
    "363L00000X": "Nurse Practitioner", "363A00000X": "Physician Assistant",
    "101YM0800X": "Mental Health Counselor", "103T00000X": "Psychologist",
    "291U00000X": "Clinical Medical Laboratory", "261QR0200X": "Radiology Clinic/Center",
    "207X00000X": "Orthopaedic Surgery", "207RC0000X": "Cardiovascular Disease",
}
