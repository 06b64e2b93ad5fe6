"""The NPPES bulk import on files in the real 330-column layout: monthly and weekly files,
deactivations, refused lines, atomicity and bounded memory.

Every test runs on SQLite, and on PostgreSQL too when TEST_DATABASE_URL names a server
(e.g. postgresql+psycopg://portal:portal@127.0.0.1:5432/postgres): the two databases take
different bulk paths (executemany vs COPY).
"""

from __future__ import annotations

import csv
import random
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy
from flask import Flask

from idp_bridge.extensions import db
from idp_bridge.npi import bulk_format as col
from idp_bridge.npi import bulk_import, synthetic
from idp_bridge.npi.bulk_file import NotAnNppesFile
from idp_bridge.npi.bulk_import import import_files
from idp_bridge.npi.models import NpiOtherName, NpiRecord
from idp_bridge.npi.offline import OfflineRegistry
from idp_bridge.npi.registry import INDIVIDUAL, ORGANIZATION
from tests.support.databases import DATABASES, app_on

A, B, C, D, E = (synthetic.npi(158_900_000 + i) for i in range(1, 6))


@pytest.fixture(params=DATABASES)
def registry_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Flask]:
    with app_on(request.param, tmp_path, "bridge_test") as app:
        yield app


def _npidata(path: Path, *rows: dict[str, str] | str) -> Path:
    """A 330-column npidata file; a str row is written as-is (a malformed line)."""
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(synthetic.header())
        for row in rows:
            handle.write(row if isinstance(row, str) else synthetic.line(row))
    return path


