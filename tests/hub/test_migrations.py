"""The hub's Alembic history builds the same schema as its models, on every backend.

The other hub tests create their tables from the models, so this is what keeps the
history (which `connector-hub init` runs in production) in step with them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import downgrade, upgrade
from sqlalchemy import JSON, String, column, insert, select, table, text

from hub.app import create_app
from hub.database import UTCDateTime
from hub.extensions import db
from tests.hub.conftest import hub_config
from tests.migration_checks import (
    assert_audit_log_is_append_only,
    drift,
    empty_schema,
    upgrade_filled_database,
)


@pytest.fixture(scope="session")
def hub_migrations_url(backend: Any, tmp_path_factory: Any) -> str:
    """A database of its own, so dropping tables here never disturbs other tests."""
    return str(backend.url_for(tmp_path_factory.mktemp("hub-migrations"), "hub_migrations"))


@pytest.fixture
def empty_hub(hub_migrations_url: str, tmp_path: Path) -> Iterator[Flask]:
    app = create_app(hub_config(hub_migrations_url))
    with app.app_context(), empty_schema(db):
        yield app


def test_upgrade_matches_the_models(empty_hub: Flask) -> None:
    upgrade()
    assert drift(db) == []


def test_downgrade_to_base_and_back(empty_hub: Flask) -> None:
    upgrade()
    downgrade(revision="base")
    upgrade()
    assert drift(db) == []


def test_profiles_version_starts_at_zero_for_existing_communities(empty_hub: Flask) -> None:
    upgrade(revision="5d0c8e41b7a2")
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO communities (slug, name, country, status, created_at) "
            "VALUES ('halifax', 'Halifax', 'CA', 'ACTIVE', CURRENT_TIMESTAMP)"
        ))  # fmt: skip
    upgrade()
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT profiles_version FROM communities")).scalar_one() == 0


def test_audit_log_is_append_only_in_the_database(empty_hub: Flask) -> None:
    upgrade()
    assert_audit_log_is_append_only(db)


def test_last_sync_at_is_backfilled_from_the_sync_audit_events(empty_hub: Flask) -> None:
    upgrade(revision="c2d7a9e4f810")
    events = table(
        "audit_events",
        column("at", UTCDateTime()),
        column("actor", String()),
        column("action", String()),
        column("entity_type", String()),
        column("details", JSON()),
    )
    synced = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    rows = [
        (synced - dt.timedelta(days=2), "community:halifax", "profiles.batch"),
        (synced, "community:halifax", "outcomes.replace"),
        # Not syncs: a later key registration, and staff acting on the community.
        (synced + dt.timedelta(days=1), "community:halifax", "community.public_key"),
        (synced + dt.timedelta(days=2), "staff:1", "community.set_status"),
    ]
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO communities (slug, name, country, status, created_at, profiles_version) "
            "VALUES ('halifax', 'Halifax', 'CA', 'ACTIVE', CURRENT_TIMESTAMP, 0), "
            "('moncton', 'Moncton', 'CA', 'ACTIVE', CURRENT_TIMESTAMP, 0)"
        ))  # fmt: skip
        conn.execute(
            insert(events),
            [
                {"at": at, "actor": actor, "action": action, "entity_type": "community",
                 "details": {}}
                for at, actor, action in rows
            ],
        )  # fmt: skip
    upgrade()
    communities = table(
        "communities", column("slug", String()), column("last_sync_at", UTCDateTime())
    )
    with db.engine.connect() as conn:
        found = dict(conn.execute(select(communities.c.slug, communities.c.last_sync_at)).all())
    assert found == {"halifax": synced, "moncton": None}


def test_a_filled_database_upgrades_from_the_first_migration(empty_hub: Flask) -> None:
    upgrade_filled_database(db)


def test_spoken_languages_move_to_iso_639_3_and_back(empty_hub: Flask) -> None:
    from hub.introductions.models import Introduction
    from hub.profiles.models import Profile

    upgrade(revision="38be395eec5f")  # just before spoken languages became ISO 639-3
    with db.engine.begin() as conn:
        conn.execute(text(
            "INSERT INTO communities (slug, name, country, status, created_at, profiles_version) "
            "VALUES ('halifax', 'Halifax', 'CA', 'ACTIVE', CURRENT_TIMESTAMP, 0)"
        ))  # fmt: skip
    old = [{"language": "ar", "level": "native"}, {"language": "prs", "level": "C1"},
           {"language": "en", "level": "B2"}, {"language": "zzz", "level": "A1"}]  # fmt: skip
    profile = Profile(
        community_id=1, ref="a" * 32, version=1, occupation="29-1141",
        occupation_level="detailed", languages=old, language_codes=" ar en prs zzz ",
    )  # fmt: skip
    empty = Profile(community_id=1, ref="b" * 32, version=1, deleted=True)
    db.session.add_all([profile, empty])
    db.session.flush()
    db.session.add(
        Introduction(
            seq=1, from_community_id=1, to_community_id=1, profile_id=profile.id,
            connector_ref="a" * 32, pitch={"languages": [{"language": "fa", "level": "B2"}]},
        )
    )  # fmt: skip
    db.session.commit()
    ids = (profile.id, empty.id)
    db.session.expunge_all()

    def stored() -> tuple[Any, ...]:
        row = db.session.get_one(Profile, ids[0])
        found = (
            [lang["language"] for lang in row.languages],
            row.language_codes,
            db.session.get_one(Profile, ids[1]).language_codes,
            [lang["language"] for lang in db.session.scalars(select(Introduction)).one().pitch[
                "languages"
            ]],
        )  # fmt: skip
        db.session.rollback()
        db.session.expunge_all()
        return found

    upgrade()
    assert stored() == (["ara", "prs", "eng", "zzz"], " ara eng prs zzz ", "", ["fas"])
    # The directory filters on the new codes.
    with db.engine.connect() as conn:
        assert (
            conn.execute(
                text("SELECT count(*) FROM profiles WHERE language_codes LIKE '% ara %'")
            ).scalar_one()
            == 1
        )
    downgrade(revision="38be395eec5f")
    assert stored() == (["ar", "prs", "en", "zzz"], " ar en prs zzz ", "", ["fa"])
    upgrade()
    assert drift(db) == []


def test_the_standing_triggers_come_with_the_history_as_with_the_models(empty_hub: Flask) -> None:
    """Workers keep standings until these notify (hub.auth.standing): both paths make them."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only: SQLite workers read the standing on every call")
    query = text(
        "SELECT tgrelid::regclass::text, tgname FROM pg_trigger"
        " WHERE tgname LIKE '%\\_standing' ORDER BY 1"
    )
    upgrade()
    with db.engine.connect() as conn:
        migrated = conn.execute(query).all()
    downgrade(revision="d5e8f1a2b3c4")
    with db.engine.connect() as conn:
        assert conn.execute(query).all() == []
    db.drop_all()
    db.create_all()
    with db.engine.connect() as conn:
        assert conn.execute(query).all() == migrated
    assert migrated == [
        ("communities", "communities_standing"),
        ("oauth_clients", "oauth_clients_standing"),
        ("signing_keys", "signing_keys_standing"),
    ]
