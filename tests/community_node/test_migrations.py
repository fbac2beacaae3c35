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


def test_spoken_languages_move_to_iso_639_3_and_back(empty_app: Any) -> None:
    from flask_migrate import downgrade
    from sqlalchemy import select, text

    from community_node.introductions.models import CrossCityIntro, IntroDirection
    from community_node.participants.models import (
        ConnecteeLanguage,
        ConnectorLanguage,
        LanguageLevel,
    )
    from community_node.sync.models import OutboxItem, OutboxKind, OutboxStatus
    from tests.community_node.factories import ConnecteeFactory, ConnectorFactory, bind

    L = LanguageLevel
    upgrade(revision=LANGUAGES_BEFORE)
    bind(db.session)
    amira = ConnecteeFactory(
        languages=[
            ConnecteeLanguage(language="en", level=L.B2),
            ConnecteeLanguage(language="ar", level=L.NATIVE),
            ConnecteeLanguage(language="prs", level=L.C1),  # no ISO 639-1 code: stays
            ConnecteeLanguage(language="zzz", level=L.A1),  # unknown: left as it is
        ]
    )
    # Two spellings of Persian stored by an old import: one row, the higher level.
    farid = ConnecteeFactory(
        languages=[
            ConnecteeLanguage(language="fa", level=L.B1),
            ConnecteeLanguage(language="per", level=L.NATIVE),
        ]
    )
    nurse = ConnectorFactory(languages=[ConnectorLanguage(language="ht", level=L.NATIVE)])
    pitch = {"target_occupation": "29-1141", "experience_band": None, "skills": [],
             "languages": [{"language": "ar", "level": "B2"}]}  # fmt: skip
    db.session.add(
        CrossCityIntro(direction=IntroDirection.OUTGOING, pitch=pitch, created_by="test")
    )
    payload = {"ref": "a" * 32, "languages": [{"language": "ti", "level": "C1"}]}
    db.session.add_all(
        [
            OutboxItem(kind=OutboxKind.PROFILE, key="a" * 32, payload=payload),
            OutboxItem(
                kind=OutboxKind.PROFILE, key="b" * 32, payload=payload,
                status=OutboxStatus.SENT,  # history: left as it was sent
            ),
        ]
    )  # fmt: skip
    db.session.commit()
    ids = (amira.id, farid.id, nurse.id)
    db.session.expunge_all()

    def stored() -> dict[str, Any]:
        def rows(table: str, owner: str, person: int) -> list[tuple[str, str]]:
            return sorted(
                (language, level)
                for language, level in db.session.execute(
                    text(f"SELECT language, level FROM {table} WHERE {owner} = :id"),
                    {"id": person},
                ).all()
            )

        def codes(value: Any) -> list[str]:
            value = value if isinstance(value, dict) else json.loads(value)
            return [lang["language"] for lang in value["languages"]]

        outbox = db.session.execute(text("SELECT payload FROM sync_outbox ORDER BY seq")).all()
        found = {
            "amira": rows("connectee_languages", "connectee_id", ids[0]),
            "farid": rows("connectee_languages", "connectee_id", ids[1]),
            "nurse": rows("connector_languages", "connector_id", ids[2]),
            "pitch": codes(
                db.session.execute(text("SELECT pitch FROM cross_city_intros")).scalar_one()
            ),
            "outbox": [codes(payload) for (payload,) in outbox],
        }
        db.session.rollback()
        return found

    upgrade()
    assert stored() == {
        "amira": [("ara", "native"), ("eng", "B2"), ("prs", "C1"), ("zzz", "A1")],
        "farid": [("fas", "native")],
        "nurse": [("hat", "native")],
        "pitch": ["ara"],
        "outbox": [["tir"], ["ti"]],
    }
    # The models read them: English is found by its ISO 639-3 code.
    person = db.session.scalars(
        select(ConnecteeFactory._meta.model).where(ConnecteeFactory._meta.model.id == ids[0])
    ).one()
    assert person.english_level is L.B2
    db.session.rollback()

    downgrade(revision=LANGUAGES_BEFORE)
    assert stored() == {
        "amira": [("ar", "native"), ("en", "B2"), ("prs", "C1"), ("zzz", "A1")],
        "farid": [("fa", "native")],
        "nurse": [("ht", "native")],
        "pitch": ["ar"],
        "outbox": [["ti"], ["ti"]],
    }
    upgrade()
    assert drift(db) == []


#: The revision just before spoken languages became ISO 639-3 (5e9d3b1a7c42).
LANGUAGES_BEFORE = "c3a1d9e7f204"
