"""The hub's health, vendored-asset and NUL-guard endpoints (``shared.web.system``)."""

from __future__ import annotations

from flask import Blueprint

from hub.extensions import db
from shared.web.system import system_blueprint


def blueprint() -> Blueprint:
    """Build the hub's ``system`` blueprint.

    Forms are checked for NULs here (the staff forms do not check their own fields); JSON
    bodies need no walk: every string the API takes is checked by a pattern that admits
    no NUL (refs, codes, skill ids, base64), and batches are large.
    """
    return system_blueprint(db, service="hub", check_forms=True)
