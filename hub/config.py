"""Hub configuration: defaults in code, deployment values from ``HUB_*`` variables."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, QueuePool

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


DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": DEFAULT_SECRET_KEY,
    "SQLALCHEMY_DATABASE_URI": None,  # resolved in load_config
    # PostgreSQL gets IdlePingPool (below) instead of pool_pre_ping, in load_config.
    "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
    # Request bodies above this answer 413 (HUB_MAX_CONTENT_LENGTH). A batch of 500 profiles
    # is about 200 KiB, and at most 2.2 MiB (every list at its longest); a snapshot of the
    # schema's 200,000 refs is about 7 MiB.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
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
    # The staff web UI's session cookie and CSRF tokens: the same policy as a node's.
    **WEB_SESSION_DEFAULTS,
    # CSRF is checked by hub.web.access.check_csrf: on every path but the machine API's.
    "WTF_CSRF_CHECK_DEFAULT": False,
    # flask-smorest / OpenAPI
    "API_TITLE": "Connector Network hub",
    "API_VERSION": "v1",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": "/api",
    "OPENAPI_JSON_PATH": "v1/openapi.json",
    "OPENAPI_SWAGGER_UI_PATH": "docs",
    "OPENAPI_SWAGGER_UI_URL": "/vendor/swagger-ui/",
}


#: A pooled connection unused for longer than this is pinged before it is handed out.
IDLE_PING_SECONDS = 5.0
#: A pooled connection older than this is replaced (servers and firewalls drop old ones).
POOL_RECYCLE_SECONDS = 1800


class IdlePingPool(QueuePool):
    """A QueuePool that pings only connections that sat idle for over IDLE_PING_SECONDS.

    ``pool_pre_ping`` costs a round trip on every checkout, i.e. on every request; a
    connection in steady use has just proved itself alive. A dead one is what a
    database restart or a dropped idle socket leaves behind, and those sit idle first.
    A restart under steady load still fails the requests that were on their way
    (answered 500, which a node retries later); SQLAlchemy then invalidates the whole
    pool, so the requests after them get new connections.
    """


@event.listens_for(IdlePingPool, "checkin")
def _checked_in(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
    record.info["idle_since"] = time.monotonic()


@event.listens_for(IdlePingPool, "checkout")
def _checked_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: Any) -> None:
    idle_since = record.info.get("idle_since")
    if idle_since is None or time.monotonic() - idle_since <= IDLE_PING_SECONDS:
        return
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as exc:
        # The pool discards this connection and checks out another (SQLAlchemy's recipe
        # for pessimistic disconnect handling).
        raise DisconnectionError(f"stale pooled connection: {exc}") from exc


def load_config(app: Flask, overrides: Mapping[str, Any] | None) -> None:
    """Fill ``app.config`` from defaults, the environment, then explicit overrides."""
    app.config.from_mapping(DEFAULTS)
    if overrides is None:
        app.config.from_prefixed_env("HUB")
        if os.environ.get("DATABASE_URL"):
            app.config["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    else:
        app.config.from_mapping(overrides)
    resolve_session_cookie(app.config)  # TLS-only in production (nginx terminates it)
    uri = app.config["SQLALCHEMY_DATABASE_URI"] or sqlite_file_uri(app.instance_path, "hub.sqlite")
    app.config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(uri)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql") and app.config[
        "SQLALCHEMY_ENGINE_OPTIONS"
    ] == {"pool_pre_ping": True}:
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
            "poolclass": IdlePingPool,
            "pool_recycle": POOL_RECYCLE_SECONDS,
        }
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite:///"):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    check_production_safety(app.config, "HUB")
