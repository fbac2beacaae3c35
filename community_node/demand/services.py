"""Which demand table the node uses, uploading its own, and the signal staff see.

Precedence: an uploaded table (source "upload") over the OEWS figures of the metro set in
NODE_DEMAND_METRO (source "oews"); with neither, no table (source "none") and every
occupation is neutral (0.5).

Recruiting needs that employers and chambers record (``recruitment``) lift the signal of
their occupation while their period runs: to at least ``NEEDS_FLOOR`` for one open
position, ``NEEDS_STEP`` more for each further one, at most 1. A table's higher signal
stands.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.demand.models import DemandFigure
from community_node.errors import InvalidInput
from community_node.extensions import db
from community_node.recruitment.models import Partner, RecruitingNeed
from shared.taxonomy import (
    DemandTable,
    DemandTableError,
    UnknownMetro,
    default_demand,
    default_taxonomy,
    normalize_code,
)
from shared.taxonomy.demand import NEUTRAL, Demand

#: The signal one open position lifts its occupation to, and what each further one adds.
NEEDS_FLOOR = 0.6
NEEDS_STEP = 0.05

UPLOAD = "upload"
OEWS = "oews"
NONE = "none"


@dataclass(frozen=True)
class ActiveTable:
    """The table in force and where it comes from."""

    source: str
    table: DemandTable | None
    metro: str | None = None
    metro_name: str | None = None


def configured_metro() -> str | None:
    """Return the OEWS area code set in NODE_DEMAND_METRO, checked against the data."""
    value = current_app.config.get("DEMAND_METRO")
    if value is None or not str(value).strip():
        return None
    code = str(value).strip().zfill(7)
    try:
        default_demand().metro(code)
    except UnknownMetro as exc:
        raise RuntimeError(f"NODE_DEMAND_METRO: {exc}") from None
    return code


def uploaded_table() -> DemandTable | None:
    """Return the uploaded table, or None when none was uploaded."""
    figures = db.session.scalars(select(DemandFigure).order_by(DemandFigure.soc_code)).all()
    if not figures:
        return None
    return DemandTable(Demand(f.soc_code, f.location_quotient, f.jobs_per_1000) for f in figures)


def active_table() -> ActiveTable:
    """Return the demand table the node uses now."""
    table = uploaded_table()
    if table is not None:
        return ActiveTable(UPLOAD, table)
    metro = configured_metro()
    if metro is not None:
        area = default_demand().metro(metro)
        return ActiveTable(OEWS, default_demand().for_metro(metro), metro, area.name)
    return ActiveTable(NONE, None)


def upload(content: bytes, *, actor: str) -> dict[str, Any]:
    """Replace the uploaded table with a CSV, all rows or none; return the summary."""
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            {"rows": [{"row": 1, "column": "file", "message": "The file is not UTF-8 text."}]},
            message="The file is not UTF-8 text; nothing was stored.",
        ) from None
    try:
        table = DemandTable.from_csv(text)
    except DemandTableError as exc:
        rows = len({error.row for error in exc.errors})
        noun = "row has" if rows == 1 else "rows have"
        raise InvalidInput(
            {
                "rows": [
                    {"row": e.row, "column": e.column, "message": e.message} for e in exc.errors
                ]
            },
            message=f"{rows} {noun} errors; nothing was stored.",
        ) from None
    db.session.execute(delete(DemandFigure))
    db.session.add_all(
        DemandFigure(
            soc_code=row.soc_code,
            location_quotient=row.location_quotient,
            jobs_per_1000=row.jobs_per_1000,
            uploaded_by=actor,
        )
        for row in table
    )
    record(actor, "demand.upload", "demand", None, {"rows": len(table)})
    db.session.commit()
    return summary()


def clear(*, actor: str) -> None:
    """Drop the uploaded table, falling back to the configured metro."""
    removed = db.session.scalar(select(func.count()).select_from(DemandFigure)) or 0
    db.session.execute(delete(DemandFigure))
    record(actor, "demand.clear", "demand", None, {"rows": removed})
    db.session.commit()


def summary() -> dict[str, Any]:
    """Describe the table in force."""
    active = active_table()
    uploaded_at = db.session.scalar(select(func.max(DemandFigure.uploaded_at)))
    return {
        "source": active.source,
        "metro": active.metro,
        "metro_name": active.metro_name,
        "occupations": 0 if active.table is None else len(active.table),
        "uploaded_at": uploaded_at if active.source == UPLOAD else None,
    }


def open_positions(today: dt.date | None = None) -> dict[str, int]:
    """Positions wanted per SOC code by active partners' needs whose period covers today."""
    today = today or utcnow().date()
    rows = db.session.execute(
        select(RecruitingNeed.soc_code, func.sum(RecruitingNeed.positions))
        .join(Partner, Partner.id == RecruitingNeed.partner_id)
        .where(
            Partner.active.is_(True),
            RecruitingNeed.starts_on <= today,
            RecruitingNeed.ends_on >= today,
        )
        .group_by(RecruitingNeed.soc_code)
    )
    return {code: int(total or 0) for code, total in rows}


def lifted(signal: float, positions: int) -> float:
    """The signal of an occupation with ``positions`` open: never lower than the table's."""
    if positions <= 0:
        return signal
    return max(signal, min(1.0, NEEDS_FLOOR + NEEDS_STEP * (positions - 1)))


def signal_lookup(today: dt.date | None = None) -> Callable[[str | None], float | None]:
    """A function giving each occupation's signal (None: nothing known, so neutral)."""
    table = active_table().table
    needs = open_positions(today)

    def lookup(code: str | None) -> float | None:
        if not code or (code not in needs and (table is None or code not in table)):
            return None
        base = NEUTRAL if table is None else table.signal(code)
        return lifted(base, needs.get(code, 0))

    return lookup


def group_signals(today: dt.date | None = None) -> dict[str, float]:
    """The mean signal of each SOC major group ("29") over the occupations known in it."""
    table = active_table().table
    needs = open_positions(today)
    codes = set(needs) | ({normalize_code(row.soc_code) for row in table} if table else set())
    by_group: dict[str, list[float]] = {}
    for code in codes:
        base = NEUTRAL if table is None else table.signal(code)
        by_group.setdefault(code[:2], []).append(lifted(base, needs.get(code, 0)))
    return {group: sum(values) / len(values) for group, values in by_group.items()}


def signal_for(occupation: str) -> dict[str, Any]:
    """Return the demand figures and signal of one occupation for staff."""
    code = normalize_code(occupation)
    active = active_table()
    row = None if active.table is None else active.table.get(code)
    positions = open_positions().get(code, 0)
    taxonomy = default_taxonomy()
    return {
        "occupation": code,
        "title": taxonomy.get(code).title if taxonomy.is_valid(code) else None,
        "source": active.source,
        "metro": active.metro,
        "metro_name": active.metro_name,
        "location_quotient": None if row is None else row.location_quotient,
        "jobs_per_1000": None if row is None else row.jobs_per_1000,
        "signal": lifted(NEUTRAL if active.table is None else active.table.signal(code), positions),
        "known": row is not None,
        "open_positions": positions,
    }
