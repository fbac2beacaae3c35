"""Fixtures for the community node: an app per test on each backend, clients, tokens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner

from community_node.app import create_app
from community_node.auth.models import Role, StaffUser
from community_node.auth.services import create_token, create_user
from community_node.extensions import db
from tests.community_node import factories
from tests.conftest import empty_postgres_tables, sqlite_templates

_schema_ready: set[str] = set()


def node_config(url: str, tmp_path: Path, **extra: Any) -> dict[str, Any]:
    return {
        "ENV": "testing",
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": False,
        "COMMUNITY_NAME": "Testville",
        "COMMUNITY_SLUG": "testville",
        **extra,
    }


@pytest.fixture
def app_config() -> dict[str, Any]:
    """Per-test overrides of the node configuration."""
    return {}


@pytest.fixture
def app(backend: Any, tmp_path: Path, app_config: dict[str, Any]) -> Iterator[Flask]:
    url = backend.url_for(tmp_path, "node")
    sqlite = backend.name == "sqlite"
    if sqlite and sqlite_templates.copy_to("node", tmp_path / "node.sqlite"):
        _schema_ready.add(url)
    app = create_app(node_config(url, tmp_path, **app_config))
    with app.app_context():
        if url not in _schema_ready:
            db.drop_all()
            db.create_all()
            _schema_ready.add(url)
            if sqlite:
                sqlite_templates.save("node", db.engine)
        factories.bind(db.session)
        yield app
        db.session.remove()
        if not sqlite:
            empty_postgres_tables(db.engine, db.metadata)
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    return app.test_cli_runner()


def _staff(role: Role) -> StaffUser:
    return create_user(
        f"{role.value}@example.org", role.value.title(), role, "correct horse battery", actor="test"
    )


class ApiClient:
    """A test client that sends a bearer token and speaks JSON."""

    def __init__(self, client: FlaskClient, token: str) -> None:
        self.client, self.token = client, token

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.post(
            url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def patch(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.patch(
            url, json=json, headers=self._headers(kw.pop("headers", None)), **kw
        )

    def put(self, url: str, json: Any = None, **kw: Any) -> Any:
        return self.client.put(url, json=json, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self._headers(kw.pop("headers", None)), **kw)


@pytest.fixture
def coordinator(app: Flask) -> StaffUser:
    return _staff(Role.COORDINATOR)


@pytest.fixture
def api(client: FlaskClient, coordinator: StaffUser) -> ApiClient:
    """An API client acting as a coordinator."""
    return ApiClient(client, create_token(coordinator, "tests", actor="test").secret)


@pytest.fixture
def viewer_api(client: FlaskClient) -> ApiClient:
    return ApiClient(client, create_token(_staff(Role.VIEWER), "tests", actor="test").secret)


@pytest.fixture
def admin_api(client: FlaskClient) -> ApiClient:
    return ApiClient(client, create_token(_staff(Role.ADMIN), "tests", actor="test").secret)
