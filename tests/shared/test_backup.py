"""Backup files, their names and retention (shared.backup), on plain SQLite files."""

from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import pytest

from shared.backup import BackupError, backup_database, list_backups, restore_database

MOMENT = dt.datetime(2026, 12, 4, 2, 0, tzinfo=dt.UTC)


def _database(path: Path, rows: int) -> str:
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS t (n INTEGER)")
        conn.executemany("INSERT INTO t VALUES (?)", [(i,) for i in range(rows)])
    conn.close()
    return f"sqlite:///{path}"


def _count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM t").fetchone()[0])
    finally:
        conn.close()


def test_only_the_newest_are_kept_per_label(tmp_path: Path) -> None:
    url = _database(tmp_path / "node.sqlite", 3)
    other = tmp_path / "backups" / "hub-20200101T000000.000000Z.dump"
    other.parent.mkdir()
    other.write_bytes(b"the hub's")
    made = [
        backup_database(url, tmp_path / "backups", label="node", keep=2,
                        now=MOMENT + dt.timedelta(hours=i))
        for i in range(4)
    ]  # fmt: skip
    assert [b.path for b in list_backups(tmp_path / "backups", label="node")] == [
        b.path for b in made[2:]
    ]
    assert other.exists()  # another service's backups are not this one's to prune
    assert sorted(p.name for p in (tmp_path / "backups").iterdir()) == sorted(
        [other.name, *(b.path.name for b in made[2:])]
    )  # single files: no -wal or -shm beside them, no partial left


def test_a_restore_brings_back_what_was_backed_up(tmp_path: Path) -> None:
    db = tmp_path / "node.sqlite"
    url = _database(db, 3)
    backup = backup_database(url, tmp_path / "backups", label="node", keep=1)
    _database(db, 5)
    assert _count(db) == 8
    restore_database(url, backup.path)
    assert _count(db) == 3


def test_bad_requests_are_refused(tmp_path: Path) -> None:
    url = _database(tmp_path / "node.sqlite", 1)
    with pytest.raises(BackupError, match="at least one"):
        backup_database(url, tmp_path, label="node", keep=0)
    with pytest.raises(BackupError, match="label"):
        backup_database(url, tmp_path, label="../node", keep=1)
    with pytest.raises(BackupError, match="No SQLite database"):
        backup_database(f"sqlite:///{tmp_path}/missing.sqlite", tmp_path, label="node", keep=1)
    with pytest.raises(BackupError, match="not a SQLite backup"):
        restore_database(url, Path(__file__))
