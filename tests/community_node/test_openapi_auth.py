"""The API document declares the bearer token, so Swagger UI can send one with "Try it out"."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.community_node.conftest import ApiClient

METHODS = {"get", "post", "put", "patch", "delete"}


def test_the_spec_declares_the_bearer_scheme_on_every_api_operation(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").get_json()

    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": spec["components"]["securitySchemes"]["bearerAuth"]["description"],
    }
    operations = [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    ]
    assert len(operations) > 20  # the node's whole API, not an empty document
    assert all(path.startswith("/api/v1/") for path, _, _ in operations)
    unsecured = [
        f"{method.upper()} {path}"
        for path, method, operation in operations
        if operation.get("security") != [{"bearerAuth": []}]
    ]
    assert unsecured == []


def test_the_token_swagger_ui_sends_is_what_the_api_accepts(
    client: FlaskClient, api: ApiClient
) -> None:
    # "Try it out" sends exactly "Authorization: Bearer <token>" for an http bearer scheme.
    assert client.get("/api/v1/connectees").status_code == 401
    assert api.get("/api/v1/connectees").status_code == 200


def test_the_docs_page_is_served(client: FlaskClient) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    assert b"swagger" in page.data.lower()
