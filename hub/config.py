"""Hub configuration: defaults in code, deployment values from ``HUB_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shared.settings import (
    DEFAULT_SECRET_KEY,
    InsecureConfiguration,
    check_production_safety,
    normalize_database_url,
    sqlite_file_uri,
)

__all__ = [
    "DEFAULTS",
    "DEFAULT_SECRET_KEY",
    "InsecureConfiguration",
    "load_config",
    "normalize_database_url",
]


DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # resolved in load_config
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Request bodies above this answer 413 (HUB_MAX_CONTENT_LENGTH); a full batch of 100
    # profiles is about 40 KiB, a snapshot of 50,000 refs about 2 MiB.
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
    # How long a POST's answer is kept for Idempotency-Key replays.
    "IDEMPOTENCY_RETENTION_DAYS": 7,
    # How long the resources feed keeps tombstones; older cursors then answer 410.
    "RESOURCE_TOMBSTONE_RETENTION_DAYS": 90,
    # OAuth2: who signs the tokens (``iss``) and who they are for (``aud``). In production
    # set TOKEN_ISSUER to the hub's public URL, e.g. https://hub.example.org.
    "TOKEN_ISSUER": "connector-hub",
    "API_AUDIENCE": "connector-hub",
    "ACCESS_TOKEN_LIFETIME": 15 * 60,  # seconds
    # Behind nginx, trust this many proxies' X-Forwarded-* headers, so the token endpoint
    # sees https (Authlib refuses plain http except on localhost).
    "TRUSTED_PROXIES": 0,
    # flask-smorest / OpenAPI
    "API_TITLE": "Connector Network hub",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui/",
}


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then explicit overrides."""
    app.config.from_mapping(DEFAULTS)
    if overrides is None:
        app.config.from_prefixed_env("HUB")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(overrides)
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or sqlite_file_uri(app.instance_path, "hub.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_production_safety(app.config, "HUB")
