"""Made-up NPPES bulk files in the real 330-column layout, for tests and the benchmark.

Values are plausible (Luhn-valid NPIs, real NUCC codes, NPPES quoting, deactivated NPIs
blanked as NPPES publishes them) but invented. Large files are written from a pool of
pre-joined rows, so a million lines take seconds, not minutes.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from idp_bridge.npi import bulk_format as col
from idp_bridge.npi.taxonomy import TAXONOMY_DESCRIPTIONS

_WIDTH = len(col.NPIDATA_COLUMNS)
_INDEX = {name: i for i, name in enumerate(col.NPIDATA_COLUMNS)}
_ORG_TAXONOMIES = [c for c in TAXONOMY_DESCRIPTIONS if c[:3] in ("193", "261", "282", "283",
                                                                  "314", "251", "332", "333")]
_PERSON_TAXONOMIES = [c for c in TAXONOMY_DESCRIPTIONS if c not in _ORG_TAXONOMIES]
_PLACES = ["LAKEVIEW", "PRAIRIE", "BADGER", "NORTHWOODS", "FOX VALLEY", "DRIFTLESS",
           "RIVERSIDE", "CAPITOL", "HARBOR", "PINE RIDGE", "WILLOW CREEK", "MAPLE GROVE"]
_KINDS = ["FAMILY MEDICINE", "PEDIATRICS", "MEDICAL GROUP", "PHYSICAL THERAPY", "PHARMACY",
          "HOME HEALTH", "URGENT CARE", "DENTAL", "EYE CARE", "IMAGING"]
_FIRST = ["MARY", "JOHN", "LINDA", "JAMES", "SUSAN", "ROBERT", "KAREN", "DAVID", "NANCY"]
_LAST = ["OLSON", "SCHMIDT", "MUELLER", "JOHNSON", "NELSON", "HANSEN", "NGUYEN", "LARSON"]
_CITIES = [("MADISON", "WI", "537"), ("APPLETON", "WI", "549"), ("WAUSAU", "WI", "544"),
           ("ROCKFORD", "IL", "611"), ("DUBUQUE", "IA", "520"), ("GREEN BAY", "WI", "543")]
_STREETS = ["MAIN ST", "UNIVERSITY AVE", "PARK ST", "LAKE ST", "RIVER RD", "COLLEGE AVE"]
DEACTIVATED_EVERY = 33  # roughly the share of deactivated NPIs in a monthly file
_NPI_STEP = 797  # spreads the made-up NPIs over the 9-digit space


def npi(base: int) -> str:
    """The 10-digit NPI for a 9-digit base: Luhn over 80840 + base (CMS NPIcheckdigit)."""
    digits = f"80840{base:09d}"
    total = 0
    for position, digit in enumerate(reversed(digits)):
        value = int(digit) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return f"{base:09d}{(10 - total % 10) % 10}"


def npi_at(index: int) -> str:
    """The NPI of line ``index`` (0-based) of a file from :func:`write_bundle`."""
    return npi(100_000_000 + index * _NPI_STEP)


def line(values: Mapping[str, str]) -> str:
    """One npidata line, NPPES-quoted, from ``{header name: value}``; the rest blank."""
    row = [""] * _WIDTH
    for name, value in values.items():
        row[_INDEX[name]] = value
    return '"' + '","'.join(row) + '"\n'


def header() -> str:
    return line({name: name for name in col.NPIDATA_COLUMNS})


def othername_line(npi_: str, name: str, type_code: str) -> str:
    return f'"{npi_}","{name}","{type_code}"\n'


def othername_header() -> str:
    return '"' + '","'.join(col.OTHERNAME_COLUMNS) + '"\n'


def address(block: str, line1: str, line2: str, city: str, state: str, postal: str
            ) -> dict[str, str]:
    return dict(zip(col.address_columns(block).values(), (line1, line2, city, state, postal),
                    strict=True))


def organization(npi_: str, name: str, taxonomy: str = "207Q00000X",
                 city: str = "MADISON", **extra: str) -> dict[str, str]:
    """An NPI-2 line's values, for tests that need a particular record."""
    return {
        col.NPI: npi_, col.ENTITY_TYPE: "2", "Employer Identification Number (EIN)": "<UNAVAIL>",
        col.ORGANIZATION_NAME: name, "Provider Enumeration Date": "05/23/2007",
        "Last Update Date": "03/14/2024",
        **address(col.LOCATION_BLOCK, "1 MAIN ST", "", city, "WI", "537031234"),
        **address(col.MAILING_BLOCK, "PO BOX 1", "", city, "WI", "537040001"),
        col.taxonomy_columns(1)[0]: taxonomy, col.taxonomy_columns(1)[1]: "Y",
        "Provider License Number_1": "LIC-1", "Provider License Number State Code_1": "WI",
        **extra,
    }


def deactivated(npi_: str, on: str = "08/01/2023") -> dict[str, str]:
    """A deactivated NPI as NPPES publishes it: every value blank but NPI and the date."""
    return {col.NPI: npi_, col.DEACTIVATION_DATE: on}


