"""The node's demand signals per SOC major group, queued for the hub when they change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from community_node.demand.services import group_signals
from community_node.extensions import db
from community_node.sync import outbox
from community_node.sync.models import OutboxItem, OutboxKind
from shared.protocol import SOC_MAJOR_GROUPS
from shared.protocol.demand import round_signal

#: The outbox key of the demand signals (one set per community).
DEMAND_KEY = "demand"


def demand_signals() -> list[dict[str, Any]]:
    """Each SOC major group's demand signal: the active table lifted by recruiting needs.

    Only groups the table or a current need has figures for; none with neither (every
    occupation is then neutral, which says nothing about the community).
    """
    try:
        signals = group_signals()
    except RuntimeError:  # NODE_DEMAND_METRO names no metro: the app reports it elsewhere
        return []
    return [
        {"major_group": major, "signal": round_signal(signals[major])}
        for major in SOC_MAJOR_GROUPS
        if major in signals
    ]


def enqueue_demand() -> bool:
    """Enqueue the demand signals when they differ from the last set enqueued; no commit."""
    payload = {"signals": demand_signals()}
    previous = outbox.latest_for_key(DEMAND_KEY)
    if previous is not None and _digest(previous.payload) == _digest(payload):
        return False
    if previous is None and not payload["signals"]:
        return False
    db.session.add(OutboxItem(kind=OutboxKind.DEMAND, key=DEMAND_KEY, payload=payload))
    db.session.flush()
    return True


def _digest(payload: Mapping[str, Any]) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
