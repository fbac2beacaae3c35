"""The hub's health, metrics, vendored-asset and NUL-guard endpoints (``shared.web``)."""

from __future__ import annotations

from flask import Blueprint
from sqlalchemy import select

from hub.communities.models import Community
from hub.extensions import db
from shared.web.observe import Figure, observe_blueprint
from shared.web.system import system_blueprint


def _figures() -> list[Figure]:
    rows = db.session.execute(select(Community.slug, Community.status, Community.last_sync_at))
    figures = [
        Figure(
            "connector_hub_community_last_sync_timestamp_seconds",
            "Unix time of each community's last sync push (0: never).",
            last.timestamp() if last else 0.0,
            {"community": slug, "status": str(status.value)},
        )
        for slug, status, last in rows
    ]
    db.session.rollback()  # a read-only look: end its transaction
    return figures


def blueprint() -> Blueprint:
    """Build the hub's ``system`` blueprint.

    Forms are checked for NULs here (the staff forms do not check their own fields); JSON
    bodies need no walk: every string the API takes is checked by a pattern that admits
    no NUL (refs, codes, skill ids, base64), and batches are large.
    """
    return system_blueprint(db, service="hub", check_forms=True)


def observe() -> Blueprint:
    """Build the hub's request ids, JSON logs, ``/metrics`` and ``/readyz``."""
    return observe_blueprint(db, service="hub", figures=_figures)
