"""The one CSV writer of every export, with a guard against formula injection.

Spreadsheet apps run a cell that starts with ``=``, ``+``, ``-`` or ``@`` (and, in some,
a tab or a carriage return) as a formula, so a name such as ``=HYPERLINK(...)`` typed
into a sign-up form would run on a coordinator's machine. Such cells get a leading
single quote, which spreadsheets show as text; plain numbers (``-3``, ``+1.5``, ``2e3``)
stay numbers.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from flask import Response

__all__ = [
    "XLSX_MIMETYPE",
    "cell_text",
    "csv_response",
    "defuse_formula",
    "write_csv",
    "write_xlsx",
]

XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def defuse_formula(text: str) -> str:
    """Prefix a cell a spreadsheet would run as a formula with a single quote."""
    if text.startswith(_FORMULA_STARTS) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def cell_text(value: Any) -> str:
    """Write one value as a cell: empty for None, true/false, lists joined by "; "."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "; ".join(
            cell_text(v) if not isinstance(v, Mapping) else ":".join(str(x) for x in v.values())
            for v in value
        )
    return str(value)


def write_csv(
    columns: Sequence[str],
    rows: Iterable[Iterable[Any]],
    *,
    bom: bool = True,
    lineterminator: str = "\r\n",
) -> str:
    """Write a header and rows as CSV text, every cell through the formula guard.

    The byte-order mark and CRLF are what Excel expects (accents read right); the shell
    wants neither.
    """
    buffer = io.StringIO()
    if bom:
        buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator=lineterminator)
    writer.writerow([defuse_formula(column) for column in columns])
    for row in rows:
        writer.writerow([defuse_formula(cell_text(value)) for value in row])
    return buffer.getvalue()


def csv_response(
    rows: Iterable[Mapping[str, Any]], columns: Sequence[str], filename: str
) -> Response:
    """Answer dumped records as a CSV download, one column per name in ``columns``."""
    text = write_csv(columns, ([row.get(column) for column in columns] for row in rows))
    return Response(
        text,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def write_xlsx(sheets: Iterable[tuple[str, Sequence[str], Iterable[Mapping[str, Any]]]]) -> bytes:
    """Write rows as a workbook, one sheet per (title, columns, rows of dicts).

    Write-only mode streams rows instead of holding a cell object each. Numbers stay
    numbers; every text cell goes through the CSV writer's formula guard.
    """
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for title, columns, rows in sheets:
        sheet = book.create_sheet(title=title[:31])  # Excel's limit on a sheet's name
        sheet.append([defuse_formula(column) for column in columns])
        for row in rows:
            sheet.append([_xlsx_cell(row.get(column)) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(value: Any) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return defuse_formula(cell_text(value))
