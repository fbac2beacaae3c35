"""Store a community's outcome cells per period, and roll them up for the public.

Every public grouping of a period is read from one protected table per measure
(community × occupation group with all margins, see ``shared.privacy.disclosure``), so the
same figure is the same in every view and no view can be subtracted from another to pin a
withheld cell.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete, func, insert, select

from hub.audit.services import record
from hub.communities.models import Community, CommunityRef
from hub.communities.services import mark_synced
from hub.database import utcnow
from hub.errors import InvalidInput
from hub.extensions import db
from hub.kept import kept
from hub.outcomes.models import ROLLUP_LEVELS, OutcomeCell
from shared.privacy.disclosure import TOTAL, ProtectedTable, protect_table
from shared.protocol import EMPLOYED_METRICS, METRICS, PERIOD_RE

#: A roll-up row's columns, in the order the CSV and the dashboard show them.
ROLLUP_COLUMNS = (
    "period",
    "community",
    "major_group",
    *METRICS,
    "employed",
    "placement_rate",
)
_CELL_FIELDS = ("major_group", "metric", "value", "suppressed")

log = logging.getLogger(__name__)


def _withheld(cell: Mapping[str, Any]) -> bool:
    return bool(cell["suppressed"]) or cell["value"] is None


def check_totals(cells: Sequence[Mapping[str, Any]]) -> None:
    """Refuse a set whose total over groups cannot hold its groups.

    A measure's "all" cell counts every group of it, and a group the node withheld holds
    at least 1, so the total must be at least the known groups plus one per withheld
    group. A total below that describes no real table: the roll-up could not be
    protected (no table fits it), so it is refused here, with the measure named.
    """
    totals = {c["metric"]: c for c in cells if c["major_group"] == TOTAL}
    errors = []
    for metric, total in sorted(totals.items()):
        if _withheld(total):
            continue
        parts = [c for c in cells if c["metric"] == metric and c["major_group"] != TOTAL]
        hidden = sum(1 for c in parts if _withheld(c))
        known = sum(int(c["value"]) for c in parts if not _withheld(c))
        if total["value"] < known + hidden:
            errors.append(
                f"{metric}: the total {total['value']} is less than its groups "
                f"({known} shown, {hidden} withheld of at least 1 each)."
            )
    if errors:
        raise InvalidInput({"cells": errors})


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
    check_totals(cells)
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


def reported_periods() -> list[str]:
    """The quarters any community reported outcomes for, newest first."""
    stmt = select(OutcomeCell.period).distinct().order_by(OutcomeCell.period.desc())
    return list(db.session.scalars(stmt))


# --- the public roll-up ----------------------------------------------------------------
# (period, metric) -> the protected community × group table of that measure.
Tables = dict[tuple[str, str], ProtectedTable]
# (period, community | None, major group): one roll-up row; None and TOTAL mark margins.
RowKey = tuple[str, str | None, str]


def rollup(period: str | None, by: str) -> list[dict[str, Any]]:
    """Return the public roll-up rows of one grouping, read from the protected tables."""
    if by not in ROLLUP_LEVELS:
        raise InvalidInput({"by": [f"Use one of: {', '.join(ROLLUP_LEVELS)}."]})
    tables, sent = _protected_tables(period)
    if by == "community":
        keys: set[RowKey] = {(per, slug, TOTAL) for per, slug, _group in sent}
    elif by == "major_group":
        keys = {(per, None, group) for per, _slug, group in sent if group != TOTAL}
    elif by == "community_major_group":
        keys = set(sent)
    else:
        keys = {(per, None, TOTAL) for per, _slug, _group in sent}
    return [
        _public_row(key, tables) for key in sorted(keys, key=lambda k: (k[0], k[1] or "", k[2]))
    ]


def cells_version(period: str | None = None) -> tuple[Any, ...]:
    """A version of the stored outcome cells (of one period, or all) that moves with every
    ``replace_cells``: their count, newest id and newest stamp."""
    stmt = select(func.count(), func.max(OutcomeCell.id), func.max(OutcomeCell.updated_at))
    if period is not None:
        stmt = stmt.where(OutcomeCell.period == period)
    return tuple(db.session.execute(stmt).one())


def _protected_tables(period: str | None) -> tuple[Tables, set[RowKey]]:
    """The protected tables of the period (None: every period). Protecting is a pure
    function of the stored cells, so each worker keeps them until the cells change."""
    if period is not None:
        check_period(period)
    return kept(("rollup", period), cells_version(period), lambda: _build_tables(period))


def _build_tables(period: str | None) -> tuple[Tables, set[RowKey]]:
    """Protect each (period, metric) table; also return the (period, slug, group) sent."""
    stmt = select(
        OutcomeCell.period,
        Community.slug,
        OutcomeCell.major_group,
        OutcomeCell.metric,
        OutcomeCell.value,
        OutcomeCell.suppressed,
    ).join(Community, Community.id == OutcomeCell.community_id)
    if period is not None:
        stmt = stmt.where(OutcomeCell.period == period)
    inner: dict[tuple[str, str], dict[tuple[str, str], int | None]] = defaultdict(dict)
    totals: dict[tuple[str, str], dict[str, int | None]] = defaultdict(dict)
    sent: set[RowKey] = set()
    for per, slug, group, metric, count, suppressed in db.session.execute(stmt):
        value = None if suppressed else count
        if group == TOTAL:
            totals[(per, metric)][slug] = value
        else:
            inner[(per, metric)][(slug, group)] = value
        sent.add((per, slug, group))
    tables = {
        key: _protect(key, inner.get(key, {}), totals.get(key, {}))
        for key in sorted({*inner, *totals})
    }
    return tables, sent


def _protect(
    key: tuple[str, str],
    inner: Mapping[tuple[str, str], int | None],
    totals: Mapping[str, int | None],
) -> ProtectedTable:
    """Protect one table; totals stored before ``check_totals`` guarded the door may not
    fit their groups, and then the table is protected from the groups alone."""
    try:
        return protect_table(inner, totals)
    except ValueError:
        log.warning("outcome totals of %s %s do not fit their groups; ignored", *key)
        return protect_table(inner, {})


def _public_row(key: RowKey, tables: Tables) -> dict[str, Any]:
    period, community, group = key
    cell = (community or TOTAL, group)
    row: dict[str, Any] = {"period": period, "community": community, "major_group": group}
    suppressed: list[str] = []
    for metric in METRICS:
        table = tables.get((period, metric))
        if table is None or cell not in table.published:
            row[metric] = None  # not reported
            continue
        row[metric] = table.published[cell]
        if row[metric] is None:
            suppressed.append(metric)
    # "employed" is the sum of its published parts, so it tells nothing they do not: a
    # sum of true parts would be one more equation an attacker could use.
    if any(m in suppressed for m in EMPLOYED_METRICS):
        row["employed"] = None
        suppressed.append("employed")
    elif all(row[m] is not None for m in EMPLOYED_METRICS):
        row["employed"] = sum(row[m] for m in EMPLOYED_METRICS)
    else:
        row["employed"] = None
    met = row["met"]
    row["placement_rate"] = (
        round(min(1.0, row["employed"] / met), 3) if row["employed"] is not None and met else None
    )
    row["suppressed"] = suppressed
    return row
