"""Loading NPPES bulk files into the offline registry: streamed, in bulk, one transaction.

One path for the monthly full file and the weekly update files, an upsert either way: an
NPI in the file replaces the record the registry had (the last line wins if a file names an
NPI twice). With an othername file, the other names of every NPI in either file are
replaced; without one, they are kept.

- PostgreSQL: lines stream with ``COPY`` into a temporary table, and one ``DELETE`` plus one
  ``INSERT … SELECT`` replace the records (the database does that work in its own process).
  Into an empty registry, lines are copied straight into the table for as long as their
  NPIs increase (a monthly file is in NPI order): no second copy of millions of rows.
- SQLite: lines go straight into the table with ``INSERT OR REPLACE`` through one
  ``executemany``.

Memory stays bounded by one line (SQLite's executemany pulls them one by one; a batch when an
update also notes the NPIs whose other names it replaces) or psycopg's copy buffer, whatever
the file size. The first load into an empty registry drops the secondary index and builds
it once at the end instead of row by row. Everything happens in one transaction: an import
that fails half-way leaves the registry as it was, and on PostgreSQL lookups keep reading
the old records until it commits. Refused lines (see :mod:`bulk_file`) are skipped and
reported; they do not stop the import.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Index, select, text

from idp_bridge.extensions import db
from idp_bridge.npi.bulk_file import (
    NpidataReader,
    OthernameReader,
    OtherNameRow,
    RecordRow,
    Refusal,
    Refusals,
)
from idp_bridge.npi.models import NpiOtherName, NpiRecord
from idp_bridge.progress import progress

RECORD_COLUMNS = (
    "npi", "entity_type", "active", "name",
    "location_line1", "location_line2", "location_city", "location_state",
    "location_postal_code",
    "mailing_line1", "mailing_line2", "mailing_city", "mailing_state", "mailing_postal_code",
    "taxonomy_codes", "primary_taxonomy", "deactivated_on", "reactivated_on",
)
OTHER_NAME_COLUMNS = ("position", "npi", "name", "type_code")  # as OthernameReader yields
BATCH = 5_000

# The statements below are assembled from the constants above only, never from input.
_COLUMNS = ", ".join(RECORD_COLUMNS)
_NAME_COLUMNS = ", ".join(OTHER_NAME_COLUMNS)
_STAGE_DDL = {
    "npi_import_records": "line INTEGER, npi VARCHAR(10), entity_type SMALLINT, active BOOLEAN, "
                          + ", ".join(f"{c} VARCHAR" for c in RECORD_COLUMNS[3:16])
                          + ", deactivated_on DATE, reactivated_on DATE",
    "npi_import_other_names": "position INTEGER, npi VARCHAR(10), name VARCHAR, "
                              "type_code VARCHAR(2)",
    "npi_import_touched": "npi VARCHAR(10)",
}
_REPLACE_OTHER_NAMES = [
    "DELETE FROM npi_other_names WHERE npi IN (SELECT npi FROM npi_import_touched "
    "UNION SELECT npi FROM npi_import_other_names)",
    f"INSERT INTO npi_other_names ({_NAME_COLUMNS}) SELECT {_NAME_COLUMNS} "  # noqa: S608
    "FROM npi_import_other_names ORDER BY npi, position",
]


@dataclass
class ImportResult:
    records: int = 0  # lines of the npidata file imported
    other_names: int = 0
    refusals: Refusals = field(default_factory=Refusals)
    seconds: float = 0.0

    @property
    def refused(self) -> list[Refusal]:
        return self.refusals.first


def import_files(npidata: Path, othername: Path | None = None) -> ImportResult:
    """Import one bundle (monthly or weekly) and commit; see the module docstring."""
    started = time.perf_counter()
    result = ImportResult()
    connection = db.session.connection()
    loader = _loader_for(connection, replace_other_names=othername is not None)
    try:
        loader.start()
        indexes = _indexes_to_rebuild(connection)
        for index in indexes:
            index.drop(connection)
        result.records = loader.load_records(progress(
            NpidataReader(npidata, result.refusals).rows(), f"Importing {npidata.name}"))
        if othername is not None:
            result.other_names = loader.load_other_names(progress(
                OthernameReader(othername, result.refusals).rows(), f"Importing {othername.name}"))
        loader.finish()
        for index in indexes:
            index.create(connection)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _indexes_to_rebuild(connection: Connection) -> list[Index]:
    """The secondary index, when the registry is empty: built once after the first load
    instead of row by row. Into a loaded registry, even a whole monthly file keeps it:
    dropping it would lock lookups out until the import commits."""
    if connection.scalar(select(NpiRecord.npi).limit(1)) is not None:
        return []
    return sorted(NpiRecord.__table__.indexes, key=lambda index: index.name or "")


class _Loader:
    """The bulk path of one database, inside the caller's transaction."""

    def __init__(self, connection: Connection, replace_other_names: bool) -> None:
        self.connection = connection
        self.replace_other_names = replace_other_names

    def start(self) -> None:
        for table, columns in _STAGE_DDL.items():
            self._execute(f"DROP TABLE IF EXISTS {table}")  # a pooled connection keeps them
            self._execute(f"CREATE TEMPORARY TABLE {table} ({columns})")

    def load_records(self, rows: Iterator[RecordRow]) -> int:
        raise NotImplementedError

    def load_other_names(self, rows: Iterator[OtherNameRow]) -> int:
        raise NotImplementedError

    def finish(self) -> None:
        if self.replace_other_names:
            for statement in _REPLACE_OTHER_NAMES:
                self._execute(statement)
        for table in _STAGE_DDL:
            self._execute(f"DROP TABLE {table}")

    def _execute(self, sql: str) -> None:
        self.connection.execute(text(sql))


