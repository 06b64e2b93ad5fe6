"""Made-up files in the exact published layouts: the LEIE's UPDATED.csv, the SAM.gov public
extract (a ZIP holding one CSV) and the NPPES Deactivated NPI Report (a zip holding an .xlsx).

The real files cannot be downloaded here; these carry every case the readers must handle:
deactivations, reactivations, reinstatements, terminated and inactive SAM records, blank
("0000000000") and invalid NPIs, LEIE waivers, names with punctuation. ``write_samples``
writes the small ones shipped in ``data/``; the ``rows`` arguments make the bench's big ones
(from a pool of pre-built rows, so 330,000 take seconds).
"""

from __future__ import annotations

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from xml.sax.saxutils import escape

from idp_bridge.exclusions.layouts import DEACTIVATION_COLUMNS, LEIE_COLUMNS, SAM_COLUMNS
from idp_bridge.npi.synthetic import npi

DATA_DIR = Path(__file__).resolve().parent / "data"
SAMPLE_LEIE = DATA_DIR / "UPDATED_sample.csv"
SAMPLE_SAM = DATA_DIR / "SAM_Exclusions_Public_Extract_V2_26335_sample.ZIP"
SAMPLE_DEACTIVATIONS = DATA_DIR / "NPPES_Deactivated_NPI_Report_120126_sample.zip"

# NPIs the samples list; tests and the README refer to them by these names.
LEIE_BUSINESS_NPI = npi(158_800_100)  # ST. MARY'S HOME CARE, INC. (WI), 1128b7
LEIE_INDIVIDUAL_NPI = npi(158_800_101)  # O'CONNOR-SMITH, MARY
LEIE_REINSTATED_NPI = npi(158_800_102)  # reinstated 03/15/2024
LEIE_WAIVED_NPI = npi(158_800_103)  # waived in WI
LEIE_INVALID_NPI = npi(158_800_104)[:9] + str((int(npi(158_800_104)[9]) + 1) % 10)
SAM_FIRM_NPI = npi(158_800_200)  # A & B MEDICAL SUPPLY, L.L.C. (IL), Indefinite
SAM_TERMINATED_NPI = npi(158_800_201)  # terminated 01/31/2025
SAM_INACTIVE_NPI = npi(158_800_202)  # Record Status Inactive
SAM_FUTURE_END_NPI = npi(158_800_203)  # terminates 12/31/2099
DEACTIVATED_SAMPLE_NPI = "1588000087"  # RIVERSIDE HOSPICE INC in the NPPES sample
DEACTIVATED_NUMBER_CELL_NPI = npi(158_800_300)  # written as a number cell

_LEIE_SAMPLE_ROWS: list[dict[str, str]] = [
    {"BUSNAME": "ST. MARY'S HOME CARE, INC.", "GENERAL": "BUSINESS",
     "SPECIALTY": "HOME HEALTH AGENCY", "NPI": LEIE_BUSINESS_NPI, "ADDRESS": "12 LAKE ST",
     "CITY": "MADISON", "STATE": "WI", "ZIP": "53703", "EXCLTYPE": "1128b7",
     "EXCLDATE": "20230420"},
    {"LASTNAME": "O'CONNOR-SMITH", "FIRSTNAME": "MARY", "MIDNAME": "J.",
     "GENERAL": "IND- LIC HC SERV PRO", "SPECIALTY": "NURSE/NURSES AIDE",
     "NPI": LEIE_INDIVIDUAL_NPI, "DOB": "19700312", "ADDRESS": "4 PARK ST, APT. 2",
     "CITY": "APPLETON", "STATE": "WI", "ZIP": "54911", "EXCLTYPE": "1128a1",
     "EXCLDATE": "20240117"},
    {"BUSNAME": "O'BRIEN FAMILY MEDICINE, S.C.", "GENERAL": "BUSINESS",
     "SPECIALTY": "FAMILY PRACTICE", "ADDRESS": "700 RIVER RD", "CITY": "WAUSAU",
     "STATE": "WI", "ZIP": "54401", "EXCLTYPE": "1128b4", "EXCLDATE": "20220905"},
    {"LASTNAME": "REINHOLT", "FIRSTNAME": "PAUL", "GENERAL": "IND- LIC HC SERV PRO",
     "SPECIALTY": "PHARMACIST", "NPI": LEIE_REINSTATED_NPI, "DOB": "19610101",
     "CITY": "ROCKFORD", "STATE": "IL", "ZIP": "61101", "EXCLTYPE": "1128b4",
     "EXCLDATE": "20190101", "REINDATE": "20240315"},
    {"BUSNAME": "NORTH STAR AMBULANCE CO", "GENERAL": "BUSINESS",
     "SPECIALTY": "AMBULANCE SERVICES", "NPI": LEIE_WAIVED_NPI, "CITY": "GREEN BAY",
     "STATE": "WI", "ZIP": "54301", "EXCLTYPE": "1128b7", "EXCLDATE": "20210610",
     "WAIVERDATE": "20210701", "WAIVERSTATE": "WI"},
    {"LASTNAME": "DUBOIS", "FIRSTNAME": "ANNE-MARIE", "GENERAL": "OTHER BUSINESS",
     "SPECIALTY": "BILLING SERVICES", "NPI": LEIE_INVALID_NPI, "DOB": "19800229",
     "CITY": "DUBUQUE", "STATE": "IA", "ZIP": "52001", "EXCLTYPE": "1128a3",
     "EXCLDATE": "20250103"},
    {"LASTNAME": "NGUYEN", "FIRSTNAME": "TRAN", "GENERAL": "IND- LIC HC SERV PRO",
     "SPECIALTY": "DENTIST", "DOB": "19751105", "CITY": "MILWAUKEE", "STATE": "WI",
     "ZIP": "53202", "EXCLTYPE": "1128b5", "EXCLDATE": "20260214"},
]


