"""The node's health, metrics, vendored-asset and NUL-guard endpoints (``shared.web``)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

from community_node.extensions import db
from community_node.mail import services as mail
from community_node.sync import run
from shared.web.observe import Figure, observe_blueprint
from shared.web.system import system_blueprint

#: Each sync health figure's gauge name and help text.
_SYNC_GAUGES = {
    "configured": ("connector_sync_configured", "1 when a hub connection is configured."),
    "pending": ("connector_sync_outbox_depth", "Changes waiting in the outbox for the hub."),
    "lag_seconds": (
        "connector_sync_lag_seconds",
        "Age of the oldest change still waiting for the hub (0: none waits).",
    ),
    "dead": ("connector_sync_dead_letters", "Outbox items the hub refused (staff requeue them)."),
    "last_success": (
        "connector_sync_last_success_timestamp_seconds",
        "Unix time of the last successful sync (0: never).",
    ),
    "consecutive_failures": (
        "connector_sync_consecutive_failures",
        "Sync runs failed in a row since the last success.",
    ),
}


def _identity() -> dict[str, Any]:
    return {"community": current_app.config["COMMUNITY_SLUG"]}


def _figures() -> list[Figure]:
    sync = run.health_figures()
    queued = mail.counts()
    db.session.rollback()  # a read-only look: end its transaction
    return [
        Figure(name, help_text, sync[key]) for key, (name, help_text) in _SYNC_GAUGES.items()
    ] + [
        Figure(
            "connector_mail_queue_depth",
            "Messages waiting to be sent (pending, or claimed by a sender).",
            float(queued["pending"] + queued["sending"]),
        ),
        Figure(
            "connector_mail_dead_letters",
            "Messages given up on after their last attempt (staff can retry them at /mail).",
            float(queued["dead"]),
        ),
    ]


def blueprint() -> Blueprint:
    """Build the node's ``system`` blueprint.

    HTML forms check their own fields for NULs, so a person sees the message beside the
    field; JSON bodies meet the same check in every schema (``BaseSchema``).
    """
    return system_blueprint(db, service="community_node", identity=_identity, check_forms=False)


def observe() -> Blueprint:
    """Build the node's request ids, JSON logs, ``/metrics`` and ``/readyz``."""
    return observe_blueprint(db, service="community_node", figures=_figures)
