"""Store a community's outcome cells per period, and roll them up for the public."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import delete, insert, select

from hub.audit.services import record
from hub.communities.models import Community, CommunityRef
from hub.communities.services import mark_synced
from hub.database import utcnow
from hub.errors import InvalidInput
from hub.extensions import db
from hub.outcomes.models import OutcomeCell
from shared.privacy.aggregates import HUB_ROUND_BASE, HUB_SUPPRESS_BELOW, public_value
from shared.protocol import EMPLOYED_METRICS, METRICS, PERIOD_RE

ROLLUP_LEVELS = ("community", "major_group", "community_major_group", "national")
_CELL_FIELDS = ("major_group", "metric", "value", "suppressed")


def check_period(period: str) -> str:
    """Return the period if it is a quarter like 2026-Q3, else raise InvalidInput."""
    if not PERIOD_RE.match(period):
        raise InvalidInput({"period": ["Use a quarter like 2026-Q3."]})
    return period


def replace_cells(
    community: CommunityRef, period: str, cells: Sequence[Mapping[str, Any]], actor: str
) -> list[dict[str, Any]]:
    """Replace the community's whole set of cells for the period; then commit."""
    check_period(period)
    db.session.execute(
        delete(OutcomeCell).where(
            OutcomeCell.community_id == community.id, OutcomeCell.period == period
        )
    )
    now = utcnow()
    rows = [
        {
            "community_id": community.id,
            "period": period,
            "updated_at": now,
            **{k: cell[k] for k in _CELL_FIELDS},
        }
        for cell in cells
    ]
    if rows:
        db.session.execute(insert(OutcomeCell), rows)
    mark_synced(community.id)
    record(
        actor, "outcomes.replace", "community", community.id, {"period": period, "cells": len(rows)}
    )
    db.session.commit()
    return cells_of(community, period)


def cells_of(community: CommunityRef, period: str) -> list[dict[str, Any]]:
    """Return the community's stored cells for the period, in a stable order."""
    check_period(period)
    cells = db.session.scalars(
        select(OutcomeCell)
        .where(OutcomeCell.community_id == community.id, OutcomeCell.period == period)
        .order_by(OutcomeCell.major_group, OutcomeCell.metric)
    )
    return [{k: getattr(c, k) for k in _CELL_FIELDS} for c in cells]


# --- the public roll-up ----------------------------------------------------------------
# A raw total is an int, or SUPPRESSED when any input to it was suppressed by a node.
class _Suppressed:
    """Marks a total that includes a cell a node suppressed."""


SUPPRESSED = _Suppressed()
Raw = int | _Suppressed


def _sum(values: Iterable[Raw]) -> Raw | None:
    total = 0
    seen = False
    for value in values:
        if isinstance(value, _Suppressed):
            return SUPPRESSED
        total += value
        seen = True
    return total if seen else None


def _community_total(groups: Mapping[str, Raw]) -> Raw | None:
    """A community's total for a metric: its own "all" cell, else the sum of its groups."""
    if "all" in groups:
        return groups["all"]
    return _sum(groups.values())


def rollup(period: str | None, by: str) -> list[dict[str, Any]]:
    """Sum the communities' cells at one level and apply the public thresholds."""
    if by not in ROLLUP_LEVELS:
        raise InvalidInput({"by": [f"Use one of: {', '.join(ROLLUP_LEVELS)}."]})
    stmt = select(
        OutcomeCell.period,
        Community.slug,
        OutcomeCell.major_group,
        OutcomeCell.metric,
        OutcomeCell.value,
        OutcomeCell.suppressed,
    ).join(Community, Community.id == OutcomeCell.community_id)
    if period is not None:
        stmt = stmt.where(OutcomeCell.period == check_period(period))
    # (period, community, metric) -> major group -> raw value
    data: dict[tuple[str, str, str], dict[str, Raw]] = defaultdict(dict)
    for per, slug, group, metric, count, suppressed in db.session.execute(stmt):
        data[(per, slug, metric)][group] = SUPPRESSED if suppressed or count is None else count

    # (period, community | None, major group) -> metric -> raw total
    table: dict[tuple[str, str | None, str], dict[str, Raw | None]] = defaultdict(dict)
    if by == "community_major_group":
        for (per, slug, metric), groups in data.items():
            for group, cell in groups.items():
                table[(per, slug, group)][metric] = cell
    elif by == "community":
        for (per, slug, metric), groups in data.items():
            table[(per, slug, "all")][metric] = _community_total(groups)
    elif by == "major_group":
        per_group: dict[tuple[str, str, str], list[Raw]] = defaultdict(list)
        for (per, _slug, metric), groups in data.items():
            for group, cell in groups.items():
                if group != "all":
                    per_group[(per, group, metric)].append(cell)
        for (per, group, metric), values in per_group.items():
            table[(per, None, group)][metric] = _sum(values)
    else:
        national: dict[tuple[str, str], list[Raw]] = defaultdict(list)
        for (per, _slug, metric), groups in data.items():
            community_total = _community_total(groups)
            if community_total is not None:
                national[(per, metric)].append(community_total)
        for (per, metric), values in national.items():
            table[(per, None, "all")][metric] = _sum(values)

    return [
        _public_row(per, slug, group, metrics)
        for (per, slug, group), metrics in sorted(
            table.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2])
        )
    ]


def _public_row(
    period: str, community: str | None, group: str, metrics: Mapping[str, Raw | None]
) -> dict[str, Any]:
    row: dict[str, Any] = {"period": period, "community": community, "major_group": group}
    suppressed: list[str] = []
    raw_employed: list[Raw] = []
    for metric in METRICS:
        raw = metrics.get(metric)
        if metric in EMPLOYED_METRICS and raw is not None:
            raw_employed.append(raw)
        row[metric] = _publish(metric, raw, suppressed)
    employed = _sum(raw_employed) if len(raw_employed) == len(EMPLOYED_METRICS) else None
    row["employed"] = _publish("employed", employed, suppressed)
    met = row["met"]
    row["placement_rate"] = (
        round(min(1.0, row["employed"] / met), 3) if row["employed"] is not None and met else None
    )
    row["suppressed"] = suppressed
    return row


def _publish(name: str, raw: Raw | None, suppressed: list[str]) -> int | None:
    if raw is None:
        return None
    value = (
        None
        if isinstance(raw, _Suppressed)
        else public_value(raw, HUB_SUPPRESS_BELOW, HUB_ROUND_BASE)
    )
    if value is None:
        suppressed.append(name)
    return value
