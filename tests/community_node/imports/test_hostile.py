"""Hostile spreadsheets: every one is answered fast, with a small body, and imports nothing.

The workbooks are written by hand (XML in a zip) so they can claim what real files never
do: a sheet dimension of the whole grid, a cell in the last column and row, a shared
string of many megabytes, a million blank rows.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from community_node.errors import InvalidInput
from community_node.extensions import db
from community_node.imports import reading
from community_node.imports.services import import_file
from community_node.participants.models import Connectee
from tests.community_node.imports.test_api import upload

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_CT = "application/vnd.openxmlformats-officedocument.spreadsheetml"
_PARTS = {
    "[Content_Types].xml": (
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        f'<Default Extension="rels" ContentType="{_CT[: -len("officedocument.spreadsheetml")]}'
        'package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{_CT}.sheet.main+xml"/>'
        f'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="{_CT}.worksheet+xml"/>'
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{_CT}.sharedStrings+xml"/>'
        "</Types>"
    ),
    "_rels/.rels": (
        f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
        f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    ),
    "xl/workbook.xml": (
        f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
        '<sheet name="people" sheetId="1" r:id="rId1"/></sheets></workbook>'
    ),
    "xl/_rels/workbook.xml.rels": (
        f'<Relationships xmlns="{_RELS}">'
        f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
        f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>"
    ),
}
HEADER = "first_name,last_name,email"


def cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def header_row() -> str:
    cells = "".join(
        cell(f"{col}1", name) for col, name in zip("ABC", HEADER.split(","), strict=True)
    )
    return f'<row r="1">{cells}</row>'


def workbook(rows: str, *, dimension: str | None = None, strings: Iterable[str] = ()) -> bytes:
    """Zip a one-sheet workbook whose sheet XML holds ``rows`` exactly as given."""
    claim = f'<dimension ref="{dimension}"/>' if dimension else ""
    sheet = f'<worksheet xmlns="{_MAIN}">{claim}<sheetData>{rows}</sheetData></worksheet>'
    shared = "".join(f"<si><t>{text}</t></si>" for text in strings)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, xml in _PARTS.items():
            archive.writestr(name, xml)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
        archive.writestr("xl/sharedStrings.xml", f'<sst xmlns="{_MAIN}">{shared}</sst>')
    return buffer.getvalue()


def people() -> int:
    return db.session.scalar(select(func.count(Connectee.id))) or 0


def far_cell() -> bytes:
    """A sheet claiming the whole grid, with one cell in its last row and column."""
    return workbook(
        header_row() + f'<row r="1048576">{cell("XFD1048576", "x")}</row>',
        dimension="A1:XFD1048576",
    )


def shared_string_bomb() -> bytes:
    """A header cell that is one 16 MB shared string: a few kilobytes zipped."""
    return workbook('<row r="1"><c r="A1" t="s"><v>0</v></c></row>', strings=["A" * 16_000_000])


def blank_rows() -> bytes:
    """1.5 million blank rows between the header and one real row."""
    last = 1_500_000
    values = "".join(
        cell(f"{col}{last}", text)
        for col, text in zip("ABC", ("Ann", "Lee", "a@example.org"), strict=True)
    )
    return workbook(header_row() + f'<row r="{last}">{values}</row>')


def long_cell(length: int) -> bytes:
    values = "".join(
        cell(f"{col}2", text)
        for col, text in zip("ABC", ("B" * length, "Lee", "a@example.org"), strict=True)
    )
    return workbook(header_row() + f'<row r="2">{values}</row>')


HOSTILE = {
    "far-cell": far_cell,
    "shared-string-bomb": shared_string_bomb,
    "blank-rows": blank_rows,
    "long-cell": lambda: long_cell(200_000),
}


@pytest.mark.parametrize("make", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_workbooks_answer_fast_and_small(api: Any, make: Any) -> None:
    data = make()
    assert len(data) < 300_000  # tiny files: the attack is in what they claim

    started = time.perf_counter()
    response = upload(api, "connectees", data, name="people.xlsx")
    elapsed = time.perf_counter() - started

    assert response.status_code == 422, response.json
    assert elapsed < 5, f"{elapsed:.1f} s"
    assert len(response.data) < 100_000
    assert "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" not in response.text
    assert people() == 0


def test_the_zip_is_measured_before_it_is_opened(app: Any, monkeypatch: Any) -> None:
    opened: list[Any] = []
    monkeypatch.setattr("openpyxl.reader.excel.ExcelReader", lambda *a, **k: opened.append(a))
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", shared_string_bomb(), actor="test")
    assert opened == []
    assert "too large once unzipped" in refused.value.message


def test_blank_rows_count_toward_the_row_limit(app: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", blank_rows(), actor="test")
    assert refused.value.extra["errors"] == {
        "file": [
            f"The sheet goes past row {reading.MAX_SHEET_ROWS:,}, blank rows included; "
            "delete the empty rows below the data or split the file."
        ]
    }


def test_a_sheet_of_empty_row_elements_stops_at_the_cap_in_time(app: Any) -> None:
    # No <dimension>: openpyxl's own loader parsed all 1.5 million rows to size the sheet
    # before the first row was read.
    rows = header_row() + "".join(f'<row r="{r}"/>' for r in range(2, 1_500_000))
    data = workbook(rows)
    started = time.perf_counter()
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", data, actor="test")
    assert time.perf_counter() - started < 5
    assert "blank rows included" in refused.value.message


def test_blank_csv_rows_count_too(app: Any) -> None:
    data = (HEADER + "\r\n" + "\r\n" * (reading.MAX_SHEET_ROWS + 1) + "a,b,a@example.org").encode()
    with pytest.raises(InvalidInput):
        import_file("connectees", "a.csv", data, actor="test")


def test_a_cell_beyond_the_column_limit_names_its_row_and_column(app: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", far_cell(), actor="test")
    # The far cell sits in row 1,048,576: the row cap answers before the column is reached.
    assert "blank rows included" in refused.value.message

    wide = workbook(header_row() + f'<row r="2">{cell("XFD2", "x")}</row>')
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", wide, actor="test")
    assert refused.value.extra["errors"] == {
        "rows": [
            {
                "row": 2,
                "column": "XFD",
                "message": f"The sheet may use at most {reading.MAX_COLUMNS} columns.",
            }
        ]
    }


def test_a_long_cell_is_quoted_by_an_excerpt(app: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.xlsx", long_cell(reading.MAX_CELL_LENGTH + 1), actor="test")
    (error,) = refused.value.extra["errors"]["rows"]
    assert (error["row"], error["column"]) == (2, "A")
    assert error["message"] == (
        f"This cell holds more than {reading.MAX_CELL_LENGTH:,} characters: "
        f'"{"B" * reading.EXCERPT}…".'
    )


def test_a_long_header_is_quoted_by_an_excerpt(app: Any) -> None:
    data = f"{HEADER},{'Z' * 5000}\r\na,b,a@example.org,1".encode()
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.csv", data, actor="test")
    (error,) = refused.value.extra["errors"]["rows"]
    assert error["column"] == "Z" * reading.EXCERPT + "…"
    assert len(str(refused.value.extra)) < 2000


def test_the_error_list_is_bounded(api: Any) -> None:
    lines = [HEADER + ",target_occupation"]
    # Under 500 KB: larger, the test client spools the body to a file it never closes.
    lines += [f"A,B,nope{i},99-9999" for i in range(15_000)]
    response = upload(api, "connectees", "\r\n".join(lines).encode(), name="a.csv")
    assert response.status_code == 422
    assert len(response.data) < 100_000
    assert len(response.json["errors"]["rows"]) == reading.MAX_ERRORS
    assert response.json["message"] == (
        f"15,000 rows have errors; nothing was imported. "
        f"The first {reading.MAX_ERRORS} problems are listed."
    )
    assert people() == 0


def test_a_long_list_item_is_quoted_by_an_excerpt(app: Any) -> None:
    data = f"{HEADER},languages\r\na,b,a@example.org,{'q' * 3000}".encode()
    with pytest.raises(InvalidInput) as refused:
        import_file("connectees", "a.csv", data, actor="test")
    (error,) = refused.value.extra["errors"]["rows"]
    assert len(error["message"]) < 200
    assert "q" * reading.EXCERPT + "…" in error["message"]


def test_the_cli_names_row_and_column(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "wide.xlsx"
    path.write_bytes(long_cell(reading.MAX_CELL_LENGTH + 1))
    result = runner.invoke(args=["import", "connectees", str(path)])
    assert result.exit_code == 1
    assert "row 2, column A: This cell holds more than" in result.output
    assert len(result.output) < 1000
