"""Node configuration: defaults in code, deployment values from ``NODE_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask

from shared.protocol import MAX_BATCH_ITEMS
from shared.settings import (
    DEFAULT_SECRET_KEY,
    WEB_SESSION_DEFAULTS,
    InsecureConfiguration,
    check_production_safety,
    normalize_database_url,
    resolve_session_cookie,
    sqlite_file_uri,
)

__all__ = [
    "DEFAULTS",
    "DEFAULT_SECRET_KEY",
    "InsecureConfiguration",
    "load_config",
    "normalize_database_url",
]

#: Settings read from the environment as written, never parsed as JSON: a policy version
#: such as 2026 or 1.10 must stay the text it is, not become a number.
TEXT_SETTINGS = ("CONSENT_POLICY_VERSION",)
#: The longest policy version a consent record holds (``Consent.policy_version``).
MAX_POLICY_VERSION_LENGTH = 40


DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # resolved in load_config
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    "COMMUNITY_NAME": "Demo Community",
    "COMMUNITY_SLUG": "demo",
    "ELIGIBILITY_RULES": None,  # path to a TOML file; None = the packaged defaults
    "MATCH_PROPOSAL_EXPIRY_DAYS": 14,
    # OEWS metro area code for local demand (shared/data/oews_metros.csv), e.g. "0038300".
    "DEMAND_METRO": None,
    "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
    # Profiles per batch pushed to the hub (NODE_SYNC_BATCH_SIZE), 1 to the protocol's most.
    "SYNC_BATCH_SIZE": MAX_BATCH_ITEMS,
    # The public sign-up forms at /join (NODE_PUBLIC_SIGNUP); when false they answer 404.
    "PUBLIC_SIGNUP": True,
    # The privacy-policy version recorded with the consents given on the sign-up forms.
    "CONSENT_POLICY_VERSION": "2026-01",
    **WEB_SESSION_DEFAULTS,
    # flask-smorest / OpenAPI
    "API_TITLE": "Connector Network community node",
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
        app.config.from_prefixed_env("NODE")
        for key in TEXT_SETTINGS:
            if f"NODE_{key}" in os.environ:
                app.config[key] = os.environ[f"NODE_{key}"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(overrides)
    resolve_session_cookie(app.config)  # TLS-only in production (nginx terminates it)
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or sqlite_file_uri(app.instance_path, "node.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_production_safety(app.config, "NODE")
    check_settings(app.config)


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse to start with a setting the node cannot use, naming its variable."""
    size = config["SYNC_BATCH_SIZE"]
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= MAX_BATCH_ITEMS:
        raise ValueError(
            f"NODE_SYNC_BATCH_SIZE must be a whole number from 1 to {MAX_BATCH_ITEMS}, "
            f"not {size!r}."
        )
    if not isinstance(config["PUBLIC_SIGNUP"], bool):
        raise ValueError(
            f"NODE_PUBLIC_SIGNUP must be true or false, not {config['PUBLIC_SIGNUP']!r}."
        )
    version = config["CONSENT_POLICY_VERSION"]
    if (
        not isinstance(version, str)
        or not version
        or version != version.strip()
        or len(version) > MAX_POLICY_VERSION_LENGTH
    ):
        raise ValueError(
            "NODE_CONSENT_POLICY_VERSION must be the privacy policy's version as text, "
            f"1 to {MAX_POLICY_VERSION_LENGTH} characters without surrounding spaces "
            f"(e.g. 2026-01), not {version!r}."
        )
