"""Logged-in browser sessions for the staff pages' tests."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import Role, StaffUser
from community_node.auth.services import create_user

PASSWORD = "correct horse battery"


def login(client: FlaskClient, email: str, password: str = PASSWORD) -> Any:
    return client.post("/login", data={"email": email, "password": password})


@pytest.fixture
def staff_client(client: FlaskClient, coordinator: StaffUser) -> FlaskClient:
    """A browser session logged in as a coordinator."""
    assert login(client, coordinator.email).status_code == 303
    return client


@pytest.fixture
def viewer_client(app: Flask) -> FlaskClient:
    """Another browser session, logged in as a viewer (reads, never writes)."""
    viewer = create_user("viewer@example.org", "Vera Viewer", Role.VIEWER, PASSWORD, actor="test")
    client = app.test_client()
    assert login(client, viewer.email).status_code == 303
    return client
