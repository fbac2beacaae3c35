"""schemathesis over the node's whole OpenAPI spec, as an admin with an API token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from community_node.app import create_app
from tests.community_node.conftest import ApiClient, node_config
from tests.openapi_fuzz import FUZZ_SETTINGS, call, published_schema

schema = published_schema(create_app(node_config("sqlite://", Path("."))))


def _auth(api: ApiClient) -> dict[str, str]:
    return {"Authorization": f"Bearer {api.token}"}


@schema.parametrize()
@FUZZ_SETTINGS
def test_no_operation_answers_a_server_error(case: Any, app: Flask, admin_api: ApiClient) -> None:
    call(case, app, _auth(admin_api))
