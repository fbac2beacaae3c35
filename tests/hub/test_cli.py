"""``connector-hub``: init, staff users, and community administration."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import DatabaseError

from hub.app import create_app
from hub.audit.models import AuditEvent
from hub.auth.models import Role, SigningKey, StaffUser
from hub.communities.models import ALL_SCOPES, Community, CommunityStatus
from hub.extensions import db
from tests.conftest import POSTGRES_URL, Backend, worker_database
from tests.hub.conftest import hub_config, request_token


@pytest.fixture
def empty_hub(backend: Backend, worker_id: str, tmp_path: Path) -> Iterator[Flask]:
    """A hub on a database with no tables at all, as on a first deployment."""
    if backend.name == "postgresql":
        url = worker_database(POSTGRES_URL, worker_id, "_hubinit")
    else:
        url = f"sqlite:///{tmp_path}/fresh.sqlite"
    app = create_app(hub_config(url))
    with app.app_context():
        if backend.name == "postgresql":  # the database outlives one test: empty it
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        yield app
        db.session.remove()
        db.engine.dispose()


def test_init_migrates_an_empty_database_and_makes_one_signing_key(empty_hub: Flask) -> None:
    runner = empty_hub.test_cli_runner()

    first = runner.invoke(args=["init"])
    assert first.exit_code == 0, first.output
    kid = re.search(r"Created token signing key (\S+)\.", first.output)
    assert kid is not None
    tables = set(inspect(db.engine).get_table_names())
    assert {"communities", "oauth_clients", "signing_keys", "staff_users", "audit_events"} <= tables

    again = runner.invoke(args=["init"])
    assert again.exit_code == 0, again.output
    assert f"Kept token signing key {kid.group(1)}." in again.output
    assert db.session.scalars(select(SigningKey)).all()[0].kid == kid.group(1)
    # The migrations describe exactly the models (nothing left for autogenerate).
    check = runner.invoke(args=["db", "check"])
    assert check.exit_code == 0, check.output


def test_migrated_audit_log_refuses_plain_sql_changes(empty_hub: Flask) -> None:
    assert empty_hub.test_cli_runner().invoke(args=["init"]).exit_code == 0
    assert db.session.scalar(select(AuditEvent.action)) == "signing_key.create"
    for statement in ("UPDATE audit_events SET actor = 'x'", "DELETE FROM audit_events"):
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()


def test_users_create_hashes_the_password(hub_runner: FlaskCliRunner) -> None:
    result = hub_runner.invoke(
        args=["users", "create", "--email", "Ana@Example.org", "--name", "Ana", "--role", "admin"],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert result.exit_code == 0, result.output
    user = db.session.scalar(select(StaffUser))
    assert user is not None
    assert (user.email, user.role) == ("ana@example.org", Role.ADMIN)
    assert user.password_hash.startswith("$argon2")

    again = hub_runner.invoke(
        args=["users", "create", "--email", "ana@example.org", "--name", "Ana"],
        input="correct horse battery\ncorrect horse battery\n",
    )
    assert again.exit_code != 0
    assert "already exists" in again.output
    short = hub_runner.invoke(
        args=["users", "create", "--email", "bo@example.org", "--name", "Bo", "--password", "short"]
    )
    assert short.exit_code != 0
    assert "password: Use at least 10 characters." in short.output


def _credentials(output: str) -> tuple[str, str]:
    client_id = re.search(r"client_id:\s+(\S+)", output)
    secret = re.search(r"client_secret:\s+(\S+)", output)
    assert client_id and secret, output
    return client_id.group(1), secret.group(1)


def test_communities_add_prints_working_credentials_once(
    hub_app: Flask, hub_runner: FlaskCliRunner
) -> None:
    result = hub_runner.invoke(
        args=["communities", "add", "--slug", "halifax", "--name", "Halifax", "--region", "NS"]
    )
    assert result.exit_code == 0, result.output
    client_id, secret = _credentials(result.output)

    community = db.session.scalar(select(Community))
    assert community is not None
    assert (community.slug, community.country, community.region) == ("halifax", "CA", "NS")
    assert community.client.scopes == list(ALL_SCOPES)
    assert secret not in community.client.secret_digest  # only a digest is stored
    assert secret not in json.dumps([e.details for e in db.session.scalars(select(AuditEvent))])

    listing = hub_runner.invoke(args=["communities", "list"])
    assert "halifax\tactive\t" + client_id in listing.output
    assert secret not in listing.output

    from hub.communities.services import Credentials

    creds = Credentials(community, client_id, secret)
    assert request_token(hub_app.test_client(), creds).status_code == 200


def test_communities_add_with_limited_scopes(hub_runner: FlaskCliRunner) -> None:
    result = hub_runner.invoke(
        args=["communities", "add", "--slug", "truro", "--name", "Truro", "--scopes",
              "profiles:write outcomes:write"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    community = db.session.scalar(select(Community).where(Community.slug == "truro"))
    assert community is not None
    assert community.client.scope == "profiles:write outcomes:write"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--slug", "Hali fax", "--name", "H"], "slug: Use 2-40 lowercase"),
        (["--slug", "halifax", "--name", "H", "--scopes", "admin"], "scopes: Choose among"),
        (["--slug", "halifax", "--name", "H", "--country", "Canada"], "country: Use a two-letter"),
    ],
)
def test_communities_add_rejects_bad_input(
    hub_runner: FlaskCliRunner, args: list[str], message: str
) -> None:
    result = hub_runner.invoke(args=["communities", "add", *args])
    assert result.exit_code != 0
    assert message in result.output
    assert db.session.scalar(select(Community)) is None


def test_communities_add_refuses_a_taken_slug(hub_runner: FlaskCliRunner) -> None:
    args = ["communities", "add", "--slug", "halifax", "--name", "Halifax"]
    assert hub_runner.invoke(args=args).exit_code == 0
    again = hub_runner.invoke(args=args)
    assert again.exit_code != 0
    assert "already exists" in again.output


def test_rotate_secret_prints_a_new_secret_and_the_old_one_stops(
    hub_app: Flask, hub_runner: FlaskCliRunner
) -> None:
    from hub.communities.services import Credentials

    added = hub_runner.invoke(args=["communities", "add", "--slug", "halifax", "--name", "H"])
    client_id, old_secret = _credentials(added.output)

    rotated = hub_runner.invoke(args=["communities", "rotate-secret", "halifax"])
    assert rotated.exit_code == 0, rotated.output
    same_id, new_secret = _credentials(rotated.output)
    assert same_id == client_id and new_secret != old_secret

    community = db.session.scalar(select(Community))
    assert community is not None
    client = hub_app.test_client()
    assert request_token(client, Credentials(community, client_id, old_secret)).status_code == 401
    assert request_token(client, Credentials(community, client_id, new_secret)).status_code == 200
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "community.rotate_secret" in actions

    missing = hub_runner.invoke(args=["communities", "rotate-secret", "nowhere"])
    assert missing.exit_code != 0
    assert "No community nowhere" in missing.output


def test_silence_suspend_activate(hub_runner: FlaskCliRunner) -> None:
    hub_runner.invoke(args=["communities", "add", "--slug", "halifax", "--name", "Halifax"])

    for verb, status in [
        ("silence", CommunityStatus.SILENCED),
        ("suspend", CommunityStatus.SUSPENDED),
        ("activate", CommunityStatus.ACTIVE),
    ]:
        why = ["--reason", "data under review"] if verb == "silence" else []
        result = hub_runner.invoke(args=["communities", verb, "halifax", *why])
        assert result.exit_code == 0, result.output
        assert f"halifax is now {status.value}." in result.output
        db.session.expire_all()
        assert db.session.scalar(select(Community.status)) is status

    same = hub_runner.invoke(args=["communities", "activate", "halifax"])
    assert same.exit_code != 0
    assert "already active" in same.output
    details = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "community.set_status")
    ).all()
    assert details == [
        {"from": "active", "to": "silenced", "reason": "data under review"},
        {"from": "silenced", "to": "suspended"},
        {"from": "suspended", "to": "active"},
    ]
    too_long = hub_runner.invoke(args=["communities", "suspend", "halifax", "--reason", "x" * 501])
    assert too_long.exit_code != 0
    assert "500 characters" in too_long.output
