"""schemathesis over the hub's whole OpenAPI spec, with a real OAuth2 token of a community."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask

from hub.app import create_app
from hub.communities.services import Credentials
from tests.hub.conftest import hub_config
from tests.openapi_fuzz import FUZZ_SETTINGS, call, published_schema

schema = published_schema(create_app(hub_config("sqlite://")))


@pytest.fixture
def token(halifax: Credentials, get_token: Callable[..., str]) -> str:
    """A token from the real token endpoint, for a community holding every scope."""
    return get_token(halifax)


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_operation_answers_a_server_error(case: Any, hub_app: Flask, token: str) -> None:
    # Every write must carry an Idempotency-Key (the spec does not say so): without one,
    # each POST and PUT would stop at that 400 and never reach the code behind it.
    headers = {"Authorization": f"Bearer {token}", "Idempotency-Key": uuid.uuid4().hex}
    call(case, hub_app, headers)
