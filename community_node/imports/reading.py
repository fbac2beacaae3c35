"""Turning an uploaded CSV or XLSX file into a header and rows of clean text cells."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from community_node.errors import InvalidInput
from community_node.imports.columns import column_letter

#: More rows than this is a mistake (or a whole database); ask for smaller files.
MAX_ROWS = 50_000
#: Rows read, blank ones included: a million empty rows cost time even though they
#: import nothing, so they count too.
MAX_SHEET_ROWS = 2 * MAX_ROWS
#: The import's columns number about thirty; a sheet wider than this is not one of ours.
MAX_COLUMNS = 200
#: Longer than any field the schemas accept (notes: 5,000), so a real cell never trips it.
MAX_CELL_LENGTH = 10_000
#: Characters of a cell an error message quotes back.
EXCERPT = 40
#: Problems listed in one answer; the message says how many rows are bad in all.
MAX_ERRORS = 100

# An .xlsx is a zip of XML, and zips lie: a few kilobytes can hold gigabytes. Every
# member's declared size is checked before any XML is parsed (zipfile then reads no
# more than the declared size). Parsing is the cost: 30 MB of sheet XML (50,000 rows
# of 23 filled cells) takes about 7 s on a busy two-core host, so that is about the
# largest workbook taken; larger data imports as CSV, or in parts.
MAX_UNZIPPED = 32 * 1024 * 1024
MAX_SHARED_STRINGS = 16 * 1024 * 1024
# Spreadsheet XML compresses well, 10 to 30 times, a sheet of blank styled cells more;
# bombs reach thousands. Only members large enough to matter are held to it.
MAX_RATIO = 200
_RATIO_FROM = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # the pre-2007 binary .xls format
_DELIMITERS = (",", ";", "\t")


@dataclass(frozen=True)
class Sheet:
    """A file's header and its non-blank rows, each with its spreadsheet row number."""

    format: str
    header: list[str]
    rows: list[tuple[int, list[str]]]


def _file_error(message: str) -> InvalidInput:
    return InvalidInput({"file": [message]}, message=message)


def excerpt(text: str) -> str:
    """Return the start of ``text``, short enough to quote in an error message."""
    return text if len(text) <= EXCERPT else text[:EXCERPT] + "…"


def cell_error(row: int, column: str, message: str) -> InvalidInput:
    """Refuse the file for one cell, in the shape of the import's row errors."""
    return InvalidInput(
        {"rows": [{"row": row, "column": column, "message": message}]},
        message=f"Row {row}, column {column}: {message} Nothing was imported.",
    )


def read_sheet(filename: str, data: bytes) -> Sheet:
    """Read the first sheet of an .xlsx file, or a CSV file, whatever the name says."""
    if not data.strip():
        raise _file_error("The file is empty.")
    if data.startswith(_OLE_MAGIC) or filename.lower().endswith(".xls"):
        raise _file_error("Old .xls files are not read; save the sheet as .xlsx or CSV.")
    if data.startswith(_ZIP_MAGIC):
        return _sheet("xlsx", _xlsx_rows(data))
    if filename.lower().endswith((".xlsx", ".xlsm")):
        raise _file_error("This is not a valid .xlsx file.")
    return _sheet("csv", _csv_rows(data))


def clean(cell: str) -> str:
    """Strip stray spaces, compose accents (NFC) and undo the export's formula guard."""
    if not cell:
        return cell  # most cells of a wide sheet: nothing to do
    # NUL never means anything in a spreadsheet, and PostgreSQL refuses it in text.
    text = cell.replace("\x00", "")
    if not text.isascii():  # ASCII text is NFC already
        text = unicodedata.normalize("NFC", text)
    text = text.strip()
    # Our own CSV export prefixes cells starting with = + - @ with a quote; take it off
    # so an exported, edited file imports back unchanged.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _check_cells(number: int, cells: list[str]) -> None:
    if len(cells) > MAX_COLUMNS and any(cells[MAX_COLUMNS:]):
        last = max(i for i, text in enumerate(cells) if text)
        raise cell_error(
            number, column_letter(last), f"The sheet may use at most {MAX_COLUMNS} columns."
        )
    for index, text in enumerate(cells):
        if len(text) > MAX_CELL_LENGTH:
            raise cell_error(
                number,
                column_letter(index),
                f'This cell holds more than {MAX_CELL_LENGTH:,} characters: "{excerpt(text)}".',
            )