def _leie_line(values: dict[str, str]) -> list[str]:
    defaults = {"NPI": "0000000000", "DOB": "00000000", "REINDATE": "00000000",
                "WAIVERDATE": "00000000"}
    return [values.get(name, defaults.get(name, "")) for name in LEIE_COLUMNS]


_SAM_SAMPLE_ROWS: list[dict[str, str]] = [
    {"Classification": "Firm", "Name": "A & B MEDICAL SUPPLY, L.L.C.",
     "Address 1": "PO BOX 12", "City": "ROCKFORD", "State / Province": "IL", "Country": "USA",
     "Zip Code": "61101", "Unique Entity ID": "ZQGGHJH74DW7", "Exclusion Program": "Reciprocal",
     "Excluding Agency": "HHS", "CT Code": "Z1", "Exclusion Type": "Prohibition/Restriction",
     "Active Date": "06/02/2023", "Termination Date": "Indefinite", "Record Status": "Active",
     "SAM Number": "S4MR3R7S1", "NPI": SAM_FIRM_NPI, "Creation_Date": "06/03/2023"},
    {"Classification": "Individual", "First": "JOHN", "Middle": "Q.", "Last": "PUBLIC, JR.",
     "Suffix": "JR", "City": "MADISON", "State / Province": "WI", "Country": "USA",
     "Exclusion Program": "Reciprocal", "Excluding Agency": "OPM", "CT Code": "A",
     "Exclusion Type": "Ineligible (Proceedings Completed)", "Active Date": "01/31/2022",
     "Termination Date": "01/31/2025", "Record Status": "Active", "NPI": SAM_TERMINATED_NPI,
     "SAM Number": "S4MR3R7S2", "Creation_Date": "02/01/2022"},
    {"Classification": "Firm", "Name": "LAKESIDE DME, INC.", "City": "DUBUQUE",
     "State / Province": "IA", "Country": "USA", "Exclusion Program": "Reciprocal",
     "Excluding Agency": "HHS", "CT Code": "Z1", "Exclusion Type": "Prohibition/Restriction",
     "Active Date": "04/15/2020", "Termination Date": "", "Record Status": "Inactive",
     "NPI": SAM_INACTIVE_NPI, "SAM Number": "S4MR3R7S3", "Creation_Date": "04/16/2020"},
    {"Classification": "Firm", "Name": "BADGER \"BEST\" PHARMACY", "City": "GREEN BAY",
     "State / Province": "WI", "Country": "USA", "Exclusion Program": "Reciprocal",
     "Excluding Agency": "HHS", "CT Code": "Z1", "Exclusion Type": "Voluntary Exclusion",
     "Additional Comments": "Settlement agreement,\nsee cross-reference.",
     "Active Date": "09/09/2024", "Termination Date": "12/31/2099", "Record Status": "Active",
     "Cross-Reference": "(also BADGER BEST RX)", "NPI": SAM_FUTURE_END_NPI,
     "SAM Number": "S4MR3R7S4", "Creation_Date": "09/10/2024"},
    {"Classification": "Firm", "Name": "PRAIRIE FAMILY CLINIC", "City": "MADISON",
     "State / Province": "WI", "Country": "USA", "Exclusion Program": "Reciprocal",
     "Excluding Agency": "HHS", "CT Code": "Z1", "Exclusion Type": "Prohibition/Restriction",
     "Active Date": "03/03/2025", "Termination Date": "Indefinite", "Record Status": "Active",
     "SAM Number": "S4MR3R7S5", "Creation_Date": "03/04/2025"},
]


