"""connector-node import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from community_node.extensions import db
from community_node.participants.models import Connectee


def test_import_prints_the_report(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes(b"first_name,last_name,email\r\nZo\xc3\xab,L,zoe@example.org\r\n")

    dry = runner.invoke(args=["import", "connectees", str(path), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "Would import 1 connectees from people.csv: 1 created" in dry.output
    assert "Dry run: nothing was written." in dry.output
    assert db.session.scalar(select(func.count(Connectee.id))) == 0

    result = runner.invoke(args=["import", "connectees", str(path)])
    assert result.exit_code == 0, result.output
    assert "Imported 1 connectees from people.csv: 1 created, 0 updated, 0 unchanged." in (
        result.output
    )
    assert db.session.scalar(select(func.count(Connectee.id))) == 1


def test_bad_rows_are_listed_and_exit_non_zero(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "people.csv"
    path.write_text("first_name,last_name,email\nA,B,a@example.org\nC,D,nope\n", encoding="utf-8")

    result = runner.invoke(args=["import", "connectees", str(path)])

    assert result.exit_code == 1
    assert "row 3, column email: Not a valid email address." in result.output
    assert "Error: 1 row has errors; nothing was imported." in result.output
    assert db.session.scalar(select(func.count(Connectee.id))) == 0


def test_unreadable_file_and_bad_arguments(runner: Any, tmp_path: Path) -> None:
    path = tmp_path / "old.xls"
    path.write_bytes(b"\xd0\xcf\x11\xe0")
    result = runner.invoke(args=["import", "connectees", str(path)])
    assert result.exit_code == 1
    assert "save the sheet as .xlsx or CSV" in result.output

    assert runner.invoke(args=["import", "staff", str(path)]).exit_code == 2
    assert runner.invoke(args=["import", "connectees", str(tmp_path / "none.csv")]).exit_code == 2
