"""Loading the lists into the database: streamed, in bulk, all or nothing.

The header is checked before anything changes (the reader raises on the first row), then a
list replaces its source's rows in one transaction: ``DELETE`` the source, ``COPY``
(PostgreSQL) or ``executemany`` (SQLite) the file in, commit. Until the commit, screening
and reviews keep reading the previous month's list; if anything fails, it stays.

The Deactivated NPI Report goes into the offline registry (``npi_records``) the way the
weekly NPPES file would bring a deactivation: the NPI becomes inactive with its date, unless
the registry already knows a reactivation on or after it; an NPI the registry does not hold
gets the blank record NPPES publishes for a deactivated NPI.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

from sqlalchemy import Connection, text

from idp_bridge.exclusions.files import Deactivation, ExclusionRow
from idp_bridge.exclusions.progress import Progress
from idp_bridge.extensions import db
from idp_bridge.npi.bulk_file import Refusals

T = TypeVar("T")
EXCLUSION_COLUMNS = ("source", "line", "npi", "name", "name_key", "state", "exclusion_type",
                     "excluded_on", "ended_on", "record_active", "waiver_on", "waiver_state")


class Reader(Protocol[T]):  # type: ignore[misc]
    refusals: Refusals
    total_bytes: int

    def rows(self) -> Iterator[T]: ...

    def position(self) -> int: ...


@dataclass
class LoadResult:
    rows: int = 0
    npi_invalid: int = 0  # rows kept, but their NPI's check digit is wrong (name-only)
    refusals: Refusals = field(default_factory=Refusals)
    seconds: float = 0.0


def _started(reader: Any, label: str) -> Iterator[Any]:
    """The reader's rows with a progress line; the header is checked here, before any change."""
    rows = reader.rows()
    first = next(rows, None)  # raises NotAnExclusionFile for a wrong layout
    progress = Progress(label, lambda: reader.total_bytes, lambda: reader.position())
    return progress.track(itertools.chain([] if first is None else [first], rows))


def load_exclusions(source: str, reader: Any, label: str) -> LoadResult:
    """Replace ``source``'s rows (leie | sam) with the file's, in one transaction."""
    started = time.perf_counter()
    result = LoadResult(refusals=reader.refusals)
    rows = _started(reader, label)
    invalid = itertools.count()

    def stored(rows: Iterable[ExclusionRow]) -> Iterator[tuple[Any, ...]]:
        for row in rows:
            if row.npi_invalid:
                next(invalid)
            yield (source, row.line, row.npi, row.name, row.name_key, row.state,
                   row.exclusion_type, row.excluded_on, row.ended_on, row.record_active,
                   row.waiver_on, row.waiver_state)

    connection = db.session.connection()
    try:
        connection.execute(text("DELETE FROM exclusion_records WHERE source = :source"),
                           {"source": source})
        result.rows = _bulk_insert(connection, "exclusion_records", EXCLUSION_COLUMNS,
                                   stored(rows))
        if connection.dialect.name == "postgresql":
            connection.execute(text("ANALYZE exclusion_records"))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    result.npi_invalid = next(invalid)
    result.seconds = time.perf_counter() - started
    return result


_STAGE = "npi_deactivation_stage"
_APPLY = [
    # An NPI the registry holds: inactive from the date, unless reactivated on or after it.
    f"UPDATE npi_records SET active = false, deactivated_on = ("  # noqa: S608
    f" SELECT max(s.deactivated_on) FROM {_STAGE} s WHERE s.npi = npi_records.npi) "
    f"WHERE npi IN (SELECT npi FROM {_STAGE}) AND (reactivated_on IS NULL OR "
    f" reactivated_on < (SELECT max(s.deactivated_on) FROM {_STAGE} s "
    f"  WHERE s.npi = npi_records.npi))",
    # One it does not: the blank record NPPES publishes for a deactivated NPI.
    "INSERT INTO npi_records (npi, entity_type, active, name, location_line1, location_line2,"  # noqa: S608
    " location_city, location_state, location_postal_code, mailing_line1, mailing_line2,"
    " mailing_city, mailing_state, mailing_postal_code, taxonomy_codes, primary_taxonomy,"
    " deactivated_on, reactivated_on) "
    "SELECT s.npi, 0, false, '', '', '', '', '', '', '', '', '', '', '', '', '',"  # noqa: S608
    f" max(s.deactivated_on), NULL FROM {_STAGE} s "
    "WHERE NOT EXISTS (SELECT 1 FROM npi_records r WHERE r.npi = s.npi) GROUP BY s.npi",
]  # (assembled from constants only, never from input)


def load_deactivations(reader: Any, label: str) -> LoadResult:
    """Apply a Deactivated NPI Report to the offline registry, in one transaction."""
    started = time.perf_counter()
    result = LoadResult(refusals=reader.refusals)
    rows: Iterator[Deactivation] = _started(reader, label)
    connection = db.session.connection()
    try:
        connection.execute(text(f"DROP TABLE IF EXISTS {_STAGE}"))
        connection.execute(text(f"CREATE TEMPORARY TABLE {_STAGE} "
                                "(npi VARCHAR(10), deactivated_on DATE)"))
        result.rows = _bulk_insert(connection, _STAGE, ("npi", "deactivated_on"),
                                   ((row.npi, row.deactivated_on) for row in rows))
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"ANALYZE {_STAGE}"))
        for statement in _APPLY:
            connection.execute(text(statement))
        connection.execute(text(f"DROP TABLE {_STAGE}"))
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    result.seconds = time.perf_counter() - started
    return result


def _bulk_insert(connection: Connection, table: str, columns: tuple[str, ...],
                 rows: Iterable[tuple[Any, ...]]) -> int:
    """COPY on PostgreSQL, executemany on SQLite: rows pulled one by one, never a list."""
    raw = connection.connection.driver_connection
    names = ", ".join(columns)
    if connection.dialect.name == "postgresql":
        count = 0
        with raw.cursor() as cursor, cursor.copy(  # type: ignore[union-attr]
                f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    if not raw.in_transaction:  # type: ignore[union-attr]
        raw.execute("BEGIN")  # type: ignore[union-attr]
    counted = _Counted(rows)
    sqlite_cursor: Any = connection.connection.cursor()
    try:
        sqlite_cursor.executemany(f"INSERT INTO {table} ({names}) VALUES "  # noqa: S608
                           f"({', '.join('?' for _ in columns)})", counted)
    finally:
        sqlite_cursor.close()
    return counted.count


class _Counted:
    def __init__(self, rows: Iterable[tuple[Any, ...]]) -> None:
        self.rows = iter(rows)
        self.count = 0

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        for row in self.rows:
            self.count += 1
            yield row
