"""The node's domain exceptions: the shared tree (``shared.web.errors``), one JSON shape.

Feature packages raise these or their own subclasses (e.g. eligibility's
``RulesUnavailable``, 503).
"""

from __future__ import annotations

from flask import Flask

from shared.web import errors
from shared.web.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

__all__ = ["Conflict", "DomainError", "Forbidden", "InvalidInput", "NotFound"]

#: Paths only machines call: API clients with a token, and monitors.
MACHINE_PATHS = ("/api/", "/healthz")


def register_errorhandlers(app: Flask) -> None:
    """Answer every error in the shared shape; machine paths always get JSON."""
    errors.register_errorhandlers(app, json_paths=MACHINE_PATHS)