@dataclass
class _Template:
    tail: str  # the line after the NPI value, pre-joined
    other_names: list[tuple[str, str]]


def _random_template(rng: random.Random) -> _Template:
    city, state, zip3 = rng.choice(_CITIES)
    location = (f"{rng.randint(10, 9999)} {rng.choice(_STREETS)}", rng.choice(["", "STE 100"]),
                city, state, f"{zip3}{rng.randint(10, 99)}{rng.randint(1000, 9999)}")
    mailing = location if rng.random() < 0.5 else (
        f"PO BOX {rng.randint(10, 9999)}", "", city, state, location[4])
    other_names: list[tuple[str, str]] = []
    if rng.random() < 0.25:
        place, kind = rng.choice(_PLACES), rng.choice(_KINDS)
        values = organization("", f"{place} {kind} LLC", rng.choice(_ORG_TAXONOMIES), city)
        values["Authorized Official Last Name"] = rng.choice(_LAST)
        values["Authorized Official First Name"] = rng.choice(_FIRST)
        if rng.random() < 0.6:
            other_names.append((f"{place} {kind.split()[0]}", "3"))
    else:
        values = {col.ENTITY_TYPE: "1", col.FIRST_NAME: rng.choice(_FIRST),
                  col.LAST_NAME: rng.choice(_LAST), "Provider Credential Text": "M.D.",
                  "Provider Enumeration Date": "11/02/2010", "Last Update Date": "01/09/2025",
                  "Provider Sex Code": rng.choice("FM")}
        for slot, code in enumerate(rng.sample(_PERSON_TAXONOMIES, rng.randint(1, 3)), 1):
            code_column, switch_column = col.taxonomy_columns(slot)
            values.update({code_column: code, switch_column: "Y" if slot == 1 else "N",
                           f"Provider License Number_{slot}": f"{rng.randint(1, 99999)}-20",
                           f"Provider License Number State Code_{slot}": state})
    values.update(address(col.LOCATION_BLOCK, *location))
    values.update(address(col.MAILING_BLOCK, *mailing))
    for slot in range(1, rng.randint(1, 4)):
        values.update({f"Other Provider Identifier_{slot}": f"{rng.randint(10**6, 10**8)}",
                       f"Other Provider Identifier Type Code_{slot}": "05",
                       f"Other Provider Identifier State_{slot}": state})
    values[col.NPI] = ""
    return _Template(line(values).removeprefix('"",'), other_names)


def write_bundle(directory: Path, rows: int, seed: int = 1, templates: int = 2_000
                 ) -> tuple[Path, Path]:
    """npidata and othername files of ``rows`` NPIs (``npi_at(0..rows-1)``), NPI order."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, not security)
    pool = [_random_template(rng) for _ in range(templates)]
    blank = line(deactivated("")).removeprefix('"",')
    npidata = directory / f"npidata_pfile_synthetic_{rows}.csv"
    othername = directory / f"othername_pfile_synthetic_{rows}.csv"
    with npidata.open("w", encoding="utf-8", newline="") as lines, \
            othername.open("w", encoding="utf-8", newline="") as names:
        lines.write(header())
        names.write(othername_header())
        for index in range(rows):
            number = npi_at(index)
            if index % DEACTIVATED_EVERY == DEACTIVATED_EVERY - 1:
                lines.write(f'"{number}",{blank}')
                continue
            template = pool[index % templates]
            lines.write(f'"{number}",{template.tail}')
            for name, code in template.other_names:
                names.write(othername_line(number, name, code))
    return npidata, othername


def write_update(directory: Path, existing_rows: int, rows: int, seed: int = 2
                 ) -> tuple[Path, Path]:
    """A weekly update for a registry loaded from ``write_bundle(existing_rows)``: ``rows``
    lines in NPI order, most of them changing existing NPIs, one in ten a new NPI and one
    in twenty a deactivation."""
    rng = random.Random(seed)  # noqa: S311  (made-up data, not security)
    pool = [_random_template(rng) for _ in range(200)]
    blank = line(deactivated("")).removeprefix('"",')
    step = max(1, existing_rows // rows)
    npidata = directory / f"npidata_pfile_update_{rows}.csv"
    othername = directory / f"othername_pfile_update_{rows}.csv"
    with npidata.open("w", encoding="utf-8", newline="") as lines, \
            othername.open("w", encoding="utf-8", newline="") as names:
        lines.write(header())
        names.write(othername_header())
        numbers = sorted(npi_at(existing_rows + k if k % 10 == 9 else k * step)
                         for k in range(rows))
        for k, number in enumerate(numbers):
            if k % 20 == 19:
                lines.write(f'"{number}",{blank}')
                continue
            template = pool[k % len(pool)]
            lines.write(f'"{number}",{template.tail}')
            for name, code in template.other_names:
                names.write(othername_line(number, name, code))
    return npidata, othername
