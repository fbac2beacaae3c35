"""Settings from the environment: defaults in code, deployment values from ``<PREFIX>_*``."""

from __future__ import annotations

import os
from collections.abc import Mapping, MutableMapping, Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from limits import parse_many  # Flask-Limiter's own parser: a setting is read as it will be

from shared.web.database import engine_options

#: The development secret; a production start with it refuses to run.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - a marker, never a real secret

#: The environments a service knows (``<PREFIX>_ENV``, any case). An unknown name refuses
#: to start: ``HUB_ENV=prod`` once ran silently as development, with the public key above.
ENVIRONMENTS = ("production", "development", "testing")
#: Secrets published in examples and tutorials, compared in lowercase: never a real key.
WELL_KNOWN_SECRETS = frozenset(
    {
        DEFAULT_SECRET_KEY,
        "changeme",
        "change-me",
        "change_me",
        "secret",
        "secret-key",
        "secret_key",
        "secretkey",
        "your-secret-key",
        "supersecret",
        "password",
        "dev",
        "development",
        "test",
        "testing",
        "default",
    }
)
#: The shortest production secret, in bytes (Flask signs sessions with HMAC-SHA1/256).
MIN_SECRET_BYTES = 32
#: A random key of 32 bytes or more holds far more distinct characters than this; fewer
#: means a pattern (``"x" * 40``, ``"changeme" * 4``).
MIN_SECRET_DISTINCT = 8
HOW_TO_MAKE_A_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
#: Settings every service reads from the environment as written, never as JSON:
#: ``HUB_SECRET_KEY=123`` must stay the text "123" (as a number every login answered 500).
COMMON_TEXT_SETTINGS = (
    "ENV",
    "SECRET_KEY",
    "RATELIMIT_STORAGE_URI",
    "RATELIMIT_KEY_PREFIX",
    "BACKUP_DIR",
    "METRICS_TOKEN",
)

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
    # Rate limits (shared.web.limits): where the counters live, e.g. redis://127.0.0.1:6379/0
    # (<PREFIX>_RATELIMIT_STORAGE_URI). None: in memory, outside production only; production
    # must name it, since each gunicorn worker would otherwise count on its own.
    "RATELIMIT_STORAGE_URI": None,
    # Prepended to every counter's key, so services sharing one Redis never share counts
    # (None: the service's own, e.g. "hub" or "node:halifax").
    "RATELIMIT_KEY_PREFIX": None,
    # Failed staff logins, per account and per client address (<PREFIX>_RATELIMIT_LOGIN).
    "RATELIMIT_LOGIN": "5 per minute; 20 per hour",
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
    # `backup` writes here (<PREFIX>_BACKUP_DIR; None: the instance folder's backups/) and
    # keeps the newest BACKUP_KEEP files (docs/operations.md, "Backup and restore").
    "BACKUP_DIR": None,
    "BACKUP_KEEP": 14,
    # GET /metrics answers loopback callers, and others that send this bearer token
    # (<PREFIX>_METRICS_TOKEN; None: loopback only). See shared.web.observe.
    "METRICS_TOKEN": None,
    # One JSON object per log line on stderr (<PREFIX>_JSON_LOGS); false keeps Python's text.
    "JSON_LOGS": True,
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
        for key in (*COMMON_TEXT_SETTINGS, *text_settings):
            if f"{prefix}_{key}" in os.environ:
                app.config[key] = os.environ[f"{prefix}_{key}"]
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(overrides)
    resolve_environment(app.config, prefix)
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
    check_int(app.config, prefix, "BACKUP_KEEP", low=1, high=10000)
    check_bool(app.config, prefix, "JSON_LOGS")
    resolve_rate_limit_storage(app.config, prefix)
    check_rate_limit(app.config, prefix, "RATELIMIT_LOGIN")


def resolve_environment(config: MutableMapping[str, Any], prefix: str) -> None:
    """Name the environment in lowercase; refuse one that is none of :data:`ENVIRONMENTS`."""
    value = config.get("ENV")
    name = value.strip().lower() if isinstance(value, str) else value
    if name not in ENVIRONMENTS:
        raise InsecureConfiguration(
            f"{prefix}_ENV must be one of {', '.join(ENVIRONMENTS)} (any case), not {value!r}."
        )
    config["ENV"] = name


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
    """Refuse a secret key that is not text, and in production one that is not random.

    Flask signs the session cookie with it: whoever knows it can sign in as anyone. So in
    production it must be at least 32 bytes, not a published value, and not a pattern.
    """
    secret = config.get("SECRET_KEY")
    problem = None
    if not isinstance(secret, str):
        problem = f"must be text, not {type(secret).__name__}"
    elif config.get("ENV") == "production":
        if secret.strip().lower() in WELL_KNOWN_SECRETS:
            problem = "is a published example, not a secret"
        elif len(secret.encode()) < MIN_SECRET_BYTES:
            problem = f"is shorter than {MIN_SECRET_BYTES} bytes"
        elif len(set(secret)) < MIN_SECRET_DISTINCT:
            problem = "is a pattern (too few distinct characters), not random"
    if problem is not None:
        raise InsecureConfiguration(
            f"{prefix}_SECRET_KEY {problem}. Set it to a long random value, made with: "
            f"{HOW_TO_MAKE_A_SECRET}"
        )


def resolve_rate_limit_storage(config: MutableMapping[str, Any], prefix: str) -> None:
    """Count in memory unless told otherwise; production must name the storage.

    In memory, each gunicorn worker keeps its own counts (a limit of 5 becomes 5 per
    worker) and a restart forgets them: fine for development and tests, not what an
    operator should get without asking. Production refuses to start until
    ``<PREFIX>_RATELIMIT_STORAGE_URI`` names one, normally Redis; a single-process
    deployment may still write ``memory://`` on purpose.
    """
    uri = config.get("RATELIMIT_STORAGE_URI")
    if uri is None and config.get("ENV") != "production":
        config["RATELIMIT_STORAGE_URI"] = "memory://"
        return
    if not isinstance(uri, str) or "://" not in uri:
        raise InsecureConfiguration(
            f"{prefix}_RATELIMIT_STORAGE_URI must name where rate limits are counted, shared "
            f"by every worker (e.g. redis://127.0.0.1:6379/0), not {uri!r}."
        )


def check_rate_limit(config: Mapping[str, Any], prefix: str, key: str) -> None:
    """Refuse a rate limit that is not written like "5 per minute; 20 per hour"."""
    value = config[key]
    try:
        parsed = parse_many(value) if isinstance(value, str) else []
    except ValueError:
        parsed = []
    if not parsed:
        raise ValueError(
            f'{prefix}_{key} must be limits like "5 per minute; 20 per hour", not {value!r}.'
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
