"""The CSV writer every export uses: formulas defused, numbers kept, Excel's encoding."""

from __future__ import annotations

import csv
import io

import pytest
from flask import Flask

from shared.web.csv import cell_text, csv_response, defuse_formula, write_csv


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('=HYPERLINK("http://evil.example","x")', '\'=HYPERLINK("http://evil.example","x")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\t=1+1", "'\t=1+1"),
        ("\r=1+1", "'\r=1+1"),
        ("-", "'-"),
        ("-3", "-3"),
        ("-0.25", "-0.25"),
        ("+1.5", "+1.5"),
        ("-2e3", "-2e3"),
        ("Zoë = chair", "Zoë = chair"),
        ("", ""),
    ],
)
def test_formulas_get_a_quote_and_numbers_stay_numbers(text: str, expected: str) -> None:
    assert defuse_formula(text) == expected


def test_cells_write_none_booleans_and_lists_readably() -> None:
    assert cell_text(None) == ""
    assert (cell_text(True), cell_text(False)) == ("true", "false")
    assert cell_text(["en", {"code": "fr", "level": "b2"}]) == "en; fr:b2"
    assert cell_text(-4) == "-4"


def test_write_csv_guards_every_cell_and_keeps_excel_encoding() -> None:
    text = write_csv(["name", "delta"], [["=1+1", -5], ["=cmd", None]])
    assert text.startswith("\ufeff") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows == [["name", "delta"], ["'=1+1", "-5"], ["'=cmd", ""]]


def test_write_csv_for_the_shell_has_no_bom_nor_crlf() -> None:
    text = write_csv(["a"], [["@x"]], bom=False, lineterminator="\n")
    assert text == "a\n'@x\n"


def test_csv_response_is_a_download_of_the_named_columns() -> None:
    with Flask(__name__).test_request_context():
        response = csv_response([{"a": "-x", "b": 2, "c": "left out"}], ["a", "b"], "x.csv")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="x.csv"'
    assert response.get_data(as_text=True) == "\ufeffa,b\r\n'-x,2\r\n"
