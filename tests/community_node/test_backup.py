"""`connector-node backup` and `restore`: the restore drill, and retention."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from community_node.app import create_app
from community_node.auth.models import Role
from community_node.auth.services import create_token, create_user
from community_node.extensions import db
from tests.backup_checks import restore_drill, scratch_url
from tests.community_node import factories
from tests.community_node.conftest import node_config


@pytest.fixture
def migrated_node(backend: Any, worker_id: str, tmp_path: Path) -> Iterator[Flask]:
    """A node on a database of its own, built by the migrations (triggers included)."""
    url = scratch_url(backend, worker_id, tmp_path, "drill_node")
    app = create_app(node_config(url, tmp_path, BACKUP_DIR=str(tmp_path / "configured")))
    with app.app_context():
        upgrade()
        factories.bind(db.session)
        yield app
        db.session.remove()
        db.engine.dispose()


def _seed() -> None:
    staff = create_user("ana@example.org", "Ana", Role.COORDINATOR, "correct horse", actor="test")
    create_token(staff, "drill", actor="test")
    match = factories.MatchFactory()
    factories.MeetingFactory(match=match)
    factories.ConsentFactory(connectee_id=match.connectee_id)


def test_restore_drill(migrated_node: Flask, tmp_path: Path) -> None:
    _seed()
    restore_drill(migrated_node, db, tmp_path / "backups")


def test_backup_keeps_the_newest_and_defaults_to_the_configured_directory(
    migrated_node: Flask, tmp_path: Path
) -> None:
    runner = migrated_node.test_cli_runner()
    made = [runner.invoke(args=["backup", "--keep", "2"]).output.strip() for _ in range(3)]
    kept = sorted(p.name for p in (tmp_path / "configured").iterdir())
    assert kept == sorted(Path(p).name for p in made[1:])


def test_restore_refuses_a_backup_of_the_other_kind(migrated_node: Flask, tmp_path: Path) -> None:
    wrong = tmp_path / "node-20260101T000000.000000Z.txt"
    wrong.write_text("not a backup")
    result = migrated_node.test_cli_runner().invoke(args=["restore", "--yes", str(wrong)])
    assert result.exit_code == 1
    assert "not a" in result.output