def _sam_line(values: dict[str, str]) -> list[str]:
    return [values.get(name, "") for name in SAM_COLUMNS]


def write_leie(path: Path, rows: int = 0, seed: int = 1,
               extra: Iterable[dict[str, str]] = ()) -> Path:
    """UPDATED.csv: the sample rows, ``extra``, then ``rows`` made-up ones (about one in ten
    with an NPI, as in the real file). CRLF line ends and minimal quoting, as OIG writes."""
    rng = random.Random(seed)  # noqa: S311  (made-up data)
    with path.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle, lineterminator="\r\n")
        out.writerow(LEIE_COLUMNS)
        for values in (*_LEIE_SAMPLE_ROWS, *extra):
            out.writerow(_leie_line(values))
        pool = [_leie_line(_random_leie(rng, k)) for k in range(min(rows, 5000))]
        for k in range(rows):
            line = pool[k % len(pool)] if pool else []
            if line[7] != "0000000000":
                line = [*line[:7], npi(300_000_000 + k), *line[8:]]
            out.writerow(line)
    return path


def _random_leie(rng: random.Random, k: int) -> dict[str, str]:
    year = rng.randint(1990, 2026)
    values = {"GENERAL": "IND- LIC HC SERV PRO", "SPECIALTY": "NURSING PROFESSION",
              "CITY": rng.choice(["MADISON", "CHICAGO", "DES MOINES", "DETROIT"]),
              "STATE": rng.choice(["WI", "IL", "IA", "MI", "NY", "CA"]),
              "ZIP": f"{rng.randint(10000, 99999)}", "EXCLTYPE": rng.choice(
                  ["1128a1", "1128a2", "1128b4", "1128b7", "1128b8"]),
              "EXCLDATE": f"{year}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"}
    if rng.random() < 0.15:
        values.update(BUSNAME=f"{rng.choice(['ACME', 'SUMMIT', 'HARBOR'])} "
                              f"{rng.choice(['PHARMACY', 'DME', 'CLINIC'])} {k}, LLC",
                      GENERAL="BUSINESS")
    else:
        values.update(LASTNAME=rng.choice(["SMITH", "O'NEIL", "GARCIA", "VAN DYKE"]),
                      FIRSTNAME=rng.choice(["ANN", "JOSE", "LI", "MARK"]),
                      DOB=f"19{rng.randint(40, 99)}0101")
    if rng.random() < 0.1:
        values["NPI"] = "placeholder"  # numbered per line by write_leie
    return values


