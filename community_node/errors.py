"""The node's domain exceptions: the shared tree (``shared.web.errors``), one JSON shape.

Feature packages raise these or their own subclasses (e.g. eligibility's
``RulesUnavailable``, 503).
"""

from __future__ import annotations

from shared.web.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound

__all__ = ["Conflict", "DomainError", "Forbidden", "InvalidInput", "NotFound"]

#: Paths only machines call: API clients with a token, and monitors.
MACHINE_PATHS = ("/api/", "/healthz")
