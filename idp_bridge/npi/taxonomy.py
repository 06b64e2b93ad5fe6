"""Descriptions of NUCC Health Care Provider Taxonomy codes (``describe("208M00000X")`` ->
``"Hospitalist"``).

The NPPES bulk file carries taxonomy codes only. Descriptions follow what the NPPES API puts
in ``taxonomies[].desc`` (Classification, then ", Specialization" if any), so a record reads
the same from either source.

The codes live in ``data/nucc_taxonomy.csv``, in the column layout NUCC publishes its code
set in (Code, Grouping, Classification, Specialization, Definition, Notes, Display Name,
Section). No PyPI or npm package carries the NUCC code set, and nucc.org cannot be reached
from where this was built, so the file shipped holds a subset: every code in the offline
sample and the common physician, practitioner, facility and supplier codes (182). Replace it
with NUCC's own CSV (same columns; free to use under NUCC's terms) to describe every code;
an unknown code shows as the bare code.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

CODE_SET = Path(__file__).resolve().parent / "data" / "nucc_taxonomy.csv"


@cache
def descriptions(path: Path = CODE_SET) -> dict[str, str]:
    """Code -> "Classification[, Specialization]", read once from a NUCC-format CSV."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return {row["Code"].strip(): _desc(row) for row in csv.DictReader(handle)
                if row.get("Code")}


def _desc(row: dict[str, str]) -> str:
    parts = (row.get("Classification") or "", row.get("Specialization") or "")
    return ", ".join(p.strip() for p in parts if p and p.strip())


def describe(code: str) -> str:
    """The NUCC description of ``code``; "" when the code set does not know it."""
    return descriptions().get(code.strip().upper(), "")


TAXONOMY_DESCRIPTIONS = descriptions()
