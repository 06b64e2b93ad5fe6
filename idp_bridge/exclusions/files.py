"""Reading the LEIE, the SAM extract and the Deactivated NPI Report: streamed, bounded, refused
line by line.

Every reader checks the header first and raises :class:`NotAnExclusionFile` before yielding a
single row, so a file of the wrong layout changes nothing. After that a line that cannot be
read (too long, not UTF-8 or Windows-1252, a NUL, a bad date, the wrong column count) is
refused with its line number and counted (:class:`Refusals`, the registry import's), and the
lines around it are unaffected. A line is read with a byte limit: a hostile file without
newlines cannot make the import hold more than ``MAX_LINE_BYTES`` at once.
"""

from __future__ import annotations

import csv
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.etree.ElementTree import iterparse

from idp_bridge.exclusions import layouts
from idp_bridge.exclusions.matching import name_key
from idp_bridge.npi.bulk_file import Refusal, Refusals

MAX_LINE_BYTES = 64 * 1024  # the longest real SAM line is under 2 KB
MAX_MEMBER_BYTES = 2 * 1024**3  # a zip member claiming more is refused, not inflated
MAX_SHARED_STRINGS = 2_000_000

# Position -> progress: (bytes read so far) for the terminal's progress line.
Position = Callable[[], int]


class NotAnExclusionFile(ValueError):
    """The file as a whole is not the layout it should be; nothing was read from it."""


class BadLine(ValueError):
    pass


class ExclusionRow(NamedTuple):
    """One listed exclusion, as stored (see models.ExclusionRecord)."""

    line: int
    npi: str  # "" when the list gives none, or one whose check digit is wrong
    name: str  # as listed: the business name, or FIRST MIDDLE LAST
    name_key: str  # normalized business name ("" for an individual)
    state: str
    exclusion_type: str
    excluded_on: date
    ended_on: date | None  # reinstated (LEIE) or terminated (SAM)
    record_active: bool  # SAM's Record Status; always True for the LEIE
    waiver_on: date | None
    waiver_state: str
    npi_invalid: bool  # an NPI was listed but its check digit is wrong


class Deactivation(NamedTuple):
    line: int
    npi: str
    deactivated_on: date


def npi_or_blank(value: str) -> tuple[str, bool]:
    """(npi, listed_but_invalid): the lists write "0000000000" or nothing for "no NPI"."""
    value = value.strip()
    if not value or set(value) == {"0"}:
        return "", False
    if len(value) == 10 and value.isascii() and value.isdigit() and _luhn_ok(value):
        return value, False
    return "", True


_DOUBLED = tuple(d * 2 - 9 if d * 2 > 9 else d * 2 for d in range(10))
_PREFIX_SUM = 24  # CMS: the 80840 prefix's contribution, for a 10-digit NPI


def _luhn_ok(npi: str) -> bool:
    """CMS's NPI check digit (Luhn over 80840 + NPI), without python-stdnum's per-value
    cache: a 330,000-row list would fill it."""
    total = _PREFIX_SUM
    for position, char in enumerate(reversed(npi)):
        digit = ord(char) - 48
        total += _DOUBLED[digit] if position % 2 else digit
    return total % 10 == 0


def yyyymmdd(value: str, column: str) -> date | None:
    value = value.strip()
    if not value or set(value) == {"0"}:
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
    raise BadLine(f"{column} {_show(value)} is not a date YYYYMMDD")


