"""The node's health, vendored-asset and NUL-guard endpoints (``shared.web.system``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from community_node.extensions import db
from shared.web.system import system_blueprint


def _identity() -> dict[str, Any]:
    return {"community": current_app.config["COMMUNITY_SLUG"]}


def blueprint() -> Blueprint:
    """Build the node's ``system`` blueprint.

    HTML forms check their own fields for NULs, so a person sees the message beside the
    field; JSON bodies meet the same check in every schema (``BaseSchema``).
    """
    return system_blueprint(db, service="community_node", identity=_identity, check_forms=False)
