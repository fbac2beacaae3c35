"""Both services send the browser-facing security headers, and serve pages that obey them."""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from flask import Flask

from community_node.app import create_app as create_node
from hub.app import create_app as create_hub
from shared.web.headers import CONTENT_SECURITY_POLICY


def node(tmp_path: Path, **config: Any) -> Flask:
    return create_node(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/node.sqlite",
            "COMMUNITY_NAME": "Testville",
            "COMMUNITY_SLUG": "testville",
            **config,
        }
    )


def hub(tmp_path: Path, **config: Any) -> Flask:
    return create_hub(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/hub.sqlite",
            "KEY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            **config,
        }
    )


SERVICES = pytest.mark.parametrize("service", [node, hub], ids=["node", "hub"])
TESTING = {"ENV": "testing", "TESTING": True, "SECRET_KEY": "test-secret"}
PRODUCTION = {
    "ENV": "production",
    "SECRET_KEY": secrets.token_urlsafe(48),
    "RATELIMIT_STORAGE_URI": "memory://",
    "MAIL_BACKEND": "smtp",  # the node refuses a backend that delivers nothing
}


@SERVICES
@pytest.mark.parametrize("path", ["/login", "/api/docs", "/api/v1/no-such-thing", "/nowhere"])
def test_every_answer_carries_the_security_headers(
    service: Callable[..., Flask], tmp_path: Path, path: str
) -> None:
    response = service(tmp_path, **TESTING).test_client().get(path)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_policy_runs_no_inline_script_and_allows_no_framing() -> None:
    directives = dict(d.split(" ", 1) for d in CONTENT_SECURITY_POLICY.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in directives["default-src"]


@SERVICES
@pytest.mark.parametrize("path", ["/login", "/api/docs"])
def test_pages_hold_no_inline_script(
    service: Callable[..., Flask], tmp_path: Path, path: str
) -> None:
    html = service(tmp_path, **TESTING).test_client().get(path).text
    scripts = re.findall(r"<script\b([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts or path == "/login"
    for attributes, body in scripts:
        assert "src=" in attributes and not body.strip(), attributes
    assert not re.search(r"\son[a-z]+=", html)  # no onclick= and the like either


@SERVICES
def test_the_docs_page_starts_swagger_ui_from_a_file(
    service: Callable[..., Flask], tmp_path: Path
) -> None:
    client = service(tmp_path, **TESTING).test_client()
    html = client.get("/api/docs").text
    assert 'data-spec-url="/api/v1/openapi.json"' in html
    script = client.get("/assets/api-docs.js")
    assert script.status_code == 200
    assert "SwaggerUIBundle" in script.text
    script.close()


@SERVICES
def test_the_session_cookie_is_httponly_and_lax(
    service: Callable[..., Flask], tmp_path: Path
) -> None:
    # The login form's CSRF token lives in the session: showing the form sets the cookie.
    client = service(tmp_path, **TESTING, WTF_CSRF_ENABLED=True).test_client()
    cookie = client.get("/login").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie  # development and tests run over plain HTTP


@SERVICES
def test_the_session_cookie_is_secure_in_production(
    service: Callable[..., Flask], tmp_path: Path
) -> None:
    client = service(tmp_path, **PRODUCTION).test_client()
    cookie = client.get("/login", base_url="https://localhost").headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
