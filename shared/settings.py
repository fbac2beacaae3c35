"""Configuration rules both services share (the Flask glue stays in each service)."""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from pathlib import Path
from typing import Any

#: The development secret; a production start with it refuses to run.
DEFAULT_SECRET_KEY = "dev-only-not-secret"  # noqa: S105 - a marker, never a real secret


#: The staff web UI's session and CSRF settings, the same on the hub and on every node.
WEB_SESSION_DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SECURE": None,  # None: True in production, False elsewhere
    "SESSION_COOKIE_SAMESITE": "Lax",
    # A form's CSRF token lives as long as the session (Flask-WTF's default is an hour).
    "WTF_CSRF_TIME_LIMIT": None,
}


def resolve_session_cookie(config: MutableMapping[str, Any]) -> None:
    """Send session cookies only over TLS in production, unless configured outright."""
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = config.get("ENV") == "production"


class InsecureConfiguration(RuntimeError):
    """The configuration must not be used to serve real data."""


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