class _SqliteLoader(_Loader):
    # ?2..?19: the line number (?1) is bound but not stored.
    _INSERT = (f"INSERT OR REPLACE INTO npi_records ({_COLUMNS}) VALUES "  # noqa: S608
               f"({', '.join(f'?{i}' for i in range(2, len(RECORD_COLUMNS) + 2))})")

    def start(self) -> None:
        raw = _driver(self.connection)
        if not raw.in_transaction:
            # sqlite3 opens transactions only before DML; the index drop must be in it too.
            raw.execute("BEGIN")
        super().start()
        self.touched = self.replace_other_names and self.connection.scalar(
            select(NpiOtherName.npi).limit(1)) is not None

    def load_records(self, rows: Iterator[RecordRow]) -> int:
        if not self.touched:
            # executemany pulls line after line from the reader: no batch is ever held.
            return self._insert_all(self._INSERT, rows)
        count = 0
        for batch in _batches(rows):  # an update that also replaces other names
            count += self._insert_all(self._INSERT, batch)
            self._insert_all("INSERT INTO npi_import_touched VALUES (?)",
                             [(row[1],) for row in batch])
        return count

    def load_other_names(self, rows: Iterator[OtherNameRow]) -> int:
        return self._insert_all("INSERT INTO npi_import_other_names VALUES (?, ?, ?, ?)", rows)

    def _insert_all(self, sql: str, rows: Iterable[tuple[Any, ...]]) -> int:
        cursor: Any = self.connection.connection.cursor()
        try:
            cursor.executemany(sql, rows)
            return int(cursor.rowcount)  # rows inserted; a REPLACE counts once
        finally:
            cursor.close()


class _PostgresLoader(_Loader):
    _MERGE = [
        "DELETE FROM npi_records WHERE npi IN (SELECT npi FROM npi_import_records)",
        f"INSERT INTO npi_records ({_COLUMNS}) SELECT DISTINCT ON (npi) {_COLUMNS} "  # noqa: S608
        "FROM npi_import_records ORDER BY npi, line DESC",
    ]

    def start(self) -> None:
        # Room for the one big sort and the index build, for this transaction only.
        self._execute("SET LOCAL maintenance_work_mem = '256MB'")
        self._execute("SET LOCAL work_mem = '64MB'")
        super().start()
        self.table_was_empty = self.connection.scalar(
            select(NpiRecord.npi).limit(1)) is None

    def load_records(self, rows: Iterator[RecordRow]) -> int:
        count = 0
        if self.table_was_empty:
            # A first load copies straight into the table for as long as NPIs increase (a
            # monthly file is in NPI order): no duplicate is possible, no second copy made.
            ordered = _WhileIncreasing(rows)
            count += self._copy("npi_records", RECORD_COLUMNS, ordered)
            rows = ordered.rest()
        staged = self._copy("npi_import_records", ("line", *RECORD_COLUMNS), rows)
        if staged:
            # Temporary tables get no statistics by themselves; without them the planner may
            # scan the whole registry to find the few NPIs of a weekly file.
            self._execute("ANALYZE npi_import_records")
            for statement in self._MERGE:
                self._execute(statement)
            if self.replace_other_names:  # their old other names go in finish()
                self._execute("INSERT INTO npi_import_touched SELECT npi FROM npi_import_records")
        return count + staged

    def load_other_names(self, rows: Iterator[OtherNameRow]) -> int:
        count = self._copy("npi_import_other_names", OTHER_NAME_COLUMNS, rows)
        self._execute("ANALYZE npi_import_other_names")
        return count

    def _copy(self, table: str, columns: tuple[str, ...], rows: Iterable[tuple[Any, ...]]
              ) -> int:
        count = 0
        raw = _driver(self.connection)
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count


def _loader_for(connection: Connection, replace_other_names: bool) -> _Loader:
    dialect = connection.dialect.name
    if dialect == "sqlite":
        return _SqliteLoader(connection, replace_other_names)
    if dialect == "postgresql":
        return _PostgresLoader(connection, replace_other_names)
    raise NotImplementedError(f"no bulk import for {dialect}")


class _WhileIncreasing:
    """Rows without their line number while NPIs strictly increase; ``rest()`` is the first
    row out of order and every row after it, line numbers kept."""

    def __init__(self, rows: Iterator[RecordRow]) -> None:
        self.rows = rows
        self.stopped_at: RecordRow | None = None

    def __iter__(self) -> Iterator[tuple[object, ...]]:
        previous = ""
        for row in self.rows:
            npi = row[1]
            if npi <= previous:  # type: ignore[operator]
                self.stopped_at = row
                return
            previous = npi  # type: ignore[assignment]
            yield row[1:]

    def rest(self) -> Iterator[RecordRow]:
        if self.stopped_at is not None:
            yield self.stopped_at
        yield from self.rows


def _driver(connection: Connection) -> Any:
    """The DB-API connection under SQLAlchemy's, for COPY and executemany."""
    return connection.connection.driver_connection


def _batches(rows: Iterable[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch
