"""The hub's domain exceptions: the shared tree (``shared.web.errors``), one JSON shape.

Feature packages raise these (or their own subclasses, e.g. ``NoSigningKey``); the JSON
body has the node's shape, so a node's hub client reads both services' errors alike.
"""

from __future__ import annotations

from flask import Flask

from shared.web import errors
from shared.web.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    NotFound,
    Unauthorized,
)

__all__ = ["Conflict", "DomainError", "Forbidden", "InvalidInput", "NotFound", "Unauthorized"]

#: Paths only machines call: nodes with a token or client credentials, and monitors.
MACHINE_PATHS = ("/api/", "/oauth/", "/healthz")


def register_errorhandlers(app: Flask) -> None:
    """Answer every error in the shared shape; machine paths always get JSON."""
    errors.register_errorhandlers(app, json_paths=MACHINE_PATHS)
