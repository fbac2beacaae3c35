"""The Alembic history builds the same schema as the models, on every backend."""

from __future__ import annotations

import json
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


def test_skill_ids_are_renormalized_by_word_form(empty_app: Any) -> None:
    from alembic.script import ScriptDirectory
    from flask import current_app
    from sqlalchemy import text

    from shared.taxonomy import default_skills
    from tests.community_node.factories import ConnectorFactory, bind

    # Just before the renormalizing migration, whatever came before it, so the models
    # (and the factory) match the tables.
    config = current_app.extensions["migrate"].migrate.get_config()
    before = ScriptDirectory.from_config(config).get_revision("c3a1d9e7f201").down_revision
    upgrade(revision=before)
    bind(db.session)
    connector = ConnectorFactory(skills=["auditing", "Java"])
    db.session.execute(
        text("UPDATE connectors SET skill_ids = :ids WHERE id = :id"),
        {"ids": '["stale"]', "id": connector.id},
    )
    db.session.commit()
    connector_id = connector.id
    db.session.expunge_all()
    upgrade()
    stored = db.session.execute(
        text("SELECT skill_ids FROM connectors WHERE id = :id"), {"id": connector_id}
    ).scalar_one()
    stored = stored if isinstance(stored, list) else json.loads(stored)
    audit = default_skills().normalize("audit")
    assert audit is not None
    assert stored == default_skills().skill_ids(["auditing", "Java"])
    assert stored[0] == audit.id


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