def mmddyyyy(value: str, column: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    match = re.fullmatch(r"(\d{1,2})/(\d{1,2})/(\d{4})", value)
    if match:
        try:
            return date(int(match[3]), int(match[1]), int(match[2]))
        except ValueError:
            pass
    raise BadLine(f"{column} {_show(value)} is not a date MM/DD/YYYY")


def _show(value: str) -> str:
    """A value for the operator's console: repr (control characters escaped, so a hostile
    cell cannot move the cursor or recolour the terminal), at most 40 characters."""
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


def _decode(raw: bytes) -> str:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")  # OIG's older files
    if "\x00" in text:
        raise BadLine("the line contains a NUL character")
    return text


def _lines(handle: IO[bytes]) -> Iterator[tuple[int, str | BadLine]]:
    """(line number, text or why not): a line longer than MAX_LINE_BYTES is skipped unread.
    A quoted value spanning lines (SAM's comments) is joined, within the same limit."""
    number = 0
    pending = ""
    start = 0
    while raw := handle.readline(MAX_LINE_BYTES + 1):
        number += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            while (rest := handle.readline(MAX_LINE_BYTES)) and not rest.endswith(b"\n"):
                pass
            pending = ""
            yield number, BadLine(f"the line is longer than {MAX_LINE_BYTES:,} bytes")
            continue
        try:
            text = _decode(raw)
        except BadLine as exc:
            pending = ""
            yield number, exc
            continue
        if number == 1:
            text = text.lstrip("\ufeff")
        if not pending:
            start = number
        pending += text
        if pending.count('"') % 2:  # inside a quoted value: the record goes on
            if len(pending) > MAX_LINE_BYTES:
                pending = ""
                yield start, BadLine("a quoted value is never closed")
            continue
        record, pending = pending.rstrip("\r\n"), ""
        if record:
            yield start, record
    if pending:
        yield start, BadLine("a quoted value is never closed")


def _fields(text: str, width: int) -> list[str]:
    try:
        fields = next(csv.reader([text]), [])
    except csv.Error as exc:
        raise BadLine(f"the line is not CSV ({exc})") from exc
    if len(fields) != width:
        raise BadLine(f"expected {width} columns, found {len(fields)}")
    return fields


def _check_header(text: str | BadLine, expected: tuple[str, ...], kind: str,
                  file: str) -> None:
    if isinstance(text, BadLine):
        raise NotAnExclusionFile(f"{file} is not {kind}: its first line cannot be read "
                                 f"({text}).")
    names = tuple(n.strip() for n in next(csv.reader([text]), []))
    if names != expected:
        wrong = next((i for i, (a, b) in enumerate(zip(names, expected, strict=False))
                      if a != b),
                     min(len(names), len(expected)))
        found = _show(names[wrong]) if wrong < len(names) else "nothing"
        wanted = repr(expected[wrong]) if wrong < len(expected) else "no more columns"
        raise NotAnExclusionFile(
            f"{file} is not {kind}: its header has {len(names)} columns, column "
            f"{wrong + 1} is {found} where {wanted} belongs.")


class _Reader:
    kind = ""
    columns: tuple[str, ...] = ()

    def __init__(self, path: Path, refusals: Refusals) -> None:
        self.path = path
        self.refusals = refusals
        self.total_bytes = 0
        self.position: Position = lambda: 0

    def _read(self, handle: IO[bytes], file: str) -> Iterator[ExclusionRow]:
        lines = _lines(handle)
        first = next(lines, (1, BadLine("the file is empty")))
        _check_header(first[1], self.columns, self.kind, file)
        for number, text in lines:
            try:
                if isinstance(text, BadLine):
                    raise text
                yield self._row(number, _fields(text, len(self.columns)))
            except BadLine as exc:
                self.refusals.add(Refusal(file, number, str(exc)))

    def _row(self, number: int, values: list[str]) -> ExclusionRow:
        raise NotImplementedError


class LeieReader(_Reader):
    """OIG's UPDATED.csv: a row is an exclusion in force unless it names a reinstatement."""

    kind = "the OIG LEIE (UPDATED.csv, 18 columns)"
    columns = layouts.LEIE_COLUMNS

    def rows(self) -> Iterator[ExclusionRow]:
        self.total_bytes = self.path.stat().st_size
        with self.path.open("rb") as handle:
            self.position = handle.tell
            yield from self._read(handle, self.path.name)

    def _row(self, number: int, v: list[str]) -> ExclusionRow:
        (last, first, middle, business, _general, _specialty, _upin, npi_value, _dob,
         _address, _city, state, _zip, excl_type, excl_date, rein_date, waiver_date,
         waiver_state) = (value.strip() for value in v)
        excluded_on = yyyymmdd(excl_date, "EXCLDATE")
        if excluded_on is None:
            raise BadLine("EXCLDATE is empty")
        if not (business or last):
            raise BadLine("neither BUSNAME nor LASTNAME is given")
        npi, invalid = npi_or_blank(npi_value)
        name = business or " ".join(p for p in (first, middle, last) if p)
        return ExclusionRow(number, npi, name, name_key(business) if business else "",
                            state[:2].upper(), excl_type[:64], excluded_on,
                            yyyymmdd(rein_date, "REINDATE"), True,
                            yyyymmdd(waiver_date, "WAIVERDATE"), waiver_state[:2].upper(),
                            invalid)


class SamReader(_Reader):
    """The SAM.gov public extract: a ZIP holding one CSV (a bare CSV is read the same)."""

    kind = "the SAM.gov Exclusions Public Extract V2 (31 columns)"
    columns = layouts.SAM_COLUMNS

    def rows(self) -> Iterator[ExclusionRow]:
        if not zipfile.is_zipfile(self.path):
            self.total_bytes = self.path.stat().st_size
            with self.path.open("rb") as handle:
                self.position = handle.tell
                yield from self._read(handle, self.path.name)
            return
        with zipfile.ZipFile(self.path) as archive:
            member = _only_member(archive, ".csv", self.path.name, self.kind)
            self.total_bytes = member.file_size
            with archive.open(member) as handle:
                self.position = handle.tell
                yield from self._read(handle, member.filename)

    def _row(self, number: int, v: list[str]) -> ExclusionRow:
        values = dict(zip(self.columns, (value.strip() for value in v), strict=True))
        classification = values["Classification"]
        active_on = mmddyyyy(values["Active Date"], "Active Date")
        if active_on is None:
            raise BadLine("Active Date is empty")
        termination = values["Termination Date"]
        ended_on = None if termination in layouts.SAM_OPEN_ENDED else \
            mmddyyyy(termination, "Termination Date")
        status = values["Record Status"]
        if status not in ("Active", "Inactive", ""):
            raise BadLine(f"Record Status {_show(status)} is not Active or Inactive")
        firm = classification in layouts.SAM_FIRM_CLASSIFICATIONS
        name = values["Name"] if firm or values["Name"] else " ".join(
            p for p in (values["First"], values["Middle"], values["Last"]) if p)
        if not name:
            raise BadLine("no Name, First or Last is given")
        npi, invalid = npi_or_blank(values["NPI"])
        return ExclusionRow(number, npi, name, name_key(name) if firm else "",
                            values["State / Province"][:2].upper(),
                            values["Exclusion Type"][:64], active_on, ended_on,
                            status != "Inactive", None, "", invalid)


def _only_member(archive: zipfile.ZipFile, suffix: str, file: str, kind: str
                 ) -> zipfile.ZipInfo:
    members = [m for m in archive.infolist() if m.filename.lower().endswith(suffix)
               and not m.is_dir()]
    if len(members) != 1:
        raise NotAnExclusionFile(f"{file} is not {kind}: it holds {len(members)} "
                                 f"{suffix} files, not one.")
    if members[0].file_size > MAX_MEMBER_BYTES:
        raise NotAnExclusionFile(f"{file}: {members[0].filename} would unpack to "
                                 f"{members[0].file_size:,} bytes; refused.")
    return members[0]


# The Deactivated NPI Report -----------------------------------------------------------------

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_EXCEL_EPOCH = date(1899, 12, 30).toordinal()


class DeactivationReportReader:
    """NPPES_Deactivated_NPI_Report_*.zip (or the .xlsx it holds): the first sheet, read as
    an XML stream one row at a time. Two header rows (a title, then ``NPI``, ``NPPES
    Deactivation Date``); then one NPI a row, its date MM/DD/YYYY (or an Excel date)."""

    kind = "an NPPES Deactivated NPI Report (.zip holding one .xlsx)"

    def __init__(self, path: Path, refusals: Refusals) -> None:
        self.path = path
        self.refusals = refusals
        self.total_bytes = 0
        self.position: Position = lambda: 0

    def rows(self) -> Iterator[Deactivation]:
        if not zipfile.is_zipfile(self.path):
            raise NotAnExclusionFile(f"{self.path.name} is not {self.kind}: not a zip file.")
        with zipfile.ZipFile(self.path) as outer:
            names = [n.lower() for n in outer.namelist()]
            if "xl/workbook.xml" in names:  # the .xlsx itself
                yield from self._workbook(outer, self.path.name)
                return
            member = _only_member(outer, ".xlsx", self.path.name, self.kind)
            # A zip inside a zip: copied out (bounded above) so the inner one can seek.
            with tempfile.TemporaryFile() as copy:
                with outer.open(member) as source:
                    shutil.copyfileobj(source, copy, 1024 * 1024)
                copy.seek(0)
                if not zipfile.is_zipfile(copy):
                    raise NotAnExclusionFile(f"{member.filename} in {self.path.name} is not "
                                             "an .xlsx workbook.")
                with zipfile.ZipFile(copy) as workbook:
                    yield from self._workbook(workbook, member.filename)

    def _workbook(self, book: zipfile.ZipFile, file: str) -> Iterator[Deactivation]:
        sheet = _first_sheet(book, file, self.kind)
        info = book.getinfo(sheet)
        if info.file_size > MAX_MEMBER_BYTES:
            raise NotAnExclusionFile(f"{file}: the sheet would unpack to {info.file_size:,} "
                                     "bytes; refused.")
        shared = _shared_strings(book)
        self.total_bytes = info.file_size
        with book.open(info) as stream:
            self.position = stream.tell
            rows = _sheet_rows(stream, shared)
            header = [next(rows, (0, [])) for _ in range(layouts.DEACTIVATION_HEADER_ROWS)]
            names = tuple(v.strip() for v in header[-1][1][:2])
            if names != layouts.DEACTIVATION_COLUMNS:
                raise NotAnExclusionFile(
                    f"{file} is not {self.kind}: row {layouts.DEACTIVATION_HEADER_ROWS} "
                    f"should name the columns {layouts.DEACTIVATION_COLUMNS!r}, it has "
                    f"{tuple(_show(n) for n in names)!r}.")
            for number, values in rows:
                try:
                    yield self._row(number, values)
                except BadLine as exc:
                    self.refusals.add(Refusal(file, number, str(exc)))

    @staticmethod
    def _row(number: int, values: list[str]) -> Deactivation:
        if len(values) < 2 or not values[0].strip():
            raise BadLine("the row has no NPI and date")
        raw = values[0].strip()
        if re.fullmatch(r"\d+(\.0+)?|\d(\.\d+)?E\+?\d+", raw):  # a number cell: 1.234567893E9
            raw = str(int(float(raw))) if not raw.isdigit() else raw
        npi, invalid = npi_or_blank(raw)
        if not npi:
            raise BadLine(f"NPI {_show(raw)} is not a valid NPI"
                          + (" (check digit)" if invalid else ""))
        day = values[1].strip()
        if re.fullmatch(r"\d{4,5}(\.0+)?", day):  # an Excel date serial
            on = date.fromordinal(_EXCEL_EPOCH + int(float(day)))
        else:
            parsed = mmddyyyy(day, "NPPES Deactivation Date")
            if parsed is None:
                raise BadLine("NPPES Deactivation Date is empty")
            on = parsed
        return Deactivation(number, npi, on)


class _NoDoctype:
    """A workbook part as iterparse reads it, refusing any DTD: a real sheet has none, and a
    DTD is where entity expansion ("billion laughs") and external entities live. (expat
    2.4+ also caps expansion; this refuses before expat sees one.)"""

    MARK = b"<!DOCTYPE"

    def __init__(self, stream: IO[bytes]) -> None:
        self.stream = stream
        self.tail = b""

    def read(self, size: int = -1) -> bytes:
        chunk = self.stream.read(size)
        if self.MARK in (self.tail + chunk).upper():
            raise NotAnExclusionFile("the workbook declares a DTD; refused.")
        self.tail = chunk[-len(self.MARK):]
        return chunk


def _parse(stream: IO[bytes]) -> Iterator[tuple[str, Any]]:
    return iterparse(_NoDoctype(stream))  # noqa: S314 (DTDs refused above)


def _first_sheet(book: zipfile.ZipFile, file: str, kind: str) -> str:
    try:
        with book.open("xl/workbook.xml") as stream:
            sheet = next((e for _, e in _parse(stream) if e.tag == f"{_MAIN}sheet"), None)
        if sheet is None:
            raise NotAnExclusionFile(f"{file} is not {kind}: the workbook has no sheet.")
        rel_id = sheet.get(f"{_REL}id")
        with book.open("xl/_rels/workbook.xml.rels") as stream:
            for _, element in _parse(stream):
                if element.tag == f"{_PKG_REL}Relationship" and element.get("Id") == rel_id:
                    target = str(element.get("Target", "")).lstrip("/")
                    return target if target.startswith("xl/") else f"xl/{target}"
    except (KeyError, SyntaxError) as exc:
        raise NotAnExclusionFile(f"{file} is not {kind}: {exc}.") from exc
    raise NotAnExclusionFile(f"{file} is not {kind}: its first sheet is missing.")


def _shared_strings(book: zipfile.ZipFile) -> list[str]:
    if "xl/sharedStrings.xml" not in book.namelist():
        return []
    strings: list[str] = []
    with book.open("xl/sharedStrings.xml") as stream:
        for _, element in _parse(stream):
            if element.tag == f"{_MAIN}si":
                strings.append("".join(t.text or "" for t in element.iter(f"{_MAIN}t")))
                element.clear()
                if len(strings) > MAX_SHARED_STRINGS:
                    raise NotAnExclusionFile("the workbook holds more than "
                                             f"{MAX_SHARED_STRINGS:,} strings; refused.")
    return strings


def _column(reference: str) -> int:
    index = 0
    for letter in reference:
        if not letter.isalpha():
            break
        index = index * 26 + ord(letter.upper()) - 64
    return index - 1


def _sheet_rows(stream: IO[bytes], shared: list[str]) -> Iterator[tuple[int, list[str]]]:
    """(row number, values of columns A, B, …): each row's element is dropped once read."""
    try:
        for _, element in _parse(stream):
            if element.tag != f"{_MAIN}row":
                continue
            values: list[str] = []
            for cell in element.iter(f"{_MAIN}c"):
                column = _column(cell.get("r", "")) if cell.get("r") else len(values)
                if column > 16:
                    continue  # the report has two columns; anything far right is ignored
                while len(values) <= column:
                    values.append("")
                values[column] = _cell(cell, shared)
            yield int(element.get("r", "0") or 0), values
            element.clear()
    except SyntaxError as exc:  # ParseError: a truncated or hostile sheet
        raise NotAnExclusionFile(f"the sheet is not well-formed XML ({exc}).") from exc


def _cell(cell: object, shared: list[str]) -> str:
    kind = cell.get("t", "n")  # type: ignore[attr-defined]
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{_MAIN}t"))  # type: ignore[attr-defined]
    value = cell.find(f"{_MAIN}v")  # type: ignore[attr-defined]
    text = value.text if value is not None and value.text else ""
    if kind == "s":
        try:
            return shared[int(text)]
        except (ValueError, IndexError):
            return ""
    return text
