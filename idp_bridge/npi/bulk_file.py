"""Reading NPPES Data Dissemination files fast, one line at a time, in bounded memory.

The monthly ``npidata_pfile`` has ~9 M lines of 330 columns. NPPES double-quotes every value
and replaces quotes inside values by apostrophes (Readme, shared/reference/nppes.md §1.6),
so a well-formed line is exactly ``"v1","v2",…,"vN"``: such a line is split with
``str.split``, several times faster than the csv module. Any other line (a file saved with
minimal quoting, say) goes through the csv module. A line that still does not have the
header's column count, or whose values do not make sense, is refused with its line number;
the lines around it are unaffected.

Columns are found by their header names, never by position, so a file with fewer columns (a
hand-made test file) and a real monthly or weekly file read the same way. Line numbers count
the header as line 1, as an editor shows them.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO

from idp_bridge.npi import bulk_format as col

# One staged record, in this order (see bulk_import.RECORD_COLUMNS):
# line, npi, entity_type, active, name, location ×5, mailing ×5, taxonomy_codes,
# primary_taxonomy, deactivated_on, reactivated_on
RecordRow = tuple[object, ...]
# line, npi, name, type_code
OtherNameRow = tuple[int, str, str, str]

_ADDRESS_FIELDS = ("line1", "line2", "city", "state", "postal_code")


@dataclass(frozen=True)
class Refusal:
    """A line that was not imported, and why; ``str()`` is the operator's message."""

    file: str
    line: int
    reason: str

    def __str__(self) -> str:
        return f"{self.file}, line {self.line}: {self.reason}"


class Refusals:
    """The refused lines of one import: the first ``keep`` in full, the rest counted, so a
    file that is wrong throughout cannot exhaust memory."""

    def __init__(self, keep: int = 100) -> None:
        self.keep = keep
        self.first: list[Refusal] = []
        self.count = 0

    def add(self, refusal: Refusal) -> None:
        self.count += 1
        if len(self.first) < self.keep:
            self.first.append(refusal)


class NotAnNppesFile(ValueError):
    """The file as a whole cannot be read as the NPPES file it should be."""


class _BadRow(ValueError):
    pass


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        # Older files were Windows-1252; a stray byte must not stop an 8 M-line load.
        text = raw.decode("cp1252", errors="replace")
    if "\x00" in text:  # PostgreSQL cannot store it; nothing in NPPES has one
        raise _BadRow("the line contains a NUL character")
    return text.rstrip("\r\n")


class _Splitter:
    """Splits one line into its values, fast for NPPES-quoted lines."""

    def __init__(self, width: int, needed: int) -> None:
        self.width = width
        self.separators = width - 1
        self.maxsplit = min(needed + 1, width - 1)  # the unneeded tail stays one string

    def split(self, text: str) -> list[str]:
        # width values, each quoted, none containing a quote (NPPES replaces them): '","'
        # separates them and nothing else can.
        if text.count('","') == self.separators and text[:1] == text[-1:] == '"':
            return text[1:-1].split('","', self.maxsplit)
        return self.split_csv(text)

    def split_csv(self, text: str) -> list[str]:
        fields = next(csv.reader([text]), [])
        if len(fields) != self.width:
            raise _BadRow(f"expected {self.width} columns, found {len(fields)}")
        return fields


def _header(path: Path, first: bytes, kind: str, required: list[str],
            exact: bool = False) -> list[str]:
    if not first.strip():
        raise NotAnNppesFile(f"{path.name} is empty.")
    header = first.decode("utf-8", errors="replace").lstrip("\ufeff")
    names = [n.strip() for n in next(csv.reader([header]), [])]
    missing = [n for n in required if n not in names]
    if missing:
        raise NotAnNppesFile(f"{path.name} is not an NPPES {kind} file: its header has no "
                             f"column {missing[0]!r}.")
    if exact and len(names) != len(required):
        raise NotAnNppesFile(f"{path.name} is not an NPPES {kind} file: its header has "
                             f"{len(names)} columns, not {len(required)}.")
    return names


def _iso_date(value: str, column: str) -> str | None:
    """NPPES writes MM/DD/YYYY; the database gets YYYY-MM-DD."""
    if not value:
        return None
    if len(value) == 10 and value[2] == value[5] == "/" and (
            value[:2] + value[3:5] + value[6:]).isdigit():
        return f"{value[6:]}-{value[:2]}-{value[3:5]}"
    raise _BadRow(f"{column} {value!r} is not a date MM/DD/YYYY")


def _status(deactivation: str, reactivation: str) -> tuple[bool, str | None, str | None]:
    """(active, deactivated_on, reactivated_on): NPPES keeps a deactivated NPI's line, and a
    reactivation dated on or after the deactivation brings it back."""
    deactivated = _iso_date(deactivation, col.DEACTIVATION_DATE)
    reactivated = _iso_date(reactivation, col.REACTIVATION_DATE)
    active = deactivated is None or (reactivated is not None and reactivated >= deactivated)
    return active, deactivated, reactivated


def _check_npi(npi: str) -> str:
    if len(npi) != 10 or not (npi.isascii() and npi.isdigit()):
        raise _BadRow(f"NPI {npi!r} is not 10 digits")
    return npi


