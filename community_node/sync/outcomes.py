"""The node's outcome cells per quarter (suppressed), queued for the hub."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Integer, cast, exists, extract, func, select

from community_node.extensions import db
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants.models import Connectee, ProfileStatus
from community_node.reports.services import cohort_day, funnel
from community_node.sync import outbox
from shared.privacy import suppress_with_totals
from shared.protocol import METRICS, SOC_MAJOR_GROUPS

#: Quarters of outcomes a sync reports: the current one and the three before it.
OUTCOME_QUARTERS = 4


def _quarter_of(day: dt.date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def recent_quarters(today: dt.date, count: int = OUTCOME_QUARTERS) -> list[str]:
    """Return the last ``count`` quarters, oldest first, ending with today's."""
    year, quarter = _quarter_of(today)
    labels = []
    for _ in range(count):
        labels.append(f"{year:04d}-Q{quarter}")
        year, quarter = (year, quarter - 1) if quarter > 1 else (year - 1, 4)
    return labels[::-1]


def _quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    year, quarter = int(label[:4]), int(label[-1])
    start = dt.date(year, 3 * quarter - 2, 1)
    end_month = 3 * quarter
    next_start = dt.date(year + 1, 1, 1) if end_month == 12 else dt.date(year, end_month + 1, 1)
    return start, next_start - dt.timedelta(days=1)


def _major(group: str) -> str:
    return group if group in SOC_MAJOR_GROUPS else "unknown"


def _employed_elsewhere(start: dt.date, end: dt.date) -> dict[tuple[str, str], Counter[str]]:
    """Count connectees with a related-field or outside-field job, per quarter and group."""
    day = cohort_day()
    year = cast(extract("year", day), Integer)
    quarter = (cast(extract("month", day), Integer) - 1) // 3 + 1
    flags = {
        category.value: exists().where(
            FollowUpOutcome.connectee_id == Connectee.id, FollowUpOutcome.category == category
        )
        for category in (
            OutcomeCategory.EMPLOYED_RELATED_FIELD,
            OutcomeCategory.EMPLOYED_OUTSIDE_FIELD,
        )
    }
    stmt = select(
        year.label("y"),
        quarter.label("q"),
        func.substr(Connectee.target_occupation, 1, 2).label("g"),
        *(flag.label(name) for name, flag in flags.items()),
    ).where(
        Connectee.status != ProfileStatus.DRAFT,
        day >= start,
        day <= end,
        # Only connectees with any such job: usually a small share of the cohort.
        exists().where(
            FollowUpOutcome.connectee_id == Connectee.id,
            FollowUpOutcome.category.in_(
                [OutcomeCategory.EMPLOYED_RELATED_FIELD, OutcomeCategory.EMPLOYED_OUTSIDE_FIELD]
            ),
        ),
    )
    counts: dict[tuple[str, str], Counter[str]] = {}
    for row in db.session.execute(stmt).mappings():
        key = (f"{int(row['y']):04d}-Q{int(row['q'])}", _major(row["g"] or "unknown"))
        bucket = counts.setdefault(key, Counter())
        for name in flags:
            bucket[name] += 1 if row[name] else 0
    return counts


def outcome_cells(periods: Sequence[str]) -> dict[str, list[dict[str, Any]]]:
    """Compute each period's suppressed outcome cells (per SOC major group and "all")."""
    start, _ = _quarter_bounds(periods[0])
    _, end = _quarter_bounds(periods[-1])
    rows: dict[str, dict[str, dict[str, int]]] = {period: {} for period in periods}
    for funnel_row in funnel("quarter", start, end, group_by="major_group"):
        if funnel_row.period not in rows:
            continue
        group = rows[funnel_row.period].setdefault(
            _major(funnel_row.major_group), dict.fromkeys(METRICS, 0)
        )
        group["enrolled"] += funnel_row.applied
        group["eligible"] += funnel_row.eligible
        group["matched"] += funnel_row.matched
        group["met"] += funnel_row.met
        group["referred"] += funnel_row.referred
        group["employed_in_field"] += funnel_row.employed_in_field
    for (period, major), counted in _employed_elsewhere(start, end).items():
        if period in rows and major in rows[period]:
            for name, value in counted.items():
                rows[period][major][name] += value
    result: dict[str, list[dict[str, Any]]] = {}
    for period, groups in rows.items():
        if not groups:
            result[period] = []
            continue
        table = suppress_with_totals(groups)
        result[period] = [
            {"major_group": g, "metric": m, "value": v, "suppressed": v is None}
            for (g, m), v in sorted(table.items())
        ]
    return result


def enqueue_outcomes(today: dt.date) -> list[str]:
    """Enqueue the recent quarters whose cells changed since last enqueued; return them."""
    periods = recent_quarters(today)
    changed = []
    for period, cells in outcome_cells(periods).items():
        if outbox.enqueue_outcomes(period, cells) is not None:
            changed.append(period)
    return changed
