"""Which demand table the node uses, uploading its own, and the signal staff see.

Precedence: an uploaded table (source "upload") over the OEWS figures of the metro set in
NODE_DEMAND_METRO (source "oews"); with neither, no table (source "none") and every
occupation is neutral (0.5).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import delete, func, select

from community_node.audit.services import record
from community_node.demand.models import DemandFigure
from community_node.errors import InvalidInput
from community_node.extensions import db
from shared.taxonomy import (
    DemandTable,
    DemandTableError,
    UnknownMetro,
    default_demand,
    default_taxonomy,
    normalize_code,
)
from shared.taxonomy.demand import NEUTRAL, Demand

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


def signal_for(occupation: str) -> dict[str, Any]:
    """Return the demand figures and signal of one occupation for staff."""
    code = normalize_code(occupation)
    active = active_table()
    row = None if active.table is None else active.table.get(code)
    taxonomy = default_taxonomy()
    return {
        "occupation": code,
        "title": taxonomy.get(code).title if taxonomy.is_valid(code) else None,
        "source": active.source,
        "metro": active.metro,
        "metro_name": active.metro_name,
        "location_quotient": None if row is None else row.location_quotient,
        "jobs_per_1000": None if row is None else row.jobs_per_1000,
        "signal": NEUTRAL if active.table is None else active.table.signal(code),
        "known": row is not None,
    }
