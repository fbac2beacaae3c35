"""Health, API docs, the JSON shape of HTTP errors, and configuration safety."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from secrets import token_urlsafe
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.app import create_app
from community_node.extensions import db
from shared.web.settings import DEFAULT_SECRET_KEY, InsecureConfiguration
from tests.community_node.conftest import node_config


def assert_json_error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.data[:300]
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.json
    assert body["code"] == status
    assert isinstance(body["status"], str) and body["status"]
    assert isinstance(body["message"], str) and body["message"]
    return body


# Health -------------------------------------------------------------------------------


def test_healthz_ok(client: FlaskClient, app: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {
        "status": "ok",
        "service": "community_node",
        "database": db.engine.dialect.name,
        "community": "testville",
    }


def test_healthz_503_when_database_is_unreachable(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/missing-directory/node.sqlite"
    app = create_app(node_config(url, tmp_path))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "OperationalError"}
    with app.app_context():
        db.engine.dispose()


# API description ------------------------------------------------------------------------


def test_openapi_lists_the_resources(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = json.loads(response.data)
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] == "Connector Network community node"
    paths = set(spec["paths"])
    for path in (
        "/api/v1/connectees",
        "/api/v1/connectees/{person_id}",
        "/api/v1/connectees/export.csv",
        "/api/v1/connectors",
        "/api/v1/connectors/{person_id}",
        "/api/v1/consents",
    ):
        assert path in paths, path
    assert {"Connectee", "Connector", "Consent"} <= set(spec["components"]["schemas"])


def test_swagger_ui_uses_vendored_assets(client: FlaskClient) -> None:
    response = client.get("/api/docs")
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    html = response.text
    assert "/vendor/swagger-ui/swagger-ui-bundle.js" in html
    assert "/vendor/swagger-ui/swagger-ui.css" in html
    assert "/api/v1/openapi.json" in html
    assert "http://" not in html and "https://" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        served = client.get(f"/vendor/swagger-ui/{asset}")
        assert served.status_code == 200, asset
        assert len(served.data) > 1000
        served.close()


def test_vendor_does_not_leave_its_directory(client: FlaskClient) -> None:
    assert client.get("/vendor/../../pyproject.toml").status_code == 404
    assert client.get("/vendor/%2e%2e/%2e%2e/pyproject.toml").status_code == 404


# HTTP errors under /api are JSON --------------------------------------------------------


def test_unknown_api_path_is_json_404(api: Any) -> None:
    body = assert_json_error(api.get("/api/v1/no-such-thing"), 404)
    assert body["status"] == "Not Found"
    assert_json_error(api.get("/api/v1/connectees/999999"), 404)


def test_wrong_method_is_json_405(api: Any) -> None:
    response = api.put("/api/v1/connectees", json={})
    body = assert_json_error(response, 405)
    assert body["status"] == "Method Not Allowed"
    assert "GET" in response.headers["Allow"]


def test_missing_token_is_json_401(client: FlaskClient) -> None:
    assert_json_error(client.get("/api/v1/connectees"), 401)


@pytest.mark.parametrize("app_config", [{"MAX_CONTENT_LENGTH": 1024}])
def test_too_large_body_is_json_413(api: Any) -> None:
    response = api.post("/api/v1/connectees", json={"notes": "x" * 5000})
    body = assert_json_error(response, 413)
    assert body["status"] == "Request Entity Too Large"


@pytest.mark.parametrize(
    "body", [b"{not json", b'{"first_name": ', b"\xff\xfe\x00", b"[1, 2", b"null"]
)
def test_malformed_json_is_a_json_client_error(api: Any, body: bytes) -> None:
    response = api.post(
        "/api/v1/connectees", data=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code in (400, 422), response.data[:300]
    assert_json_error(response, response.status_code)


def test_json_body_of_the_wrong_shape_is_422(api: Any) -> None:
    for body in ([], "text", 42, {"languages": "en"}):
        response = api.post("/api/v1/connectees", json=body)
        assert_json_error(response, 422)


def test_html_pages_get_html_errors(client: FlaskClient) -> None:
    response = client.get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "404" in response.text


# Configuration ----------------------------------------------------------------------------


@pytest.mark.parametrize("secret", [DEFAULT_SECRET_KEY, "", None])
def test_production_refuses_the_default_secret(tmp_path: Path, secret: str | None) -> None:
    config = node_config(f"sqlite:///{tmp_path}/node.sqlite", tmp_path)
    config.update(ENV="production", TESTING=False, SECRET_KEY=secret)
    with pytest.raises(InsecureConfiguration, match="NODE_SECRET_KEY"):
        create_app(config)


def test_production_starts_with_a_real_secret(tmp_path: Path) -> None:
    config = node_config(f"sqlite:///{tmp_path}/node.sqlite", tmp_path)
    config.update(
        ENV="production",
        TESTING=False,
        SECRET_KEY=token_urlsafe(48),
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        MAIL_BACKEND="smtp",
    )
    app = create_app(config)
    assert app.config["ENV"] == "production"


@pytest.mark.parametrize("backend", ["console", "file"])
def test_production_refuses_a_mail_backend_that_delivers_nothing(
    tmp_path: Path, backend: str
) -> None:
    config = node_config(f"sqlite:///{tmp_path}/node.sqlite", tmp_path)
    config.update(
        ENV="production",
        TESTING=False,
        SECRET_KEY=token_urlsafe(48),
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        MAIL_BACKEND=backend,
    )
    with pytest.raises(InsecureConfiguration, match=f"NODE_MAIL_BACKEND is '{backend}'"):
        create_app(config)


def test_production_from_the_environment_refuses_the_default_mail_backend(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Forgetting NODE_MAIL_BACKEND leaves the development default, console.
    monkeypatch.setenv("NODE_ENV", "production")
    monkeypatch.setenv("NODE_SECRET_KEY", token_urlsafe(48))
    monkeypatch.setenv("NODE_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/node.sqlite")
    monkeypatch.delenv("NODE_MAIL_BACKEND", raising=False)
    with pytest.raises(InsecureConfiguration, match="NODE_MAIL_BACKEND=smtp"):
        create_app(None)


@pytest.mark.parametrize("env", ["development", "testing"])
@pytest.mark.parametrize("backend", ["console", "file"])
def test_development_and_tests_keep_the_mail_backends_that_deliver_nothing(
    tmp_path: Path, env: str, backend: str
) -> None:
    config = node_config(f"sqlite:///{tmp_path}/node.sqlite", tmp_path)
    config.update(ENV=env, MAIL_BACKEND=backend)
    assert create_app(config).config["MAIL_BACKEND"] == backend


@pytest.mark.parametrize("secret", ["x", "changeme", "", "   ", "x" * 40])
def test_production_from_the_environment_refuses_a_weak_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv("NODE_ENV", "production")
    monkeypatch.setenv("NODE_SECRET_KEY", secret)
    monkeypatch.setenv("NODE_RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/node.sqlite")
    with pytest.raises(InsecureConfiguration, match="NODE_SECRET_KEY"):
        create_app(None)


def test_a_capitalized_production_is_production(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # NODE_ENV=Production once ran as development, with the public development key.
    monkeypatch.setenv("NODE_ENV", "Production")
    monkeypatch.delenv("NODE_SECRET_KEY", raising=False)
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/node.sqlite")
    with pytest.raises(InsecureConfiguration, match="NODE_SECRET_KEY"):
        create_app(None)


def test_production_from_environment_refuses_default_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_ENV", "production")
    monkeypatch.delenv("NODE_SECRET_KEY", raising=False)
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/node.sqlite")
    with pytest.raises(InsecureConfiguration):
        create_app(None)


def test_node_environment_variables_are_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NODE_COMMUNITY_SLUG", "halifax")
    monkeypatch.setenv("NODE_COMMUNITY_NAME", "Halifax")
    monkeypatch.setenv("NODE_MATCH_PROPOSAL_EXPIRY_DAYS", "7")  # parsed as JSON: an int
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app(None)
    assert app.config["COMMUNITY_SLUG"] == "halifax"
    assert app.config["COMMUNITY_NAME"] == "Halifax"
    assert app.config["MATCH_PROPOSAL_EXPIRY_DAYS"] == 7
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/env.sqlite"
    with app.app_context():
        db.create_all()
        assert app.test_client().get("/healthz").json["community"] == "halifax"
        db.engine.dispose()


def test_database_url_wins_and_is_normalized(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/ignored.sqlite")
    monkeypatch.setenv("DATABASE_URL", "postgres://user:pw@db.invalid:5432/node")
    app = create_app(None)
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://user:pw@db.invalid:5432/node"
    )


def test_explicit_config_ignores_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NODE_COMMUNITY_SLUG", "from-env")
    app = create_app(node_config(f"sqlite:///{tmp_path}/node.sqlite", tmp_path))
    assert app.config["COMMUNITY_SLUG"] == "testville"


def test_the_sync_batch_size_defaults_to_the_protocol_maximum_and_is_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.protocol import MAX_BATCH_ITEMS

    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/env.sqlite")
    assert create_app(None).config["SYNC_BATCH_SIZE"] == MAX_BATCH_ITEMS
    monkeypatch.setenv("NODE_SYNC_BATCH_SIZE", "100")
    assert create_app(None).config["SYNC_BATCH_SIZE"] == 100
    for wrong in ("0", str(MAX_BATCH_ITEMS + 1), '"many"', "true"):
        monkeypatch.setenv("NODE_SYNC_BATCH_SIZE", wrong)
        with pytest.raises(ValueError, match="NODE_SYNC_BATCH_SIZE"):
            create_app(None)


def test_sign_up_settings_have_defaults_come_from_the_environment_and_are_checked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("NODE_SQLALCHEMY_DATABASE_URI", f"sqlite:///{tmp_path}/env.sqlite")
    app = create_app(None)
    assert app.config["PUBLIC_SIGNUP"] is True
    assert app.config["CONSENT_POLICY_VERSION"] == "2026-01"
    monkeypatch.setenv("NODE_PUBLIC_SIGNUP", "false")
    # A version that looks like a number stays the text it is (1.10 is not 1.1).
    monkeypatch.setenv("NODE_CONSENT_POLICY_VERSION", "1.10")
    app = create_app(None)
    assert app.config["PUBLIC_SIGNUP"] is False
    assert app.config["CONSENT_POLICY_VERSION"] == "1.10"
    for wrong in ("off", "0", '"yes"'):
        monkeypatch.setenv("NODE_PUBLIC_SIGNUP", wrong)
        with pytest.raises(ValueError, match="NODE_PUBLIC_SIGNUP"):
            create_app(None)
    monkeypatch.setenv("NODE_PUBLIC_SIGNUP", "true")
    for version in ("", "  ", " 2026-01", "v" * 41):
        monkeypatch.setenv("NODE_CONSENT_POLICY_VERSION", version)
        with pytest.raises(ValueError, match="NODE_CONSENT_POLICY_VERSION"):
            create_app(None)


# Behind a proxy ----------------------------------------------------------------------------


def _sign_up(client: FlaskClient, forwarded_for: str | None, peer: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    response = client.post(
        "/join/connectee",
        data={"website": "http://spam.example"},  # the honeypot: thanked, nothing stored
        headers=headers,
        environ_base={"REMOTE_ADDR": peer},
    )
    return response.status_code


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 1, "RATELIMIT_SIGNUP": "2 per hour"}])
def test_behind_one_proxy_each_client_is_limited_by_its_own_address(
    client: FlaskClient,
) -> None:
    # Without ProxyFix every client had nginx's address: one limit for the whole city.
    nginx = "127.0.0.1"
    assert [_sign_up(client, "203.0.113.10", nginx) for _ in range(3)] == [303, 303, 429]
    assert _sign_up(client, "203.0.113.11", nginx) == 303  # another client
    assert _sign_up(client, "198.51.100.1, 203.0.113.10", nginx) == 429  # forged first hop


@pytest.mark.parametrize("app_config", [{"TRUSTED_PROXIES": 0, "RATELIMIT_SIGNUP": "2 per hour"}])
def test_facing_clients_a_forged_forwarded_for_is_ignored(client: FlaskClient) -> None:
    answers = [_sign_up(client, f"203.0.113.{n}", "192.0.2.50") for n in range(1, 4)]
    assert answers == [303, 303, 429]


# The security trail ------------------------------------------------------------------------


def test_refused_api_tokens_are_logged_never_the_token(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="community_node.security")
    forged = "cnn_abcd1234_not-a-real-token-at-all"
    assert client.get("/api/v1/connectees").status_code == 401
    headers = {"Authorization": f"Bearer {forged}"}
    assert client.get("/api/v1/connectees", headers=headers).status_code == 401
    events = [r.security_event for r in caplog.records if r.name == "community_node.security"]
    assert [(e["event"], e["reason"]) for e in events] == [
        ("token_refused", "no_token"),
        ("token_refused", "invalid_token"),
    ]
    assert events[1]["path"] == "/api/v1/connectees"
    assert events[1]["remote_addr"] == "127.0.0.1"
    assert forged not in caplog.text and "abcd1234" not in caplog.text
