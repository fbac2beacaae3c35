"""The Alembic history builds the same schema as the models, on every backend."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask_migrate import downgrade, upgrade

from community_node.app import create_app
from community_node.extensions import db
from tests.community_node.conftest import node_config
from tests.conftest import POSTGRES_URL, worker_database
from tests.migration_checks import (
    assert_audit_log_is_append_only,
    drift,
    empty_schema,
    upgrade_filled_database,
)


@pytest.fixture(scope="session")
def migrations_url(backend: Any, worker_id: str, tmp_path_factory: Any) -> str:
    """A database of its own, so dropping tables here never disturbs other tests."""
    if backend.name == "sqlite":
        return backend.url_for(tmp_path_factory.mktemp("migrations"), "migrations")
    return worker_database(POSTGRES_URL, worker_id, suffix="_migrations")


@pytest.fixture
def empty_app(migrations_url: str, tmp_path: Path) -> Any:
    url = migrations_url
    app = create_app(node_config(url, tmp_path))
    with app.app_context(), empty_schema(db):
        yield app


def test_upgrade_matches_the_models(empty_app: Any) -> None:
    upgrade()
    assert drift(db) == []


def test_downgrade_to_base_and_back(empty_app: Any) -> None:
    upgrade()
    downgrade(revision="base")
    upgrade()


def test_audit_log_is_append_only_in_the_database(empty_app: Any) -> None:
    upgrade()
    assert_audit_log_is_append_only(db)


def test_a_filled_database_upgrades_from_the_first_migration(empty_app: Any) -> None:
    # What the first schema's CHECK constraints ask: a consent or a decision is about a
    # connectee or a connector, never both; follow-ups come at 3, 6 or 12 months.
    one_subject = {"connector_id": None}
    upgrade_filled_database(
        db,
        {
            "consents": one_subject,
            "eligibility_decisions": one_subject,
            "follow_up_outcomes": {"milestone_months": 6},
        },
    )
