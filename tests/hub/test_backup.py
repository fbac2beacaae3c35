"""`connector-hub backup` and `restore`: the restore drill."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade

from hub.app import create_app
from hub.auth.models import Role
from hub.auth.services import create_user
from hub.communities.services import add_community
from hub.extensions import db
from tests.backup_checks import restore_drill, scratch_url
from tests.hub.conftest import hub_config


@pytest.fixture
def migrated_hub(backend: Any, worker_id: str, tmp_path: Path) -> Iterator[Flask]:
    """A hub on a database of its own, built by the migrations (triggers included)."""
    app = create_app(hub_config(scratch_url(backend, worker_id, tmp_path, "drill_hub")))
    with app.app_context():
        upgrade()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_restore_drill(migrated_hub: Flask, tmp_path: Path) -> None:
    create_user("lee@example.org", "Lee", Role.COORDINATOR, "correct horse", actor="test")
    add_community("halifax", "Halifax", actor="test")
    add_community("moncton", "Moncton", region="NB", actor="test")
    restore_drill(migrated_hub, db, tmp_path / "backups")
