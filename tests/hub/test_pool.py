"""The hub's PostgreSQL pool (shared.web.database): no ping per request, dead idle ones replaced."""

from __future__ import annotations

import psycopg
import pytest
from flask import Flask
from sqlalchemy import text

from hub.extensions import db
from shared.web import database as config
from tests.conftest import recorded_statements


@pytest.fixture
def pg_hub(hub_app: Flask) -> Flask:
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the idle-ping pool is PostgreSQL's")
    assert isinstance(db.engine.pool, config.IdlePingPool)
    assert not db.engine.pool._pre_ping
    return hub_app


def _backend_pid() -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_a_connection_in_steady_use_is_not_pinged(pg_hub: Flask) -> None:
    db.engine.dispose()
    with recorded_statements(db.engine) as statements:
        first = _backend_pid()
        assert _backend_pid() == first
    assert statements == ["SELECT pg_backend_pid()"] * 2


def test_an_idle_connection_the_server_dropped_is_replaced(
    pg_hub: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    db.engine.dispose()
    dead = _backend_pid()
    url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (dead,))
    # Everything counts as idle now: the next checkout pings, finds the connection dead,
    # and the pool hands out a new one instead of failing the request.
    monkeypatch.setattr(config, "IDLE_PING_SECONDS", -1.0)
    assert _backend_pid() != dead
