"""On PostgreSQL a worker keeps standings until the database says one changed.

Triggers notify on every change of what a standing reads, whoever writes it; each worker
listens and forgets what it kept. These run against the real database: the triggers the
models create, a listening connection of the worker's own, a backend killed under it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client import REGISTRY
from sqlalchemy import make_url, text, update

from hub.auth.keys import create_signing_key, retire_signing_key
from hub.auth.standing import CHANNEL, StandingWatch, standing_watch
from hub.communities.models import Community, CommunityStatus
from hub.communities.services import Credentials, rotate_secret, set_status
from hub.extensions import db
from tests.hub.conftest import TEST_KID, bearer

WHOAMI = "/api/v1/whoami"
WAIT_S = 10.0  # generous: a loaded CI machine; the watch itself reacts in milliseconds


def _until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {WAIT_S:.0f} s: {what}")
        time.sleep(0.01)


@pytest.fixture
def postgres(hub_database: str | None) -> str:
    if hub_database is None:
        pytest.skip("PostgreSQL only: SQLite has no notifications, every call reads")
    return hub_database


@pytest.fixture
def watch(postgres: str, hub_app: Flask, halifax: Credentials) -> StandingWatch[Any]:
    """The worker's watch over the app's standings, listening.

    Halifax is registered first: its rows' notification would otherwise reach the watch
    at some moment during the test and forget what a test counts on being kept.
    """
    hub_app.config["STANDING_WATCH"] = True
    found = standing_watch(hub_app, db.engine)
    assert found is not None
    _until(lambda: found.listening, "the watch listens")
    return found


def _calls(client: FlaskClient, token: str, count: int = 3) -> list[int]:
    return [client.get(WHOAMI, headers=bearer(token)).status_code for _ in range(count)]


def _after_change(watch: StandingWatch[Any], change: Callable[[], object]) -> None:
    """Make ``change`` and wait until the watch has heard of it."""
    seen = watch.epoch
    change()
    _until(lambda: watch.epoch > seen, "the change reaches the watch")


def test_a_watched_standing_is_read_once_then_a_suspension_stops_the_next_call(
    watch: StandingWatch[Any],
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    token = get_token(halifax)
    standing_reads.clear()
    assert _calls(hub_client, token) == [200, 200, 200]
    assert len(standing_reads) == 1
    _after_change(watch, lambda: set_status("halifax", CommunityStatus.SUSPENDED, actor="test"))
    refused = hub_client.get(WHOAMI, headers=bearer(token))
    assert refused.status_code == 401
    assert refused.get_json()["error"] == "invalid_token"
    assert len(standing_reads) == 2


def _retire_the_test_key() -> object:
    return retire_signing_key(TEST_KID, actor="test")


def _rotate_the_secret() -> object:
    time.sleep(1.1)  # a rotation refuses the tokens issued before it, to the second
    return rotate_secret("halifax", actor="test")


@pytest.mark.parametrize(
    "change", [_rotate_the_secret, _retire_the_test_key], ids=["secret", "signing key"]
)
def test_a_rotated_secret_or_a_retired_key_stops_the_next_call(
    change: Callable[[], object],
    watch: StandingWatch[Any],
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
) -> None:
    token = get_token(halifax)  # signed with the test key
    create_signing_key(actor="test")  # the next key, so that the test key may retire
    assert _calls(hub_client, token) == [200, 200, 200]
    _after_change(watch, change)
    assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 401


def test_a_change_written_by_hand_reaches_the_watch(
    watch: StandingWatch[Any],
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    postgres: str,
) -> None:
    """An administrator's psql, not the services: the triggers see it all the same."""
    token = get_token(halifax)
    assert _calls(hub_client, token) == [200, 200, 200]

    def by_hand() -> None:
        with psycopg.connect(postgres.replace("postgresql+psycopg", "postgresql")) as conn:
            conn.execute("UPDATE communities SET status = 'suspended' WHERE slug = 'halifax'")

    _after_change(watch, by_hand)
    assert hub_client.get(WHOAMI, headers=bearer(token)).status_code == 401


def test_a_sync_is_no_change_of_standing(
    watch: StandingWatch[Any],
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    """A sync bumps profiles_version and last_sync_at: the standings stay kept."""
    token = get_token(halifax)
    standing_reads.clear()
    assert _calls(hub_client, token, 1) == [200]
    seen = watch.epoch
    db.session.execute(update(Community).values(profiles_version=Community.profiles_version + 1))
    db.session.commit()
    # A notification, had there been one, is delivered with the commit: give it its time.
    time.sleep(0.5)
    assert watch.epoch == seen
    assert _calls(hub_client, token) == [200, 200, 200]
    assert len(standing_reads) == 1


def test_a_standing_read_while_a_change_arrives_is_not_kept(
    watch: StandingWatch[Any], halifax: Credentials
) -> None:
    mark = watch.opened()
    assert mark is not None
    _after_change(watch, lambda: set_status("halifax", CommunityStatus.SUSPENDED, actor="test"))
    watch.keep(mark, "a-client", "read before the change")
    assert watch.recall("a-client") is None
    watch.keep(watch.opened(), "a-client", "read after it")
    assert watch.recall("a-client") == "read after it"


def test_a_lost_connection_forgets_everything_and_comes_back(
    watch: StandingWatch[Any],
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    token = get_token(halifax)
    standing_reads.clear()
    assert _calls(hub_client, token) == [200, 200, 200]
    assert len(standing_reads) == 1
    seen = watch.epoch
    with db.engine.connect() as conn:
        killed = conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND query = :listen"
            ),
            {"listen": f"LISTEN {CHANNEL}"},
        ).all()
    assert killed == [(True,)]
    # Forgotten when the connection failed, listening again on a new one (0.5 s later).
    _until(lambda: watch.epoch >= seen + 2 and watch.listening, "the watch listens again")
    assert _calls(hub_client, token) == [200, 200, 200]
    assert len(standing_reads) == 2


def test_no_watch_on_sqlite_or_when_turned_off(hub_app: Flask, hub_database: str | None) -> None:
    hub_app.config["STANDING_WATCH"] = hub_database is None  # on for SQLite, off for PG
    assert standing_watch(hub_app, db.engine) is None


def _listening_gauge() -> float | None:
    return REGISTRY.get_sample_value("connector_hub_standing_watch_listening", {"channel": CHANNEL})


def test_a_watch_stopped_keeps_nothing(watch: StandingWatch[Any]) -> None:
    assert _listening_gauge() == 1
    watch.stop(timeout=5)
    assert not watch.listening
    assert _listening_gauge() == 0
    watch.keep(watch.opened(), "a-client", "kept?")
    assert watch.recall("a-client") is None


def test_a_watch_that_cannot_hear_the_changes_keeps_nothing(
    postgres: str,
    hub_app: Flask,
    hub_client: FlaskClient,
    halifax: Credentials,
    get_token: Callable[..., str],
    standing_reads: list[str],
) -> None:
    """Listening elsewhere (here another database on the same server, as a replica or a
    pooler would be): it never hears its probe, so every call reads its standing."""
    elsewhere = make_url(postgres).set(database="postgres").render_as_string(hide_password=False)
    hub_app.config.update(STANDING_WATCH=True, STANDING_WATCH_URL=elsewhere)
    found = standing_watch(hub_app, db.engine)
    assert found is not None
    token = get_token(halifax)
    standing_reads.clear()
    _until(lambda: found.failures > 0, "the probe goes unheard")
    assert not found.listening
    assert _listening_gauge() == 0
    assert _calls(hub_client, token) == [200, 200, 200]
    assert len(standing_reads) == 3
