"""Fixtures of the hub's authentication tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from hub.extensions import db
from tests.conftest import recorded_statements


@pytest.fixture
def standing_reads(hub_app: Flask) -> Iterator[list[str]]:
    """The statements that read a client's standing, as the database receives them."""
    with recorded_statements(
        db.engine, lambda sql: "oauth_clients" in sql and "secret_changed_at" in sql
    ) as seen:
        yield seen