def _othername(path: Path, *names: tuple[str, str, str]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        handle.write(synthetic.othername_header())
        for npi, name, code in names:
            handle.write(synthetic.othername_line(npi, name, code))
    return path


def _monthly(tmp_path: Path) -> tuple[Path, Path]:
    npidata = _npidata(
        tmp_path / "npidata_pfile_20050523-20261109.csv",
        synthetic.organization(A, "ALPHA CLINIC LLC", "261QP2300X"),
        synthetic.organization(B, "BRAVO PHARMACY INC", "3336C0003X", city="WAUSAU"),
        {**synthetic.organization(C, "", "207Q00000X"), col.ENTITY_TYPE: "1",
         col.FIRST_NAME: "MARY", col.LAST_NAME: "OLSON"},
    )
    othername = _othername(tmp_path / "othername_pfile_20050523-20261109.csv",
                           (A, "ALPHA WALK-IN", "3"), (A, "ALPHA MEDICAL CENTER", "4"),
                           (B, "BRAVO RX", "3"))
    return npidata, othername


def _count(model: type) -> int:
    return db.session.scalar(sqlalchemy.select(sqlalchemy.func.count()).select_from(model)) or 0


def test_monthly_file_in_the_real_layout_reads_as_the_api_would(registry_app, tmp_path):
    result = import_files(*_monthly(tmp_path))
    assert (result.records, result.other_names, result.refusals.count) == (3, 3, 0)

    alpha = OfflineRegistry().lookup(A)
    assert (alpha.entity_type, alpha.active, alpha.name) == (ORGANIZATION, True,
                                                             "ALPHA CLINIC LLC")
    assert alpha.dba_names == ["ALPHA WALK-IN"]
    assert [o.type_code for o in alpha.other_names] == ["3", "4"]
    assert alpha.location_address.label() == "1 MAIN ST, MADISON, WI 53703"
    assert alpha.mailing_address.label() == "PO BOX 1, MADISON, WI 53704"
    assert alpha.primary_taxonomy.label() == "261QP2300X CLINIC/CENTER, PRIMARY CARE"
    person = OfflineRegistry().lookup(C)
    assert (person.entity_type, person.name) == (INDIVIDUAL, "MARY OLSON")
    assert OfflineRegistry().lookup(D) is None


def test_weekly_update_replaces_the_npis_it_names_and_keeps_the_rest(registry_app, tmp_path):
    import_files(*_monthly(tmp_path))
    weekly = _npidata(tmp_path / "npidata_pfile_20261110-20261116.csv",
                      synthetic.organization(A, "ALPHA HEALTH PARTNERS LLC", "193200000X",
                                             city="MIDDLETON"),
                      synthetic.organization(D, "DELTA HOME HEALTH LLC", "251E00000X"))
    weekly_names = _othername(tmp_path / "othername_pfile_20261110-20261116.csv",
                              (A, "ALPHA PARTNERS", "3"), (D, "DELTA CARE", "3"))

    result = import_files(weekly, weekly_names)

    assert (result.records, result.refusals.count) == (2, 0)
    assert _count(NpiRecord) == 4
    alpha = OfflineRegistry().lookup(A)
    assert alpha.name == "ALPHA HEALTH PARTNERS LLC"
    assert alpha.location_address.city == "MIDDLETON"
    assert [t.code for t in alpha.taxonomies] == ["193200000X"]
    # Its other names are the update's: the old DBA and former name are gone.
    assert [(o.name, o.type_code) for o in alpha.other_names] == [("ALPHA PARTNERS", "3")]
    assert OfflineRegistry().lookup(D).dba_names == ["DELTA CARE"]
    bravo = OfflineRegistry().lookup(B)
    assert (bravo.name, bravo.dba_names) == ("BRAVO PHARMACY INC", ["BRAVO RX"])


def test_update_without_othername_file_keeps_other_names(registry_app, tmp_path):
    import_files(*_monthly(tmp_path))
    import_files(_npidata(tmp_path / "weekly.csv",
                          synthetic.organization(A, "ALPHA CLINIC LLC", "207Q00000X")))
    assert OfflineRegistry().lookup(A).dba_names == ["ALPHA WALK-IN"]


def test_deactivated_npi_in_an_update_becomes_inactive_and_can_come_back(registry_app,
                                                                          tmp_path):
    import_files(*_monthly(tmp_path))
    import_files(_npidata(tmp_path / "deactivation.csv", synthetic.deactivated(B)),
                 _othername(tmp_path / "no-names.csv"))

    bravo = OfflineRegistry().lookup(B)
    assert (bravo.active, bravo.entity_type, bravo.name, bravo.other_names) == (
        False, 0, "", [])
    row = db.session.get(NpiRecord, B)
    assert str(row.deactivated_on) == "2023-08-01"
    # Never offered as a plausible answer to someone else's questionnaire.
    for seed in range(10):
        offered = OfflineRegistry().distractors(A, ORGANIZATION, 5, random.Random(seed))
        assert B not in {r.npi for r in offered}

    reactivated = {**synthetic.organization(B, "BRAVO PHARMACY INC", "3336C0003X"),
                   col.DEACTIVATION_DATE: "08/01/2023", col.REACTIVATION_DATE: "02/15/2024"}
    import_files(_npidata(tmp_path / "reactivation.csv", reactivated))
    assert OfflineRegistry().lookup(B).active is True


def test_malformed_lines_are_refused_by_number_and_the_others_import_intact(registry_app,
                                                                           tmp_path):
    good_e = synthetic.organization(E, "ECHO URGENT CARE LLC", "261QU0200X", city="OSHKOSH")
    npidata = _npidata(
        tmp_path / "npidata_pfile_broken.csv",
        synthetic.organization(A, "ALPHA CLINIC LLC"),                      # line 2
        '"' + synthetic.npi(158_900_010) + '","2","","<UNAVAIL>","CUT SHORT"\n',  # line 3
        synthetic.organization("12345", "SHORT NPI LLC"),                    # line 4
        {**synthetic.organization(C, "NINE LLC"), col.ENTITY_TYPE: "9"},     # line 5
        {**synthetic.organization(D, "DATED LLC"), col.DEACTIVATION_DATE: "2023-08-01"},
        synthetic.organization(B, "NUL\x00 LLC"),                          # line 7
        good_e,                                                              # line 8
    )

    result = import_files(npidata)

    assert [str(r) for r in result.refused] == [
        "npidata_pfile_broken.csv, line 3: expected 330 columns, found 5",
        "npidata_pfile_broken.csv, line 4: NPI '12345' is not 10 digits",
        "npidata_pfile_broken.csv, line 5: Entity Type Code '9' is not 1 or 2",
        "npidata_pfile_broken.csv, line 6: NPI Deactivation Date '2023-08-01' is not a date "
        "MM/DD/YYYY",
        "npidata_pfile_broken.csv, line 7: the line contains a NUL character",
    ]
    assert result.records == 2
    assert {r.npi for r in db.session.scalars(sqlalchemy.select(NpiRecord))} == {A, E}
    echo = OfflineRegistry().lookup(E)  # the line after the broken ones: nothing shifted
    assert (echo.name, echo.location_address.city, echo.primary_taxonomy.code) == (
        "ECHO URGENT CARE LLC", "OSHKOSH", "261QU0200X")

    run = registry_app.test_cli_runner().invoke(args=["npi", "import", str(npidata)])
    assert run.exit_code == 1
    assert "Imported 2 NPI records" in run.output
    assert "Refused 5 lines (not imported; the other lines were):" in run.output
    assert "npidata_pfile_broken.csv, line 3: expected 330 columns, found 5" in run.output


def test_a_file_of_the_wrong_kind_is_refused_whole_and_changes_nothing(registry_app,
                                                                      tmp_path):
    npidata, othername = _monthly(tmp_path)
    import_files(npidata, othername)
    weekly = _npidata(tmp_path / "weekly.csv", synthetic.organization(A, "CHANGED LLC"))

    with pytest.raises(NotAnNppesFile, match="is not an NPPES othername file: its header has "
                                             "330 columns, not 3"):
        import_files(weekly, npidata)  # the files swapped: fails after staging the first
    run = registry_app.test_cli_runner().invoke(args=["npi", "import", str(othername)])

    assert run.exit_code == 1
    assert ("othername_pfile_20050523-20261109.csv is not an NPPES npidata file: its header "
            "has no column 'Entity Type Code'.") in run.output
    assert "Nothing was imported." in run.output
    assert OfflineRegistry().lookup(A).name == "ALPHA CLINIC LLC"
    assert (_count(NpiRecord), _count(NpiOtherName)) == (3, 3)
    index_names = {i["name"] for i in sqlalchemy.inspect(db.engine).get_indexes("npi_records")}
    assert "ix_npi_records_distractors" in index_names


def test_the_last_line_wins_when_a_file_names_an_npi_twice(registry_app, tmp_path):
    npidata = _npidata(tmp_path / "twice.csv",
                       synthetic.organization(B, "BRAVO OLD NAME INC"),
                       synthetic.organization(A, "ALPHA CLINIC LLC"),  # out of NPI order
                       synthetic.organization(B, "BRAVO NEW NAME INC"))
    assert import_files(npidata).records == 3
    assert import_files(npidata).records == 3  # and importing it again changes nothing
    assert _count(NpiRecord) == 2
    assert OfflineRegistry().lookup(B).name == "BRAVO NEW NAME INC"


def test_a_file_saved_with_minimal_quoting_still_reads(registry_app, tmp_path):
    values = synthetic.organization(A, 'SMITH, JONES & "PARTNERS" LLC')
    path = tmp_path / "resaved.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)  # what a spreadsheet writes back
        writer.writerow(col.NPIDATA_COLUMNS)
        writer.writerow([values.get(name, "") for name in col.NPIDATA_COLUMNS])
    assert import_files(path).refusals.count == 0
    assert OfflineRegistry().lookup(A).name == 'SMITH, JONES & "PARTNERS" LLC'


def test_a_generated_file_imports_every_line_and_feeds_the_questionnaire(registry_app,
                                                                         tmp_path):
    npidata, othername = synthetic.write_bundle(tmp_path, 3_000)
    result = import_files(npidata, othername)
    assert (result.records, result.refusals.count) == (3_000, 0)
    deactivated = 3_000 // synthetic.DEACTIVATED_EVERY
    active = db.session.scalar(sqlalchemy.select(sqlalchemy.func.count()).where(
        NpiRecord.active.is_(True)))
    assert active == 3_000 - deactivated

    organization = next(r for r in map(OfflineRegistry().lookup, map(synthetic.npi_at,
                                                                     range(100)))
                        if r and r.entity_type == ORGANIZATION)
    offered = OfflineRegistry().distractors(organization.npi, ORGANIZATION, 12,
                                            random.Random(7))
    assert len(offered) == 12
    assert all(r.entity_type == ORGANIZATION and r.active for r in offered)
    assert organization.npi not in {r.npi for r in offered}


@pytest.mark.slow
@pytest.mark.parametrize("update", [False, True], ids=["first load", "update"])
def test_memory_does_not_grow_with_the_file(registry_app, tmp_path, update):
    """Peak Python memory of a 5× longer file stays the same (at most one batch), not 5×."""
    peaks = []
    for rows in (2 * bulk_import.BATCH, 10 * bulk_import.BATCH):
        npidata, othername = synthetic.write_bundle(tmp_path, rows)
        db.session.execute(sqlalchemy.delete(NpiRecord))
        db.session.execute(sqlalchemy.delete(NpiOtherName))
        if update:  # other names present: the path that also notes the NPIs it replaces
            import_files(*_monthly(tmp_path))
        db.session.commit()
        tracemalloc.start()
        import_files(npidata, othername)
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
    assert peaks[1] < peaks[0] * 1.5, peaks
