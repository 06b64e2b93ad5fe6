"""The three readers, column by column: what an operator would see load, or be refused."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date
from pathlib import Path

import pytest

from idp_bridge.exclusions import synthetic
from idp_bridge.exclusions.files import (
    MAX_LINE_BYTES,
    DeactivationReportReader,
    LeieReader,
    NotAnExclusionFile,
    SamReader,
)
from idp_bridge.exclusions.layouts import LEIE_COLUMNS, SAM_COLUMNS
from idp_bridge.npi.bulk_file import Refusals
from idp_bridge.npi.synthetic import npi


def leie_rows(path: Path) -> tuple[list, Refusals]:
    refusals = Refusals()
    return list(LeieReader(path, refusals).rows()), refusals


def write_leie_lines(path: Path, *lines: bytes) -> Path:
    path.write_bytes(b",".join(c.encode() for c in LEIE_COLUMNS) + b"\r\n" + b"".join(lines))
    return path


def leie_line(**values: str) -> bytes:
    row = {"LASTNAME": "DOE", "EXCLDATE": "20240101", "NPI": "0000000000", "DOB": "00000000",
           "REINDATE": "00000000", "WAIVERDATE": "00000000", **values}
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow([row.get(c, "") for c in LEIE_COLUMNS])
    return text.getvalue().encode()


def test_leie_sample_every_column(tmp_path: Path) -> None:
    rows, refusals = leie_rows(synthetic.write_leie(tmp_path / "UPDATED.csv"))
    assert refusals.count == 0 and len(rows) == 7
    business = rows[0]
    assert (business.npi, business.name, business.name_key, business.state,
            business.exclusion_type, business.excluded_on, business.ended_on,
            business.record_active, business.line) == (
        synthetic.LEIE_BUSINESS_NPI, "ST. MARY'S HOME CARE, INC.", "ST MARYS HOME CARE", "WI",
        "1128b7", date(2023, 4, 20), None, True, 2)
    person = rows[1]  # no BUSNAME: FIRST MIDDLE LAST, and no name key (never name-matched)
    assert (person.name, person.name_key) == ("MARY J. O'CONNOR-SMITH", "")
    no_npi = rows[2]
    assert (no_npi.npi, no_npi.npi_invalid, no_npi.name_key) == (
        "", False, "OBRIEN FAMILY MEDICINE")
    reinstated = rows[3]
    assert reinstated.ended_on == date(2024, 3, 15)
    waived = rows[4]
    assert (waived.waiver_on, waived.waiver_state) == (date(2021, 7, 1), "WI")
    invalid = rows[5]  # an NPI whose check digit is wrong: kept, matched by name only
    assert (invalid.npi, invalid.npi_invalid) == ("", True)


def test_leie_dates_yyyymmdd_zero_is_none_and_bad_dates_refused_with_line(tmp_path: Path
                                                                         ) -> None:
    path = write_leie_lines(tmp_path / "UPDATED.csv",
                            leie_line(EXCLDATE="20240230"),  # no such day
                            leie_line(EXCLDATE="2024-01-01"),
                            leie_line(EXCLDATE="00000000"),  # an exclusion needs its date
                            leie_line(REINDATE="20250101"),
                            leie_line(LASTNAME="", BUSNAME=""))
    rows, refusals = leie_rows(path)
    assert [r.ended_on for r in rows] == [date(2025, 1, 1)]
    assert refusals.count == 4
    assert [(r.line, r.reason) for r in refusals.first] == [
        (2, "EXCLDATE '20240230' is not a date YYYYMMDD"),
        (3, "EXCLDATE '2024-01-01' is not a date YYYYMMDD"),
        (4, "EXCLDATE is empty"),
        (6, "neither BUSNAME nor LASTNAME is given")]


def test_leie_windows_1252_and_bom_and_utf8_names_read(tmp_path: Path) -> None:
    header = b"\xef\xbb\xbf" + b",".join(c.encode() for c in LEIE_COLUMNS) + b"\r\n"
    cp1252 = leie_line(BUSNAME="CAF\u00c9 CLINIC").decode().encode("cp1252")
    utf8 = leie_line(BUSNAME="M\u00dcLLER & S\u00d6HNE").decode().encode("utf-8")
    (tmp_path / "UPDATED.csv").write_bytes(header + cp1252 + utf8)
    rows, refusals = leie_rows(tmp_path / "UPDATED.csv")
    assert refusals.count == 0
    assert [(r.name, r.name_key) for r in rows] == [
        ("CAF\u00c9 CLINIC", "CAFE CLINIC"), ("M\u00dcLLER & S\u00d6HNE", "MULLER AND SOHNE")]


def test_leie_malformed_lines_refused_and_counted_rest_loads(tmp_path: Path) -> None:
    path = write_leie_lines(tmp_path / "UPDATED.csv",
                            b"too,few,columns\r\n",
                            leie_line(LASTNAME="NUL\x00BYTE"),
                            b"A" * (MAX_LINE_BYTES * 3) + b"\r\n",  # a huge line, skipped
                            leie_line(LASTNAME="KEPT"))
    rows, refusals = leie_rows(path)
    assert [r.name for r in rows] == ["KEPT"]
    assert refusals.count == 3
    assert refusals.first[0].reason == "expected 18 columns, found 3"
    assert "NUL" in refusals.first[1].reason
    assert refusals.first[2].reason == f"the line is longer than {MAX_LINE_BYTES:,} bytes"


def test_leie_wrong_header_refused_before_any_row(tmp_path: Path) -> None:
    path = tmp_path / "UPDATED.csv"
    path.write_text(",".join(SAM_COLUMNS) + "\r\n" + "x\r\n")
    with pytest.raises(NotAnExclusionFile, match="column 1 is 'Classification' where "
                                                  "'LASTNAME' belongs"):
        leie_rows(path)
    path.write_text("")
    with pytest.raises(NotAnExclusionFile, match="the file is empty"):
        leie_rows(path)


def test_leie_formula_and_escape_cells_shown_escaped_on_the_console(tmp_path: Path) -> None:
    path = write_leie_lines(tmp_path / "UPDATED.csv",
                            leie_line(EXCLDATE="=cmd|'/C calc'!A0\x1b[2J"))
    _, refusals = leie_rows(path)
    [refusal] = refusals.first
    assert "\x1b" not in str(refusal) and "\\x1b" in str(refusal)


def sam_rows(path: Path) -> tuple[list, Refusals]:
    refusals = Refusals()
    return list(SamReader(path, refusals).rows()), refusals


def test_sam_extract_sample_every_column(tmp_path: Path) -> None:
    rows, refusals = sam_rows(synthetic.write_sam(tmp_path / "SAM_Exclusions_Public_Extract_V2"
                                                  "_26335.ZIP"))
    assert refusals.count == 0 and len(rows) == 5
    firm, person, inactive, future, no_npi = rows
    assert (firm.npi, firm.name, firm.name_key, firm.state, firm.exclusion_type,
            firm.excluded_on, firm.ended_on, firm.record_active) == (
        synthetic.SAM_FIRM_NPI, "A & B MEDICAL SUPPLY, L.L.C.", "A AND B MEDICAL SUPPLY", "IL",
        "Prohibition/Restriction", date(2023, 6, 2), None, True)  # "Indefinite"
    assert (person.name, person.name_key, person.ended_on) == (
        "JOHN Q. PUBLIC, JR.", "", date(2025, 1, 31))
    assert inactive.record_active is False
    assert future.ended_on == date(2099, 12, 31)
    assert future.name == 'BADGER "BEST" PHARMACY'  # a quoted value, comments over two lines
    assert (no_npi.npi, no_npi.name_key, no_npi.line) == ("", "PRAIRIE FAMILY CLINIC", 7)


def test_sam_extract_bad_dates_status_refused_and_counted(tmp_path: Path) -> None:
    good = {"Classification": "Firm", "Name": "X CO", "Active Date": "01/02/2024",
            "Record Status": "Active"}
    path = synthetic.write_sam(tmp_path / "SAM.ZIP", extra=[
        {**good, "Active Date": "2024-01-02"}, {**good, "Termination Date": "13/01/2024"},
        {**good, "Record Status": "Maybe"}, {**good, "Name": "", "Classification": "Firm"},
        good])
    rows, refusals = sam_rows(path)
    assert len(rows) == 6 and refusals.count == 4
    assert [r.reason for r in refusals.first] == [
        "Active Date '2024-01-02' is not a date MM/DD/YYYY",
        "Termination Date '13/01/2024' is not a date MM/DD/YYYY",
        "Record Status 'Maybe' is not Active or Inactive",
        "no Name, First or Last is given"]


def test_sam_extract_zip_must_hold_exactly_one_csv_with_the_layout(tmp_path: Path) -> None:
    two = tmp_path / "two.ZIP"
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.csv", "x")
        archive.writestr("b.csv", "y")
    with pytest.raises(NotAnExclusionFile, match="holds 2 .csv files, not one"):
        sam_rows(two)
    leie = synthetic.write_leie(tmp_path / "UPDATED.csv")
    with pytest.raises(NotAnExclusionFile, match="not the SAM.gov"):
        sam_rows(leie)


def test_sam_extract_utf8_bom_inside_the_zip_is_read(tmp_path: Path) -> None:
    path = tmp_path / "SAM.ZIP"
    text = io.StringIO()
    out = csv.writer(text, quoting=csv.QUOTE_ALL)
    out.writerow(SAM_COLUMNS)
    out.writerow(["Firm", "ÉCOLE SANTÉ LLC", *[""] * 21, "05/05/2025", "", "Active",
                  *[""] * 5])
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("SAM.CSV", "\ufeff" + text.getvalue())
    rows, refusals = sam_rows(path)
    assert refusals.count == 0 and rows[0].name_key == "ECOLE SANTE"


def report_rows(path: Path) -> tuple[list, Refusals]:
    refusals = Refusals()
    return list(DeactivationReportReader(path, refusals).rows()), refusals


def test_deactivation_report_sample_strings_numbers_and_dates(tmp_path: Path) -> None:
    path = synthetic.write_deactivation_report(tmp_path / "NPPES_Deactivated_NPI_Report.zip",
                                               synthetic.sample_deactivations())
    rows, refusals = report_rows(path)
    assert refusals.count == 0
    assert [(r.npi, r.deactivated_on, r.line) for r in rows] == [
        (synthetic.DEACTIVATED_SAMPLE_NPI, date(2023, 8, 1), 3),
        (npi(158_800_301), date(2026, 11, 3), 4),
        (synthetic.DEACTIVATED_NUMBER_CELL_NPI, date(2026, 11, 17), 5),  # a number cell
        (npi(158_800_302), date(2026, 11, 28), 6)]


def test_deactivation_report_bad_rows_refused_and_counted(tmp_path: Path) -> None:
    wrong_digit = npi(158_800_400)[:9] + str((int(npi(158_800_400)[9]) + 1) % 10)
    path = synthetic.write_deactivation_report(tmp_path / "r.zip", [
        (wrong_digit, date(2026, 1, 1)), ("ABC", date(2026, 1, 1)),
        (npi(158_800_401), "2026-01-01"), (npi(158_800_402), 46000),  # an Excel serial
        (npi(158_800_403), "")])
    rows, refusals = report_rows(path)
    assert [(r.npi, r.deactivated_on) for r in rows] == [
        (npi(158_800_402), date(2025, 12, 9))]
    assert refusals.count == 4
    assert refusals.first[0].reason.endswith("is not a valid NPI (check digit)")
    assert "is not a date MM/DD/YYYY" in refusals.first[2].reason


def test_deactivation_report_wrong_header_or_not_a_workbook_refused(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.zip"
    with zipfile.ZipFile(wrong, "w") as archive:
        archive.writestr("r.xlsx", synthetic.xlsx_bytes([["NPI", "Date"], ["1", "2"]]))
    with pytest.raises(NotAnExclusionFile, match="row 2 should name the columns"):
        report_rows(wrong)
    csv_file = tmp_path / "report.csv"
    csv_file.write_text("NPI,NPPES Deactivation Date\n")
    with pytest.raises(NotAnExclusionFile, match="not a zip file"):
        report_rows(csv_file)
    not_xlsx = tmp_path / "not.zip"
    with zipfile.ZipFile(not_xlsx, "w") as archive:
        archive.writestr("r.xlsx", b"plain text")
    with pytest.raises(NotAnExclusionFile, match="is not an .xlsx workbook"):
        report_rows(not_xlsx)


def test_deactivation_report_with_a_dtd_is_refused(tmp_path: Path) -> None:
    book = io.BytesIO(synthetic.xlsx_bytes(synthetic.report_rows([("1588000087", "01/01/2024")])))
    hostile = io.BytesIO()
    with zipfile.ZipFile(book) as source, zipfile.ZipFile(hostile, "w") as target:
        for item in source.infolist():
            data = source.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b"<worksheet",
                                    b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1)
            target.writestr(item, data)
    path = tmp_path / "hostile.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("r.xlsx", hostile.getvalue())
    with pytest.raises(NotAnExclusionFile, match="declares a DTD"):
        report_rows(path)


def test_leie_import_memory_stays_flat_as_the_file_grows(tmp_path: Path) -> None:
    """Peak Python memory reading a 5× longer LEIE stays about the same: one line at a time."""
    import tracemalloc

    peaks, sizes = [], []
    for rows in (4_000, 20_000):
        path = synthetic.write_leie(tmp_path / f"UPDATED_{rows}.csv", rows)
        sizes.append(path.stat().st_size)
        tracemalloc.start()
        count = sum(1 for _ in LeieReader(path, Refusals()).rows())
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert count == rows + 7
    # The peaks are tens of KiB, where a lazily built cache can add 20 KiB to either run
    # (27 vs 45 KiB seen once): the margin is absolute. A reader that held the file would
    # grow with it by megabytes (the longer file is several MB).
    assert peaks[1] < peaks[0] * 1.5 + 64 * 1024, peaks
    assert peaks[1] < sizes[1] / 20, (peaks, sizes)
