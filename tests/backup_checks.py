"""The restore drill both services' backups pass: back up, destroy, restore, compare.

"Compare" is every table's row count (the migrations' own ``alembic_version`` included)
and the audit log row by row; then the restored database must still refuse to change
the audit log, i.e. its trigger came back with the tables.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import inspect, text

from tests.conftest import POSTGRES_URL, Backend, worker_database
from tests.migration_checks import assert_audit_log_is_append_only


def scratch_url(backend: Backend, worker_id: str, tmp_path: Path, label: str) -> str:
    """A database the drill may destroy: a SQLite file, or ``<base>_<worker>_<label>``."""
    if backend.name == "sqlite":
        return f"sqlite:///{tmp_path}/{label}.sqlite"
    return worker_database(POSTGRES_URL, worker_id, suffix=f"_{label}")


def snapshot(db: SQLAlchemy) -> dict[str, Any]:
    """Every table's row count, and the whole audit log in order."""
    with db.engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
        counts = {t: conn.execute(text(f'SELECT count(*) FROM "{t}"')).scalar_one() for t in tables}
        audit = [
            tuple(row)
            for row in conn.execute(
                text("SELECT id, at, actor, action, entity_type, entity_id, details "
                     "FROM audit_events ORDER BY id")
            )
        ]  # fmt: skip
    return {"counts": counts, "audit": audit}


def destroy(db: SQLAlchemy) -> None:
    """Lose the database: the SQLite file is deleted, the PostgreSQL schema dropped."""
    db.session.remove()
    db.engine.dispose()
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{url.database}{suffix}").unlink(missing_ok=True)
        return
    with db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    db.engine.dispose()


def restore_drill(app: Flask, db: SQLAlchemy, backups: Path) -> None:
    """Back up through the CLI, destroy the database, restore it through the CLI, compare."""
    runner = app.test_cli_runner()
    before = snapshot(db)
    assert before["counts"]["audit_events"] > 0, "seed some audited writes first"
    made = runner.invoke(args=["backup", "--dir", str(backups), "--keep", "3"])
    assert made.exit_code == 0, made.output
    path = Path(made.output.strip())
    assert path.parent == backups and path.is_file()
    assert path.stat().st_mode & 0o077 == 0  # a city's personal data: owner only
    destroy(db)
    with db.engine.connect() as conn:
        assert inspect(conn).get_table_names() == []
    restored = runner.invoke(args=["restore", "--yes", str(path)])
    assert restored.exit_code == 0, restored.output
    assert snapshot(db) == before
    assert_audit_log_is_append_only(db)
