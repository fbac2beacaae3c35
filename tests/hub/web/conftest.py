"""Fixtures for the staff web UI: national staff of each role, logged-in browser sessions."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask, g
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hub.auth.models import Role, StaffUser
from hub.auth.services import create_user
from tests.hub.federation import conftest as federation
from tests.hub.introductions import conftest as introductions

# The federation fixtures, made visible to this directory's tests.
api_for = federation.api_for
halifax_api = federation.halifax_api
stlouis = federation.stlouis
stlouis_api = federation.stlouis_api
listed_id = introductions.listed_id

PASSWORD = "correct horse battery"
EMAILS = {
    Role.ADMIN: "ana.admin@example.org",
    Role.COORDINATOR: "cora.coordinator@example.org",
    Role.VIEWER: "vera.viewer@example.org",
}


class StaffClient(FlaskClient):
    """A browser: each request loads its logged-in user afresh, as when served.

    ``hub_app`` keeps an app context pushed and every test request reuses it, so
    Flask-Login's per-request ``g._login_user`` would carry one client's user into the
    next request, another client's included; served, each request has its own context.
    """

    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        g.pop("_login_user", None)
        return super().open(*args, **kwargs)


@pytest.fixture(autouse=True)
def _fresh_user_per_request(hub_app: Flask) -> None:
    hub_app.test_client_class = StaffClient


@pytest.fixture
def hub_app_config() -> dict[str, Any]:
    """Forms without CSRF tokens, as most tests post them (the CSRF tests switch it on)."""
    return {"WTF_CSRF_ENABLED": False}


@pytest.fixture
def staff(hub_app: Flask) -> Callable[[Role], StaffUser]:
    """The national staff member with a role, created on first use (argon2 is slow)."""
    made: dict[Role, StaffUser] = {}

    def get(role: Role) -> StaffUser:
        if role not in made:
            name = f"{role.value.capitalize()} Person"
            made[role] = create_user(EMAILS[role], name, role, PASSWORD, actor="test")
        return made[role]

    return get


def login(
    client: FlaskClient,
    email: str,
    password: str = PASSWORD,
    *,
    extra: dict[str, str] | None = None,
    **kw: Any,
) -> TestResponse:
    """Post the login form (``extra``: more form fields, e.g. the CSRF token)."""
    data = {"email": email, "password": password, **(extra or {})}
    return client.post("/login", data=data, **kw)


@pytest.fixture
def session_for(
    hub_app: Flask, staff: Callable[[Role], StaffUser]
) -> Callable[[Role], FlaskClient]:
    """A fresh browser session (own cookies) logged in with the given role."""

    def make(role: Role) -> FlaskClient:
        client = hub_app.test_client()
        assert login(client, staff(role).email).status_code == 303
        return client

    return make


@pytest.fixture
def admin(session_for: Callable[[Role], FlaskClient]) -> FlaskClient:
    return session_for(Role.ADMIN)


@pytest.fixture
def coordinator(session_for: Callable[[Role], FlaskClient]) -> FlaskClient:
    return session_for(Role.COORDINATOR)


@pytest.fixture
def viewer(session_for: Callable[[Role], FlaskClient]) -> FlaskClient:
    return session_for(Role.VIEWER)


def alerts(html: str) -> list[str]:
    """The flashed messages a page shows."""
    return re.findall(r'<article role="alert" class="flash \w+">([^<]*)</article>', html)


def csrf_token(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found[1]
