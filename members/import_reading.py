"""Reading an uploaded member list: what a CSV file holds, or why it cannot be read.

Spreadsheets write CSV in many ways. We accept UTF-8 (with or without the byte-order
mark Excel adds) and Windows-1252 (what Excel writes for "CSV" on Windows), with
commas or semicolons between cells (semicolons where the comma is the decimal mark).
Anything else is refused with a message that says what to do, before anything is kept.
"""

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass

from django.utils.translation import gettext as _

MAX_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
# A cell starting with one of these is run as a formula when a spreadsheet opens the
# list again (CSV injection). A phone number or a signed number is not a formula.
FORMULA_STARTS = ("=", "+", "-", "@")
_HARMLESS = re.compile(r"^[+-][\d\s().\-/]*$")
_SIGNATURES = {
    b"PK\x03\x04": _("This is an Excel workbook or another zipped file, not CSV."),
    b"\xd0\xcf\x11\xe0": _("This is an old Excel (.xls) workbook, not CSV."),
    b"%PDF": _("This is a PDF, not CSV."),
}
SAVE_AS_CSV = _("In your spreadsheet, choose File, Save As, “CSV UTF-8 (comma delimited)” and upload that file.")


class ImportRefused(Exception):
    """An import that cannot go ahead; the message says why, for a treasurer to read."""


@dataclass(frozen=True)
class ReadFile:
    text: str
    encoding: str
    delimiter: str
    headers: list[str]
    row_count: int


@dataclass(frozen=True)
class Record:
    row: int  # as a spreadsheet numbers it: the header is row 1
    cells: list[str]
    end: int  # where the next record starts in the text


def read_upload(content: bytes) -> ReadFile:
    """The text, encoding, delimiter, headers and row count of an uploaded file, or
    ImportRefused saying what is wrong with it."""
    if len(content) > MAX_BYTES:
        raise ImportRefused(
            _("The file is larger than %(limit)s MB. Split it into smaller files and import each.")
            % {"limit": MAX_BYTES // (1024 * 1024)}
        )
    text, encoding = _decode(content)
    if not text.strip():
        raise ImportRefused(_("The file is empty."))
    delimiter = _delimiter(text)
    headers = [cell.strip() for cell in next(csv.reader(io.StringIO(text), delimiter=delimiter), [])]
    if len([h for h in headers if h]) < 2 and not _looks_like_email_header(headers):
        raise ImportRefused(
            _("This does not look like a CSV file: its first line has no commas or semicolons between columns.")
            + " "
            + SAVE_AS_CSV
        )
    count = _count_rows(text, delimiter, headers)
    if count == 0:
        raise ImportRefused(_("The file has a header row but no rows of people below it."))
    return ReadFile(text=text, encoding=encoding, delimiter=delimiter, headers=headers, row_count=count)


def _count_rows(text: str, delimiter: str, headers: list[str]) -> int:
    count, row = 0, 1
    try:
        for record in records(text, delimiter):
            row = record.row
            if any(cell.strip() for cell in record.cells):
                count += 1
            if count > MAX_ROWS:
                raise ImportRefused(
                    _("The file has more than %(limit)s rows. Split it into smaller files and import each.")
                    % {"limit": f"{MAX_ROWS:,}"}
                )
            _refuse_formula(record, headers)
    except csv.Error as error:
        raise ImportRefused(
            _("Row %(row)s cannot be read as CSV (%(error)s).") % {"row": row + 1, "error": error} + " " + SAVE_AS_CSV
        ) from None
    return count


def records(text: str, delimiter: str, *, start: int = 0, row: int = 1) -> Iterator[Record]:
    """The records after the header (or after `start`, a previous record's `end`), each
    with the row number a spreadsheet would show and where the next one begins."""
    consumed = start
    lines = io.StringIO(text)
    lines.seek(start)

    def counted():
        nonlocal consumed
        for line in lines:
            consumed += len(line)
            yield line

    reader = csv.reader(counted(), delimiter=delimiter)
    if start == 0:
        next(reader, None)  # the header
    for cells in reader:
        row += 1
        yield Record(row=row, cells=cells, end=consumed)


def _decode(content: bytes) -> tuple[str, str]:
    for signature, message in _SIGNATURES.items():
        if content.startswith(signature):
            raise ImportRefused(message + " " + SAVE_AS_CSV)
    if b"\x00" in content[:4096]:
        raise ImportRefused(_("This is not a text file, so it cannot be a CSV file.") + " " + SAVE_AS_CSV)
    try:
        return content.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        raise ImportRefused(
            _("The file's characters are in neither UTF-8 nor Windows-1252.") + " " + SAVE_AS_CSV
        ) from None
    if sum(1 for ch in text[:4096] if ord(ch) < 32 and ch not in "\r\n\t") > 8:
        raise ImportRefused(_("This is not a text file, so it cannot be a CSV file.") + " " + SAVE_AS_CSV)
    return text, "windows-1252"


def _delimiter(text: str) -> str:
    """Comma or semicolon: whichever splits the header line into more columns."""
    first = text.split("\n", 1)[0]
    counts = {d: len(next(csv.reader([first], delimiter=d), [])) for d in (",", ";")}
    return ";" if counts[";"] > counts[","] else ","


def _looks_like_email_header(headers: list[str]) -> bool:
    return len(headers) == 1 and "mail" in headers[0].lower()


def is_formula(cell: str) -> bool:
    value = cell.strip()
    return value.startswith(FORMULA_STARTS) and not _HARMLESS.match(value)


def _refuse_formula(record: Record, headers: list[str]) -> None:
    for index, cell in enumerate(record.cells):
        if is_formula(cell):
            column = headers[index] if index < len(headers) and headers[index] else _("column %(n)s") % {"n": index + 1}
            raise ImportRefused(
                _(
                    "Row %(row)s, column “%(column)s” starts with “%(start)s”, so a spreadsheet would run it as "
                    "a formula. Remove that first character (or the cell) and upload the file again; nothing was "
                    "imported."
                )
                % {"row": record.row, "column": column, "start": cell.strip()[0]}
            )
