"""The node's demand signals per SOC major group, queued for the hub when they change."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from community_node.demand.services import active_table
from community_node.extensions import db
from community_node.sync import outbox
from community_node.sync.models import OutboxItem, OutboxKind
from shared.protocol import SOC_MAJOR_GROUPS
from shared.protocol.demand import round_signal
from shared.taxonomy import normalize_code

#: The outbox key of the demand signals (one set per community).
DEMAND_KEY = "demand"


def demand_signals() -> list[dict[str, Any]]:
    """Each SOC major group's demand signal from the node's active demand table.

    Only groups the table has figures for; none without a table (every occupation is then
    neutral, which says nothing about the community).
    """
    try:
        table = active_table().table
    except RuntimeError:  # NODE_DEMAND_METRO names no metro: the app reports it elsewhere
        return []
    if table is None:
        return []
    groups = {normalize_code(row.soc_code)[:2] for row in table}
    return [
        {"major_group": major, "signal": round_signal(table.group_signal(f"{major}-"))}
        for major in SOC_MAJOR_GROUPS
        if major in groups
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
