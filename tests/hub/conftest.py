"""Fixtures for the hub: an app per test on each backend, clients, communities, tokens.

On PostgreSQL the hub gets its own database per worker (suffix ``_hub``): its tables share
names with the node's (``staff_users``, ``audit_events``), so one database cannot hold both.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from hub.app import create_app
from hub.auth.models import SigningKey
from hub.auth.standing import stop_standing_watch
from hub.communities.services import Credentials, add_community
from hub.extensions import db
from tests.conftest import (
    POSTGRES_URL,
    Backend,
    empty_postgres_tables,
    sqlite_templates,
    worker_database,
)

TEST_KID = "test-key"
_schema_ready: set[str] = set()


@pytest.fixture(scope="session")
def hub_database(backend: Backend, worker_id: str) -> str | None:
    """This worker's hub database on PostgreSQL; None on SQLite (a file per test)."""
    if backend.name == "postgresql":
        url = worker_database(POSTGRES_URL, worker_id, "_hub")
        # pytest may set this fixture up again (when tests of both backends interleave):
        # the database is then new and empty, and needs its tables again.
        _schema_ready.discard(url)
        return url
    return None


@pytest.fixture(scope="session")
def rsa_key() -> RSAKey:
    """One hub signing key per session: generating RSA keys per test would be slow."""
    return RSAKey.generate_key(2048, private=True, parameters={"kid": TEST_KID})


def hub_config(url: str, **extra: Any) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        # A suspension reaches a watching worker a few milliseconds after its commit: the
        # tests that suspend and call at once want it read on the call. The watch has its
        # own tests (tests/hub/auth/test_standing_watch.py).
        "STANDING_WATCH": False,
        **extra,
    }


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    """Per-test overrides of the hub configuration."""
    return {}


@pytest.fixture
def hub_app(
    hub_database: str | None,
    tmp_path: Path,
    hub_app_config: dict[str, Any],
    rsa_key: RSAKey,
) -> Iterator[Flask]:
    url = hub_database or f"sqlite:///{tmp_path}/hub.sqlite"
    sqlite = hub_database is None
    if sqlite and sqlite_templates.copy_to("hub", tmp_path / "hub.sqlite"):
        _schema_ready.add(url)
    app = create_app(hub_config(url, **hub_app_config))
    with app.app_context():
        if url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(url)
            if sqlite:
                sqlite_templates.save("hub", db.engine)
        db.session.add(SigningKey(kid=TEST_KID, private_pem=rsa_key.as_pem(private=True).decode()))
        db.session.commit()
        yield app
        stop_standing_watch(app)
        db.session.remove()
        if not sqlite:
            empty_postgres_tables(db.engine, db.metadata)
        db.engine.dispose()


@pytest.fixture
def hub_client(hub_app: Flask) -> FlaskClient:
    return hub_app.test_client()


@pytest.fixture
def hub_runner(hub_app: Flask) -> FlaskCliRunner:
    return hub_app.test_cli_runner()


@pytest.fixture
def halifax(hub_app: Flask) -> Credentials:
    """A registered community holding every scope."""
    return add_community("halifax", "Halifax", region="NS", actor="test")


def basic(creds: Credentials, secret: str | None = None) -> dict[str, str]:
    raw = f"{creds.client_id}:{secret if secret is not None else creds.client_secret}"
    return {"Authorization": "Basic " + base64.b64encode(raw.encode()).decode()}


def request_token(
    client: FlaskClient, creds: Credentials, scope: str | None = None, **kw: Any
) -> Any:
    data = {"grant_type": "client_credentials"}
    if scope is not None:
        data["scope"] = scope
    headers = {**basic(creds), **kw.pop("headers", {})}
    return client.post("/oauth/token", data=data, headers=headers, **kw)


@pytest.fixture
def get_token(hub_client: FlaskClient) -> Callable[..., str]:
    """Fetch an access token for a community through the real token endpoint."""

    def fetch(creds: Credentials, scope: str | None = None) -> str:
        response = request_token(hub_client, creds, scope)
        assert response.status_code == 200, response.get_json()
        token: str = response.get_json()["access_token"]
        return token

    return fetch


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def forge(rsa_key: RSAKey, halifax: Credentials) -> Callable[..., str]:
    """Sign a token by hand (default: a valid one for halifax) to test what the hub refuses."""

    def sign(key: RSAKey | None = None, header: dict[str, Any] | None = None, **claims: Any) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": "connector-hub",
            "aud": "connector-hub",
            "sub": halifax.client_id,
            "client_id": halifax.client_id,
            "community": "halifax",
            "scope": "profiles:write directory:read",
            "jti": "forged",
            "iat": now,
            "exp": now + 900,
        }
        payload.update(claims)
        payload = {k: v for k, v in payload.items() if v is not None}
        head = {"alg": "RS256", "typ": "at+jwt", **(header or {})}
        return jwt.encode(head, payload, KeySet([key or rsa_key]))

    return sign