def _sheet(kind: str, rows: Iterable[list[str]]) -> Sheet:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None or not any(header):
        raise _file_error("The first row must hold the column names.")
    _check_cells(1, header)
    body: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(iterator, start=2):
        if number > MAX_SHEET_ROWS:
            raise _file_error(
                f"The sheet goes past row {MAX_SHEET_ROWS:,}, blank rows included; "
                "delete the empty rows below the data or split the file."
            )
        if any(cells):
            _check_cells(number, cells)
            body.append((number, cells))
            if len(body) > MAX_ROWS:
                raise _file_error(f"The file has more than {MAX_ROWS} rows; split it.")
    return Sheet(kind, header, body)


def _decode(data: bytes) -> str:
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")  # Excel's "Unicode text"
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        # Excel on Windows saves plain "CSV" in the ANSI code page, for most users cp1252.
        return data.decode("cp1252")
    except UnicodeDecodeError:
        raise _file_error("Cannot read the text; save the file as CSV UTF-8.") from None


def _delimiter(text: str) -> str:
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first_line.count(d) for d in _DELIMITERS}
    best = max(_DELIMITERS, key=lambda d: counts[d])
    return best if counts[best] else ","


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        # Lazily, so the row cap stops a file of a million blank lines early.
        for row in reader:
            yield [clean(cell) for cell in row]
    except csv.Error as exc:
        raise _file_error(f"Cannot read the CSV: {exc}.") from exc


def _xlsx_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return clean(str(value))


def _check_zip(data: bytes) -> None:
    """Refuse a zip whose members would unzip too large, before anything parses them."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _file_error("This is not a valid .xlsx file.") from exc
    too_large = _file_error(
        "This file is too large once unzipped; save only the sheet to import, "
        "or split it (or save it as CSV)."
    )
    if sum(member.file_size for member in members) > MAX_UNZIPPED:
        raise too_large
    for member in members:
        if member.filename.lower().endswith("sharedstrings.xml") and (
            member.file_size > MAX_SHARED_STRINGS
        ):
            raise too_large
        if member.file_size > _RATIO_FROM and member.file_size > MAX_RATIO * max(
            member.compress_size, 1
        ):
            raise too_large


def _xlsx_values(number: int, values: Sequence[Any]) -> list[str]:
    # Find the last value first: a styled but empty cell far right is not a wide row.
    end = len(values)
    while end and (values[end - 1] is None or values[end - 1] == ""):
        end -= 1
    if end > MAX_COLUMNS:
        # Refuse before converting 16,384 cells of a row that cannot be imported anyway.
        raise cell_error(
            number, column_letter(end - 1), f"The sheet may use at most {MAX_COLUMNS} columns."
        )
    row = [_xlsx_cell(value) for value in values[:end]]
    while row and not row[-1]:  # a cell of spaces is blank too
        row.pop()
    return row


def _first_sheet(data: bytes) -> Any:
    """Open the workbook's first worksheet for streaming, without a pass over its rows.

    ``load_workbook(read_only=True)`` reads each sheet once just to find its size: a file
    with no ``<dimension>`` is parsed whole before the first row is read (8 s for 1.5
    million empty rows), before any cap can stop it. This is its reading sequence, with
    a sheet that skips that pass; the size is the file's claim and unused anyway.
    """
    from openpyxl.reader.excel import ExcelReader
    from openpyxl.styles.stylesheet import apply_stylesheet
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    class StreamedSheet(ReadOnlyWorksheet):  # type: ignore[misc]
        def _get_size(self) -> None:
            # Unsized, each row is as wide as its last cell and the rows end with the
            # data: a claimed "A1:XFD1048576" would pad every row to 16,384 cells and
            # yield a million rows.
            pass

    reader = ExcelReader(io.BytesIO(data), read_only=True, data_only=True)
    try:
        reader.read_manifest()
        reader.read_strings()
        reader.read_workbook()
        apply_stylesheet(reader.archive, reader.wb)  # the date formats
        for sheet, rel in reader.parser.find_sheets():
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type:
                return StreamedSheet(reader.wb, sheet.name, rel.target, reader.shared_strings)
    except BaseException:
        reader.archive.close()
        raise
    reader.archive.close()
    raise _file_error("The workbook has no sheet.")


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    _check_zip(data)
    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; none matter to the data.
            warnings.simplefilter("ignore")
            sheet = _first_sheet(data)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error("This is not a valid .xlsx file.") from exc
    try:
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            yield _xlsx_values(number, values)
    finally:
        sheet.parent.close()
