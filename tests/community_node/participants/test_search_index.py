"""The lists' free-text search: a trigram index on PostgreSQL, a scan where there is none."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from sqlalchemy import func, select, text

from community_node.database import TRIGRAM_EXTENSION, ensure_trigram, has_trigram
from community_node.extensions import db
from community_node.participants import services as participants
from tests.community_node.factories import ConnecteeFactory


def _plan(stmt: Any) -> str:
    compiled = stmt.compile(db.engine, compile_kwargs={"literal_binds": True})
    rows = db.session.execute(text(f"EXPLAIN {compiled}")).scalars()
    return "\n".join(rows)


def test_the_search_finds_by_part_of_a_word_on_every_backend(app: Any) -> None:
    ConnecteeFactory(first_name="Ana", last_name="Santos", email="ana@example.org")
    ConnecteeFactory(first_name="Jun", last_name="Lee", email="jun@example.org")
    db.session.commit()
    args = {"q": "ANTO", "sort": "id", "page": 1, "per_page": 50}
    page = participants.list_persons(participants.CONNECTEES, args)
    assert [p.last_name for p in page.items] == ["Santos"]
    assert page.total == 1
    # LIKE's own wildcards in the query are text, not patterns.
    assert participants.list_persons(participants.CONNECTEES, {**args, "q": "%"}).total == 0


def test_postgresql_answers_the_search_from_a_trigram_index(app: Any, backend: Any) -> None:
    if backend.name != "postgresql":
        pytest.skip("the trigram index is PostgreSQL's")
    assert has_trigram(db.session.connection())
    names = set(
        db.session.scalars(
            text("SELECT indexname FROM pg_indexes WHERE indexdef LIKE '%gin_trgm_ops%'")
        )
    )
    assert {"ix_connectees_search_text_trgm", "ix_connectors_search_text_trgm"} <= names
    # The list's own statements (the page and its count) can use it: with scans priced out,
    # as on a table large enough for the planner to prefer the index.
    db.session.execute(text("SET LOCAL enable_seqscan = off"))
    stmt = participants.person_filters(participants.CONNECTEES, {"q": "santos"})
    assert "ix_connectees_search_text_trgm" in _plan(stmt.order_by(text("id")).limit(50))
    count = select(func.count()).select_from(stmt.subquery())
    assert "ix_connectees_search_text_trgm" in _plan(count)
    db.session.rollback()


def test_sqlite_has_no_extension_to_create(app: Any, backend: Any) -> None:
    if backend.name != "sqlite":
        pytest.skip("SQLite only")
    assert ensure_trigram(db.session.connection()) is False
    assert has_trigram(db.session.connection()) is False


def test_a_role_that_may_not_create_the_extension_gets_a_warning_not_an_error(
    app: Any, backend: Any, caplog: pytest.LogCaptureFixture
) -> None:
    if backend.name != "postgresql":
        pytest.skip("extensions are PostgreSQL's")
    connection = db.session.connection()
    # All undone by the rollback below: the extension (and its indexes) dropped, and a role
    # that may not create anything in this database, as a node's role on an old server.
    connection.execute(text(f"DROP EXTENSION {TRIGRAM_EXTENSION} CASCADE"))
    connection.execute(text("CREATE ROLE trgm_refused NOLOGIN"))
    connection.execute(text("GRANT SELECT ON connectees TO trgm_refused"))
    connection.execute(text("SET LOCAL ROLE trgm_refused"))
    try:
        with caplog.at_level(logging.WARNING, logger="community_node.database"):
            assert ensure_trigram(connection) is False
        assert f"{TRIGRAM_EXTENSION} could not be created" in caplog.text
        # The transaction is still usable and the search still answers, by scanning.
        stmt = participants.person_filters(participants.CONNECTEES, {"q": "santos"})
        assert db.session.scalar(select(func.count()).select_from(stmt.subquery())) == 0
    finally:
        db.session.rollback()
    assert has_trigram(db.session.connection())


def test_an_import_leaves_nothing_pending_in_the_search_index(app: Any, backend: Any) -> None:
    if backend.name != "postgresql":
        pytest.skip("GIN pending lists are PostgreSQL's")
    from community_node.imports.services import import_file

    lines = ["first_name,last_name,email,skills"]
    lines += [f"Ana{i},Santos{i},ana{i}@example.org,patient care; triage" for i in range(60)]
    import_file("connectees", "people.csv", "\n".join(lines).encode(), actor="test")
    # The number of pending-list pages it had to merge: none, the import merged them.
    merged = db.session.scalar(
        text("SELECT gin_clean_pending_list('ix_connectees_search_text_trgm'::regclass)")
    )
    assert merged == 0
    stmt = participants.person_filters(participants.CONNECTEES, {"q": "santos1"})
    assert db.session.scalar(select(func.count()).select_from(stmt.subquery())) == 11
