"""Turning an uploaded CSV or XLSX file into a header and rows of clean text cells."""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import unicodedata
import warnings
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from community_node.errors import InvalidInput

#: More rows than this is a mistake (or a whole database); ask for smaller files.
MAX_ROWS = 50_000

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
    # NUL never means anything in a spreadsheet, and PostgreSQL refuses it in text.
    text = unicodedata.normalize("NFC", cell.replace("\x00", "")).strip()
    # Our own CSV export prefixes cells starting with = + - @ with a quote; take it off
    # so an exported, edited file imports back unchanged.
    if text[:1] == "'" and text[1:2] in ("=", "+", "-", "@"):
        text = text[1:]
    return text


def _sheet(kind: str, rows: Iterable[list[str]]) -> Sheet:
    iterator = iter(rows)
    header = next(iterator, None)
    if header is None or not any(header):
        raise _file_error("The first row must hold the column names.")
    body: list[tuple[int, list[str]]] = []
    for number, cells in enumerate(iterator, start=2):
        if any(cells):
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


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    try:
        return [[clean(cell) for cell in row] for row in reader]
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


def _xlsx_rows(data: bytes) -> Iterator[list[str]]:
    from openpyxl import load_workbook

    try:
        with warnings.catch_warnings():
            # openpyxl warns about styles and extensions it skips; none matter to the data.
            warnings.simplefilter("ignore")
            book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise _file_error("This is not a valid .xlsx file.") from exc
    try:
        if not book.worksheets:
            raise _file_error("The workbook has no sheet.")
        for values in book.worksheets[0].iter_rows(values_only=True):
            row = [_xlsx_cell(value) for value in values]
            # Formatted but empty trailing cells come back as None; drop them.
            while row and not row[-1]:
                row.pop()
            yield row
    finally:
        book.close()
