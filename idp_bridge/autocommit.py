"""Statements that commit by themselves, run on the database driver's own cursor.

Every request reads its session row, a sign-in records itself and looks for an unfinished
registration, a wizard screen reads its draft, the header reads the person's organizations:
single statements, each its own unit of work. Through SQLAlchemy's ``Connection`` each cost
about twice what the driver alone costs for the same statement (issue 26: 660 against 380 µs
of CPU after the thread had waited, 110 against 55 µs in a loop; bench/NOTES.md): the
connection object and its isolation level set and reset at every checkout, the execution
context, the result object. The durable floors of the benchmark run theirs on the driver's
cursor; these do too.

They are still written with SQLAlchemy Core, next to their tables, and compiled by
SQLAlchemy once per dialect. Their values are bound through their types' bind processors and
their rows come back through the result processors (SQLite answers dates and JSON as text),
so a caller sees what ``Connection.execute`` would have given it. A driver error is raised as
SQLAlchemy's own (``IntegrityError``, ``OperationalError``...), and a connection the server
dropped is discarded from the pool. The engine's ``before_cursor_execute`` listeners still
see each statement (the benchmark and the tests count statements that way), with ``None``
for the connection and the execution context, which these statements do not have.

A statement whose columns take a Python-side default or ``onupdate`` is refused when first
compiled: nothing here would fill it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement

from idp_bridge.extensions import db

Processor = Callable[[Any], Any]


class Row(dict[str, Any]):
    """One row, by column name: ``row["brand"]`` or ``row.brand``."""

    __slots__ = ()

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


@dataclass(frozen=True)
class Outcome:
    rows: list[Row]
    rowcount: int

    def first(self) -> Row | None:
        return self.rows[0] if self.rows else None

    def scalar(self) -> Any:
        return next(iter(self.rows[0].values())) if self.rows else None

    def __iter__(self) -> Iterator[Row]:
        return iter(self.rows)


@dataclass
class _Compiled:
    compiled: Any  # SQLAlchemy's compiled form, for this dialect
    sql: str
    positions: tuple[str, ...] | None  # the parameters' order, for a positional driver
    binds: dict[str, Processor]
    names: tuple[str, ...]
    types: tuple[Any, ...]  # each result column's type, for this dialect
    # Known from the first answer's description: a driver's type code can choose one.
    results: tuple[Processor | None, ...] | None = None

    def parameters(self, values: Mapping[str, Any]) -> Any:
        bound = dict(self.compiled.construct_params(values))
        for name, process in self.binds.items():
            bound[name] = process(bound[name])
        return bound if self.positions is None else tuple(bound[n] for n in self.positions)

    def rows(self, dialect: Dialect, description: Any, found: list[Any]) -> list[Row]:
        if not found:
            return []
        if self.results is None:  # the first answer with rows: its description is read
            self.results = tuple(kind.result_processor(dialect, column[1])
                                 for kind, column in zip(self.types, description, strict=True))
        return [Row(zip(self.names, (value if process is None else process(value)
                                     for process, value in zip(self.results, values,
                                                               strict=True)), strict=True))
                for values in found]


class AutocommitStatement:
    """A Core statement run as one statement committing by itself: ``.run(name=value)``."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def run(self, **values: Any) -> Outcome:
        engine = db.engine
        dialect = engine.dialect
        compiled = self._compiled.get((dialect.name, dialect.driver)) or self._compile(dialect)
        parameters = compiled.parameters(values)
        raw = engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            with _committing_alone(dialect, driver):
                cursor = driver.cursor()
                try:
                    if engine.dispatch.before_cursor_execute:
                        engine.dispatch.before_cursor_execute(
                            None, cursor, compiled.sql, parameters, None, False)
                    cursor.execute(compiled.sql, parameters)
                    # Whether rows come back is the statement's (a SELECT, a RETURNING):
                    # psycopg builds the description's column objects at each read of it.
                    found = cursor.fetchall() if compiled.names else []
                    description = cursor.description if found and compiled.results is None \
                        else None
                    count = cursor.rowcount
                finally:
                    cursor.close()
        except dialect.loaded_dbapi.Error as exc:
            dropped = dialect.is_disconnect(exc, raw.dbapi_connection, None)
            if dropped:
                raw.invalidate(exc)
            raise DBAPIError.instance(compiled.sql, parameters, exc, dialect.loaded_dbapi.Error,
                                      connection_invalidated=dropped, dialect=dialect) from exc
        finally:
            raw.close()
        return Outcome(compiled.rows(dialect, description, found), count)

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled: Any = self.statement.compile(dialect=dialect)
        if compiled.insert_prefetch or compiled.update_prefetch or \
                compiled.escaped_bind_names:
            raise ValueError("a column of this statement takes a Python-side default (or a "
                             "bound name needs escaping): run it through SQLAlchemy")
        binds = {name: process for bind, name in compiled.bind_names.items()
                 if (process := bind.type.dialect_impl(dialect).bind_processor(dialect))}
        columns = list(getattr(self.statement, "exported_columns", ()))
        made = _Compiled(
            compiled=compiled,
            sql=compiled.string,
            positions=tuple(compiled.positiontup) if compiled.positional else None,
            binds=binds,
            names=tuple(column.key for column in columns),
            types=tuple(column.type.dialect_impl(dialect) for column in columns))
        self._compiled[(dialect.name, dialect.driver)] = made
        return made


@contextmanager
def _committing_alone(dialect: Dialect, driver: Any) -> Iterator[None]:
    """PostgreSQL: no transaction at all (psycopg sends BEGIN as a round trip of its own).
    SQLite: the driver begins one before a write; it is committed at once."""
    if dialect.name == "postgresql":
        driver.autocommit = True
        try:
            yield
        finally:
            driver.autocommit = False
        return
    try:
        yield
    except BaseException:
        if driver.in_transaction:
            driver.rollback()
        raise
    if driver.in_transaction:
        driver.commit()
