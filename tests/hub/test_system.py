"""Health, the OpenAPI document and docs page, vendored assets, errors, configuration."""

from __future__ import annotations

import re
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask.testing import FlaskClient

from hub.app import create_app
from hub.config import InsecureConfiguration
from hub.extensions import db


def test_healthz_reports_the_database(hub_client: FlaskClient) -> None:
    response = hub_client.get("/healthz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok"
    assert body["service"] == "hub"
    assert body["database"] in ("sqlite", "postgresql")


def test_openapi_describes_the_api_and_its_oauth2_scheme(hub_client: FlaskClient) -> None:
    spec = hub_client.get("/api/v1/openapi.json").get_json()
    assert spec["info"]["title"] == "Connector Network hub"
    assert "/api/v1/whoami" in spec["paths"]
    assert spec["paths"]["/api/v1/whoami"]["get"]["security"] == [{"oauth2": []}]
    scheme = spec["components"]["securitySchemes"]["oauth2"]
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "/oauth/token"
    assert "directory:read" in flow["scopes"]


def test_docs_page_uses_local_swagger_assets(hub_client: FlaskClient) -> None:
    page = hub_client.get("/api/docs")
    assert page.status_code == 200
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in page.get_data(as_text=True)
    asset = hub_client.get("/vendor/swagger-ui/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()


def test_unknown_api_path_is_json_and_unknown_page_is_html(hub_client: FlaskClient) -> None:
    api = hub_client.get("/api/v1/nothing")
    assert api.status_code == 404
    assert api.get_json()["code"] == 404
    page = hub_client.get("/nothing", headers={"Accept": "text/html"})
    assert page.status_code == 404
    assert "<h1>404 · Not Found</h1>" in page.get_data(as_text=True)


def test_production_refuses_the_development_secret(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/x.sqlite"
    with pytest.raises(InsecureConfiguration, match="HUB_SECRET_KEY"):
        create_app({"ENV": "production", "SQLALCHEMY_DATABASE_URI": url})
    create_app(
        {
            "ENV": "production",
            "SECRET_KEY": token_urlsafe(48),
            "SQLALCHEMY_DATABASE_URI": url,
            "RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379/0",
            "KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        }
    )


def test_an_unknown_environment_name_refuses_to_start(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # HUB_ENV=prod once ran silently as development, with the public development key.
    monkeypatch.setenv("HUB_ENV", "prod")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/hub.sqlite")
    with pytest.raises(InsecureConfiguration, match="HUB_ENV must be one of production, "):
        create_app()


def test_a_numeric_secret_key_from_the_environment_stays_text_and_logins_work(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Parsed as JSON, HUB_SECRET_KEY=123 became the number 123, and every login was a 500.
    monkeypatch.setenv("HUB_SECRET_KEY", "123")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/hub.sqlite")
    app = create_app()
    assert app.config["SECRET_KEY"] == "123"
    with app.app_context():
        db.create_all()
        client = app.test_client()
        page = client.get("/login").text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        assert token
        response = client.post(
            "/login", data={"email": "a@example.org", "password": "wrong", "csrf_token": token[1]}
        )
        assert response.status_code == 200
        db.engine.dispose()


def test_environment_configures_with_hub_prefix_and_database_url(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HUB_API_AUDIENCE", "https://hub.example.org/api")
    monkeypatch.setenv("HUB_ACCESS_TOKEN_LIFETIME", "300")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.example.org/hub")
    app = create_app()
    assert app.config["API_AUDIENCE"] == "https://hub.example.org/api"
    assert app.config["ACCESS_TOKEN_LIFETIME"] == 300
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@db.example.org/hub"


@pytest.mark.parametrize(
    "query",
    [[("target_occupation", "29-1141\x00")], [("k", "5"), ("k", "\x00")]],
    ids=["one", "a repeated argument's second value"],
)
def test_a_nul_in_the_query_string_is_refused(hub_client: FlaskClient, query: Any) -> None:
    response = hub_client.get("/api/v1/directory/search", query_string=query)
    assert response.status_code == 422
    assert "NUL" in response.get_json()["message"]


@pytest.mark.parametrize("hub_app_config", [{"WTF_CSRF_ENABLED": False}])
def test_a_nul_in_a_form_is_refused_before_any_database_read(hub_client: FlaskClient) -> None:
    # PostgreSQL cannot even compare text holding a NUL: the login's lookup would be a 500.
    response = hub_client.post("/login", data={"email": "ana\x00@example.org", "password": "x"})
    assert response.status_code == 422
    assert "NUL" in response.text


def test_ids_beyond_the_integer_column_are_404_before_any_lookup(hub_client: FlaskClient) -> None:
    # The largest id that can exist still reaches the view (which first wants a token).
    assert hub_client.get("/api/v1/introductions/2147483647").status_code == 401
    response = hub_client.get("/api/v1/introductions/2147483648")
    assert response.status_code == 404
    assert response.get_json()["code"] == 404


# Behind a proxy ----------------------------------------------------------------------------


def _token_request(client: FlaskClient, forwarded_for: str | None, peer: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        headers=headers,
        environ_base={"REMOTE_ADDR": peer},
    )
    return response.status_code


@pytest.mark.parametrize(
    "hub_app_config", [{"TRUSTED_PROXIES": 1, "RATELIMIT_TOKEN": "2 per minute"}]
)
def test_behind_one_proxy_each_client_is_limited_by_its_own_address(
    hub_client: FlaskClient,
) -> None:
    nginx = "127.0.0.1"
    assert [_token_request(hub_client, "203.0.113.10", nginx) for _ in range(3)] == [401, 401, 429]
    assert _token_request(hub_client, "203.0.113.11", nginx) == 401  # another client
    # A client's own X-Forwarded-For comes first; nginx appends the address it saw.
    assert _token_request(hub_client, "198.51.100.1, 203.0.113.10", nginx) == 429


@pytest.mark.parametrize(
    "hub_app_config", [{"TRUSTED_PROXIES": 0, "RATELIMIT_TOKEN": "2 per minute"}]
)
def test_facing_clients_a_forged_forwarded_for_is_ignored(hub_client: FlaskClient) -> None:
    client = "192.0.2.50"
    answers = [_token_request(hub_client, f"203.0.113.{n}", client) for n in range(1, 4)]
    assert answers == [401, 401, 429]
