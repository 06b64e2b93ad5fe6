"""Generate the shipped offline registry sample in the real NPPES bulk-file format.

All 330 columns of npidata_pfile, every value quoted. Deterministic (seeded): re-running
produces the same files. The first records are the fixed ones documented in
idp_bridge/npi/data/README.md, which tests and the demo use.

    python scripts/generate_nppes_sample.py
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from stdnum import luhn

from idp_bridge.npi.bulk_format import NPIDATA_COLUMNS

OUT = Path(__file__).resolve().parent.parent / "idp_bridge" / "npi" / "data"

# Every column of the real npidata_pfile, in its order; the sample fills a few of them.
HEADER = NPIDATA_COLUMNS
OTHER_HEADER = ["NPI", "Provider Other Organization Name",
                "Provider Other Organization Name Type Code"]

CITIES = [("MADISON", "WI", "537"), ("MIDDLETON", "WI", "535"), ("SUN PRAIRIE", "WI", "535"),
          ("JANESVILLE", "WI", "535"), ("BARABOO", "WI", "539"), ("GREEN BAY", "WI", "543"),
          ("DE PERE", "WI", "541"), ("APPLETON", "WI", "549"), ("OSHKOSH", "WI", "549"),
          ("FOND DU LAC", "WI", "549"), ("WAUSAU", "WI", "544"), ("EAU CLAIRE", "WI", "547"),
          ("LA CROSSE", "WI", "546"), ("MONROE", "WI", "535"), ("DUBUQUE", "IA", "520"),
          ("ROCKFORD", "IL", "611"), ("MARINETTE", "WI", "541"), ("SHAWANO", "WI", "541")]
STREETS = ["MAIN ST", "UNIVERSITY AVE", "MINERAL POINT RD", "PARK ST", "WASHINGTON AVE",
           "ORCHARD DR", "LAKE ST", "RIVER RD", "MILWAUKEE ST", "COLLEGE AVE", "ONEIDA ST",
           "MONROE ST", "HIGHLAND DR", "PROSPECT AVE", "ELM ST", "MEDICAL CIRCLE"]
PLACES = ["LAKEVIEW", "PRAIRIE", "BADGER", "NORTHWOODS", "FOX VALLEY", "DRIFTLESS", "RIVERSIDE",
          "CAPITOL", "HARBOR", "PINE RIDGE", "WILLOW CREEK", "STONEBRIDGE", "MAPLE GROVE",
          "BLUFFSIDE", "CEDAR HILLS", "NORTHSTAR", "SUNRISE", "HEARTLAND", "TRILLIUM", "ASPEN"]
KINDS = [("FAMILY MEDICINE", "CLINIC", "207Q00000X"), ("PEDIATRICS", "CLINIC", "208000000X"),
         ("MEDICAL GROUP", "SC", "193200000X"), ("PHYSICAL THERAPY", "LLC", "261QP2000X"),
         ("PHARMACY", "INC", "3336C0003X"), ("HOME HEALTH", "LLC", "251E00000X"),
         ("HOSPICE", "INC", "251G00000X"), ("MEDICAL SUPPLY", "LLC", "332B00000X"),
         ("URGENT CARE", "LLC", "261QU0200X"), ("HOSPITAL", "INC", "282N00000X"),
         ("BEHAVIORAL HEALTH", "LLC", "101YM0800X"), ("DENTAL", "SC", "1223G0001X"),
         ("EYE CARE", "LLC", "152W00000X"), ("ORTHOPEDICS", "SC", "207X00000X"),
         ("IMAGING", "LLC", "261QR0200X"), ("LABORATORY", "INC", "291U00000X")]
FIRST = ["MARY", "JOHN", "LINDA", "JAMES", "SUSAN", "ROBERT", "KAREN", "DAVID", "NANCY", "PAUL",
         "LAURA", "MARK", "JULIE", "BRIAN", "AMY", "KEVIN", "SARAH", "ERIC", "ANNA", "SCOTT"]
LAST = ["OLSON", "SCHMIDT", "MUELLER", "JOHNSON", "NELSON", "HANSEN", "KOWALSKI", "NGUYEN",
        "LARSON", "PETERSON", "WAGNER", "BECKER", "HOFFMAN", "GARCIA", "ANDERSON", "KLEIN"]
PERSON_TAXONOMIES = ["207Q00000X", "207R00000X", "363L00000X", "363A00000X", "225100000X",
                     "103T00000X", "207RC0000X"]

# Fixed records: (npi base, name, DBA, location, mailing, taxonomy, active)
FIXED = [
    ("158800001", "PRAIRIE FAMILY MEDICINE SC", "PRAIRIE FAMILY CLINIC",
     ("1200 N PARK ST", "STE 210", "MADISON", "WI", "537031234"),
     ("PO BOX 4410", "", "MADISON", "WI", "537040410"), "207Q00000X", True),
    ("158800002", "BADGER STATE PHYSICAL THERAPY LLC", "BADGER PT",
     ("455 W WASHINGTON AVE", "", "SUN PRAIRIE", "WI", "535901122"),
     ("455 W WASHINGTON AVE", "ATTN BILLING", "SUN PRAIRIE", "WI", "535901122"),
     "261QP2000X", True),
    ("158800003", "FOX VALLEY PEDIATRICS SC", "FOX VALLEY KIDS CLINIC",
     ("3100 E COLLEGE AVE", "", "APPLETON", "WI", "549153301"),
     ("PO BOX 1990", "", "APPLETON", "WI", "549121990"), "208000000X", True),
    ("158800004", "NORTHWOODS MEDICAL SUPPLY LLC", "NORTHWOODS DME",
     ("880 GRAND AVE", "", "WAUSAU", "WI", "544035510"),
     ("PO BOX 77", "", "WAUSAU", "WI", "544020077"), "332B00000X", True),
    ("158800005", "LAKEVIEW URGENT CARE LLC", "LAKEVIEW WALK-IN",
     ("22 LAKE ST", "", "OSHKOSH", "WI", "549014402"),
     ("22 LAKE ST", "", "OSHKOSH", "WI", "549014402"), "261QU0200X", True),
    ("158800006", "DRIFTLESS HOME HEALTH LLC", "DRIFTLESS CARE AT HOME",
     ("615 MAIN ST", "", "LA CROSSE", "WI", "546012203"),
     ("PO BOX 615", "", "LA CROSSE", "WI", "546020615"), "251E00000X", True),
    ("158800007", "CAPITOL EYE CARE LLC", "",
     ("10 E MIFFLIN ST", "STE 300", "MADISON", "WI", "537032800"),
     ("10 E MIFFLIN ST", "STE 300", "MADISON", "WI", "537032800"), "152W00000X", True),
    ("158800008", "RIVERSIDE HOSPICE INC", "RIVERSIDE HOSPICE",
     ("2 RIVER RD", "", "GREEN BAY", "WI", "543011010"),
     ("2 RIVER RD", "", "GREEN BAY", "WI", "543011010"), "251G00000X", False),
]


def npi(base: str) -> str:
    return base + luhn.calc_check_digit("80840" + base)


def empty_row() -> dict[str, str]:
    return dict.fromkeys(HEADER, "")


def put_address(row: dict[str, str], kind: str, address: tuple[str, ...]) -> None:
    line1, line2, city, state, postal = address
    row[f"Provider First Line Business {kind}"] = line1
    row[f"Provider Second Line Business {kind}"] = line2
    row[f"Provider Business {kind} City Name"] = city
    row[f"Provider Business {kind} State Name"] = state
    row[f"Provider Business {kind} Postal Code"] = postal


def random_address(rng: random.Random) -> tuple[str, ...]:
    city, state, zip3 = rng.choice(CITIES)
    return (f"{rng.randint(10, 9999)} {rng.choice(['N', 'S', 'E', 'W', ''])} "
            f"{rng.choice(STREETS)}".replace("  ", " "),
            rng.choice(["", "", "", "STE 100", "STE 210", "UNIT B"]), city, state,
            f"{zip3}{rng.randint(10, 99)}{rng.randint(1000, 9999)}")


def organization(base: str, name: str, dba: str, location: tuple[str, ...],
                 mailing: tuple[str, ...], taxonomy: str, active: bool
                 ) -> tuple[dict[str, str], list[list[str]]]:
    row = empty_row()
    row.update({"NPI": npi(base), "Entity Type Code": "2",
                "Employer Identification Number (EIN)": "<UNAVAIL>",
                "Provider Organization Name (Legal Business Name)": name,
                "Provider Enumeration Date": "05/23/2007", "Last Update Date": "03/14/2024",
                "Healthcare Provider Taxonomy Code_1": taxonomy,
                "Healthcare Provider Primary Taxonomy Switch_1": "Y",
                "Healthcare Provider Taxonomy Code_2": "193200000X" if taxonomy != "193200000X"
                else "", "Healthcare Provider Primary Taxonomy Switch_2": "N"})
    if not active:
        row.update({"NPI Deactivation Reason Code": "DB", "NPI Deactivation Date": "08/01/2023"})
    put_address(row, "Practice Location Address", location)
    put_address(row, "Mailing Address", mailing)
    others = [[row["NPI"], dba, "3"]] if dba else []
    return row, others


def main() -> None:
    rng = random.Random(20201)  # noqa: S311  (made-up sample data, not security)
    rows, others = [], []
    for fixed in FIXED:
        row, other = organization(*fixed)
        rows.append(row)
        others.extend(other)
    for i in range(250):
        place = rng.choice(PLACES)
        kind, suffix, taxonomy = rng.choice(KINDS)
        name = f"{place} {kind} {suffix}"
        dba = f"{place} {kind.split()[0]}" if rng.random() < 0.6 else ""
        location = random_address(rng)
        mailing = location if rng.random() < 0.5 else (
            f"PO BOX {rng.randint(10, 9999)}", "", location[2], location[3], location[4])
        row, other = organization(f"{190000000 + i * 7919:09d}", name, dba, location,
                                  mailing, taxonomy, rng.random() > 0.04)
        if rng.random() < 0.1:
            other.append([row["NPI"], f"{place} {kind} CENTER", "4"])  # former legal name
        rows.append(row)
        others.extend(other)
    for i in range(150):
        row = empty_row()
        row.update({"NPI": npi(f"{130000000 + i * 6007:09d}"), "Entity Type Code": "1",
                    "Provider First Name": rng.choice(FIRST),
                    "Provider Last Name (Legal Name)": rng.choice(LAST),
                    "Provider Enumeration Date": "11/02/2010",
                    "Last Update Date": "01/09/2025",
                    "Healthcare Provider Taxonomy Code_1": rng.choice(PERSON_TAXONOMIES),
                    "Healthcare Provider Primary Taxonomy Switch_1": "Y"})
        address = random_address(rng)
        put_address(row, "Practice Location Address", address)
        put_address(row, "Mailing Address", address)
        rows.append(row)
    OUT.mkdir(parents=True, exist_ok=True)
    with (OUT / "npidata_pfile_sample.csv").open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, HEADER, quoting=csv.QUOTE_ALL)  # NPPES quotes every value
        writer.writeheader()
        writer.writerows(rows)
    with (OUT / "othername_pfile_sample.csv").open("w", newline="", encoding="utf-8") as f:
        writer2 = csv.writer(f, quoting=csv.QUOTE_ALL)
        writer2.writerow(OTHER_HEADER)
        writer2.writerows(others)
    print(f"{len(rows)} providers, {len(others)} other names -> {OUT}")


if __name__ == "__main__":
    main()