_NPIDATA_REQUIRED = [
    col.NPI, col.ENTITY_TYPE, col.ORGANIZATION_NAME, col.LAST_NAME, col.FIRST_NAME,
    col.DEACTIVATION_DATE, col.REACTIVATION_DATE,
    *col.address_columns(col.LOCATION_BLOCK).values(),
    *col.address_columns(col.MAILING_BLOCK).values(), col.taxonomy_columns(1)[0]]
_ENTITY_TYPES = {"1": 1, "2": 2}


class NpidataReader:
    """Rows of an ``npidata_pfile`` (monthly full or weekly update) ready for staging:
    ``(line, npi, entity_type, active, name, location ×5, mailing ×5, taxonomy_codes,
    primary_taxonomy, deactivated_on, reactivated_on)``."""

    def __init__(self, path: Path, refusals: Refusals) -> None:
        self.path = path
        self.refusals = refusals

    def rows(self) -> Iterator[RecordRow]:
        with self.path.open("rb") as handle:
            yield from self._rows(handle)

    def _rows(self, handle: BinaryIO) -> Iterator[RecordRow]:
        # One loop, no call per value: at ~9 M lines every microsecond is 9 seconds.
        names = _header(self.path, handle.readline(), "npidata", _NPIDATA_REQUIRED)
        index = {name: i for i, name in enumerate(names)}
        slots = [col.taxonomy_columns(s) for s in range(1, col.TAXONOMY_SLOTS + 1)
                 if col.taxonomy_columns(s)[0] in index]
        wanted = [col.NPI, col.ENTITY_TYPE, col.ORGANIZATION_NAME, col.FIRST_NAME,
                  col.LAST_NAME, col.DEACTIVATION_DATE, col.REACTIVATION_DATE,
                  *(col.address_columns(col.LOCATION_BLOCK)[f] for f in _ADDRESS_FIELDS),
                  *(col.address_columns(col.MAILING_BLOCK)[f] for f in _ADDRESS_FIELDS),
                  *(code for code, _ in slots), *(switch for _, switch in slots)]
        positions = [index[name] for name in wanted]
        pick = itemgetter(*positions)
        splitter = _Splitter(len(names), max(positions))
        separators, maxsplit = splitter.separators, splitter.maxsplit
        codes, switches = slice(17, 17 + len(slots)), slice(17 + len(slots), None)
        entity_types = _ENTITY_TYPES
        number = 1
        for raw in handle:
            number += 1
            try:
                text = _decode(raw)
                if text.count('","') == separators and text[:1] == text[-1:] == '"':
                    values = pick(text[1:-1].split('","', maxsplit))
                elif text:
                    values = pick(splitter.split_csv(text))
                else:
                    continue
                npi = values[0]
                if len(npi) != 10 or not (npi.isascii() and npi.isdigit()):
                    _check_npi(npi)
                if values[5] or values[6]:
                    active, deactivated, reactivated = _status(values[5], values[6])
                else:
                    active, deactivated, reactivated = True, None, None
                entity_type = entity_types.get(values[1], 0)
                if entity_type == 2:
                    name = values[2].strip()
                elif entity_type == 1:
                    name = f"{values[3].strip()} {values[4].strip()}".strip()
                elif values[1] == "" and not active:
                    name = ""  # NPPES blanks a deactivated NPI's other values
                else:
                    raise _BadRow(f"Entity Type Code {values[1]!r} is not 1 or 2")
                flags = values[switches]
                primary = values[codes][flags.index("Y")] if "Y" in flags else ""
                if len(primary) > 10:
                    raise _BadRow(f"taxonomy code {primary!r} is longer than 10 characters")
                yield (number, npi, entity_type, active, name, *values[7:17],
                       " ".join(values[codes]).strip(), primary, deactivated, reactivated)
            except _BadRow as exc:
                self.refusals.add(Refusal(self.path.name, number, str(exc)))


class OthernameReader:
    """Rows of an ``othername_pfile``: an organization's DBA and former names."""

    def __init__(self, path: Path, refusals: Refusals) -> None:
        self.path = path
        self.refusals = refusals

    def rows(self) -> Iterator[OtherNameRow]:
        with self.path.open("rb") as handle:
            names = _header(self.path, handle.readline(), "othername",
                            col.OTHERNAME_COLUMNS, exact=True)
            index = {name: i for i, name in enumerate(names)}
            positions = [index[n] for n in col.OTHERNAME_COLUMNS]
            pick = itemgetter(*positions)
            splitter = _Splitter(len(names), max(positions))
            for number, raw in enumerate(handle, 2):
                try:
                    text = _decode(raw)
                    if not text:
                        continue
                    npi, name, type_code = pick(splitter.split(text))
                    type_code = type_code.strip()
                    if not (type_code.isascii() and type_code.isdigit() and len(type_code) <= 2):
                        raise _BadRow(f"{col.OTHER_ORGANIZATION_NAME_TYPE} {type_code!r} "
                                      "is not a type code")
                    yield number, _check_npi(npi), name.strip(), type_code
                except _BadRow as exc:
                    self.refusals.add(Refusal(self.path.name, number, str(exc)))