def write_sam(path: Path, rows: int = 0, seed: int = 1,
              extra: Iterable[dict[str, str]] = (), csv_name: str = "") -> Path:
    """The public extract: a ZIP holding one CSV, every value quoted (as SAM writes it)."""
    rng = random.Random(seed)  # noqa: S311  (made-up data)
    text = io.StringIO()
    out = csv.writer(text, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    out.writerow(SAM_COLUMNS)
    for values in (*_SAM_SAMPLE_ROWS, *extra):
        out.writerow(_sam_line(values))
    pool = [_sam_line(_random_sam(rng, k)) for k in range(min(rows, 5000))]
    name = csv_name or path.stem.removesuffix("_sample") + ".CSV"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, \
            archive.open(name, "w") as member:
        member.write(text.getvalue().encode("utf-8"))
        chunk = io.StringIO()
        out = csv.writer(chunk, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
        for k in range(rows):
            line = pool[k % len(pool)]
            if line[29]:
                line = [*line[:29], npi(400_000_000 + k), line[30]]
            out.writerow(line)
            if k % 10_000 == 9_999:
                member.write(chunk.getvalue().encode("utf-8"))
                chunk.seek(0)
                chunk.truncate()
        member.write(chunk.getvalue().encode("utf-8"))
    return path


def _random_sam(rng: random.Random, k: int) -> dict[str, str]:
    firm = rng.random() < 0.3
    values = {"Classification": "Firm" if firm else "Individual",
              "City": "WASHINGTON", "State / Province": rng.choice(["DC", "VA", "WI", "TX"]),
              "Country": "USA", "Exclusion Program": "Reciprocal",
              "Excluding Agency": rng.choice(["HHS", "OPM", "GSA"]), "CT Code": "Z1",
              "Exclusion Type": "Ineligible (Proceedings Completed)",
              "Active Date": f"{rng.randint(1, 12):02d}/{rng.randint(1, 28):02d}/"
                             f"{rng.randint(2000, 2026)}",
              "Termination Date": rng.choice(["Indefinite", "Indefinite", "12/31/2030"]),
              "Record Status": "Active", "SAM Number": f"S{k:08d}",
              "Creation_Date": "01/02/2020"}
    if firm:
        values["Name"] = f"{rng.choice(['ACME', 'GLOBAL', 'SUMMIT'])} SUPPLY {k}, INC."
    else:
        values.update(First=rng.choice(["ANN", "JOSE"]), Last=rng.choice(["DOE", "ROE"]))
    if rng.random() < 0.05:
        values["NPI"] = "placeholder"
    return values


# The Deactivated NPI Report: an .xlsx written by hand (no spreadsheet library needed) ------

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Deactivated NPIs" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')


def _entry(name: str) -> zipfile.ZipInfo:
    """A member with a fixed date, so the same rows make the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2026, 12, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def xlsx_bytes(rows: Sequence[Sequence[str | int | None]]) -> bytes:
    """A one-sheet workbook: strings go to the shared-strings table (as Excel writes them),
    ints are number cells, None an empty cell."""
    strings: dict[str, int] = {}
    sheet = io.StringIO()
    sheet.write('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet '
                'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                '<sheetData>')
    for r, row in enumerate(rows, 1):
        sheet.write(f'<row r="{r}">')
        for c, value in enumerate(row):
            ref = f"{chr(65 + c)}{r}"
            if value is None:
                continue
            if isinstance(value, int):
                sheet.write(f'<c r="{ref}"><v>{value}</v></c>')
            else:
                index = strings.setdefault(value, len(strings))
                sheet.write(f'<c r="{ref}" t="s"><v>{index}</v></c>')
        sheet.write("</row>")
    sheet.write("</sheetData></worksheet>")
    shared = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(_entry("[Content_Types].xml"), _CONTENT_TYPES)
        book.writestr(_entry("_rels/.rels"), _ROOT_RELS)
        book.writestr(_entry("xl/workbook.xml"), _WORKBOOK)
        book.writestr(_entry("xl/_rels/workbook.xml.rels"), _WORKBOOK_RELS)
        book.writestr(_entry("xl/worksheets/sheet1.xml"), sheet.getvalue())
        book.writestr(_entry("xl/sharedStrings.xml"),
                      '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns='
                      '"http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="'
                      f'{len(strings)}" uniqueCount="{len(strings)}">{shared}</sst>')
    return buffer.getvalue()


def report_rows(deactivations: Iterable[tuple[str | int, date | str]],
                title: str = "NPPES Deactivated NPI Report") -> list[list[str | int | None]]:
    rows: list[list[str | int | None]] = [[title, None], list(DEACTIVATION_COLUMNS)]
    for number, on in deactivations:
        rows.append([number, on.strftime("%m/%d/%Y") if isinstance(on, date) else on])
    return rows


def write_deactivation_report(path: Path, deactivations: Iterable[tuple[str | int, date | str]],
                              title: str = "NPPES Deactivated NPI Report") -> Path:
    """The monthly report as CMS publishes it: a zip holding one .xlsx."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(_entry(path.stem.removesuffix("_sample") + ".xlsx"),
                         xlsx_bytes(report_rows(deactivations, title)))
    return path


def sample_deactivations() -> list[tuple[str | int, date | str]]:
    return [(DEACTIVATED_SAMPLE_NPI, date(2023, 8, 1)),
            (npi(158_800_301), date(2026, 11, 3)),
            (int(DEACTIVATED_NUMBER_CELL_NPI), date(2026, 11, 17)),
            (npi(158_800_302), "11/28/2026")]


def write_samples(directory: Path = DATA_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return [write_leie(directory / SAMPLE_LEIE.name),
            write_sam(directory / SAMPLE_SAM.name),
            write_deactivation_report(directory / SAMPLE_DEACTIVATIONS.name,
                                      sample_deactivations(),
                                      "NPPES Deactivated NPI Report 12/01/2026")]


if __name__ == "__main__":
    for written in write_samples():
        print(written)
