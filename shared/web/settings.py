"""Settings from the environment: defaults in code, deployment values from ``<PREFIX>_*``."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from shared.web.database import engine_options

#: The development secret; a production start with it refuses to run.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - a marker, never a real secret

#: Defaults every service starts from; a service's own ``DEFAULTS`` add to and override them.
COMMON_DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # resolved in load_config
    # None: chosen by the database in load_config (shared.web.database.engine_options).
    "SQLALCHEMY_ENGINE_OPTIONS": None,
    # Behind nginx, trust this many proxies' X-Forwarded-* headers (<PREFIX>_TRUSTED_PROXIES),
    # so the app sees the client's scheme, host and address. 0: the app faces clients itself.
    "TRUSTED_PROXIES": 0,
    # The staff web UI's session and CSRF settings, the same on the hub and on every node.
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": None,  # None: True in production, False elsewhere
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A form's CSRF token lives as long as the session (Flask-WTF's default is an hour).
    "WTF_CSRF_TIME_LIMIT": None,
    # flask-smorest / OpenAPI (each service names its API with API_TITLE)
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui/",
}


class InsecureConfiguration(RuntimeError):
    """The configuration must not be used to serve real data."""


def load_config(
    app: Flask,
    overrides: Mapping[str, Any] | None,
    *,
    prefix: str,
    defaults: Mapping[str, Any],
    database_file: str,
    text_settings: Sequence[str] = (),
) -> None:
    """Fill ``app.config`` from defaults, the environment, then explicit overrides.

    ``overrides`` replaces the environment outright (tests pass a plain dict). From the
    environment, ``<PREFIX>_KEY`` values are parsed as JSON where they parse (numbers,
    booleans, lists), except the ``text_settings``, kept as written; ``DATABASE_URL``
    names the database. Then the checks every service makes run; ``check_int`` and its
    siblings serve a service's own ones.
    """
    app.config.from_mapping({**COMMON_DEFAULTS, **defaults})
    if overrides is None:
        app.config.from_prefixed_env(prefix)
        for key in text_settings:
            if f"{prefix}_{key}" in os.environ:
                app.config[key] = os.environ[f"{prefix}_{key}"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(overrides)
    resolve_session_cookie(app.config)  # TLS-only in production (nginx terminates it)
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or sqlite_file_uri(app.instance_path, database_file)
    uri = normalize_database_url(uri)
    app.config["SQLALCHEMY_DATABASE_URI"] = uri
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(
        uri, app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    )
    if uri.startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_production_safety(app.config, prefix)
    check_int(app.config, prefix, "TRUSTED_PROXIES", low=0, high=10)


def resolve_session_cookie(config: MutableMapping[str, Any]) -> None:
    """Send session cookies only over TLS in production, unless configured outright."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config.get("ENV") == "production"


def sqlite_file_uri(instance_path: str, filename: str) -> str:
    """Return the zero-setup SQLite database file inside the instance folder."""
    return "sqlite:///" + str(Path(instance_path) / filename)


def normalize_database_url(url: str) -> str:
    """Select psycopg 3 for PostgreSQL URLs written the usual way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def check_production_safety(config: Mapping[str, Any], prefix: str) -> None:
    """Refuse to start in production with the development (or no) secret key."""
    if config.get("ENV") == "production" and config.get("SECRET_KEY") in (
        DEFAULT_SECRET_KEY,
        "",
        None,
    ):
        raise InsecureConfiguration(
            f"{prefix}_ENV=production needs {prefix}_SECRET_KEY set to a long random value"
        )


def check_int(config: Mapping[str, Any], prefix: str, key: str, *, low: int, high: int) -> None:
    """Refuse a setting that is not a whole number from ``low`` to ``high``, naming it."""
    value = config[key]
    # bool is an int to Python, but NODE_X=true is no count.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(
            f"{prefix}_{key} must be a whole number from {low} to {high}, not {value!r}."
        )


def check_bool(config: Mapping[str, Any], prefix: str, key: str) -> None:
    """Refuse a setting that is not true or false, naming it."""
    if not isinstance(config[key], bool):
        raise ValueError(f"{prefix}_{key} must be true or false, not {config[key]!r}.")
