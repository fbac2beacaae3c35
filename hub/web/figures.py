"""The network's figures: a public page for funders and the press, downloads, introductions.

Every figure comes from the public roll-up (``hub.outcomes.services.rollup``), the same
protected tables the ``/api/v1/rollup`` endpoints read: a withheld cell stays withheld
here, in charts, tables and downloads alike, and says so. The introductions overview
counts requests by state and age; it never shows a pitch, a card or a reference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from flask import Blueprint, Response, abort, render_template, request, url_for
from flask_babel import gettext
from sqlalchemy import func, select

from hub.communities.models import Community
from hub.extensions import db
from hub.introductions.models import Introduction, IntroStatus
from hub.outcomes.schemas import RollupArgsSchema
from hub.outcomes.services import ROLLUP_COLUMNS, rollup
from shared.privacy.aggregates import HUB_ROUND_BASE, HUB_SUPPRESS_BELOW
from shared.privacy.disclosure import TOTAL
from shared.taxonomy import default_taxonomy
from shared.text import N_
from shared.web.admin import login_required
from shared.web.csv import XLSX_MIMETYPE, write_xlsx
from shared.web.downloads import content_disposition

bp = Blueprint("figures", __name__)

#: The figures the public page charts over time, with their words.
TREND = {
    "enrolled": N_("Connectees enrolled"),
    "matched": N_("Matched with a connector"),
    "met": N_("Met their connector"),
    "employed": N_("Employed since"),
}
WITHHELD = "withheld"
#: Age bands of cross-city requests, in days since they were made (the page translates them).
AGE_BANDS: tuple[tuple[str, int, int | None], ...] = (
    (N_("under a week"), 0, 7),
    (N_("1–4 weeks"), 7, 28),
    (N_("1–3 months"), 28, 91),
    (N_("over 3 months"), 91, None),
)
#: A request still unanswered after this many days is worth chasing.
STALE_DAYS = 14


def group_title(code: str | None) -> str:
    """An occupation group's title ("Healthcare Practitioners…"), not its code."""
    if not code or code == TOTAL:
        return str(gettext("All occupations"))
    taxonomy = default_taxonomy()
    key = f"{code}-0000" if len(code) == 2 else code
    return taxonomy.get(key).title if key in taxonomy else code


def _cell(row: dict[str, Any], column: str) -> Any:
    """A figure for a download: the number, "withheld", or empty when not reported."""
    if column in row.get("suppressed", ()):
        return WITHHELD
    value = row.get(column)
    return "" if value is None else value


def row_label(row: dict[str, Any]) -> str:
    """Name a roll-up row: its community, its occupation group, or its quarter."""
    parts = [row["community"]] if row.get("community") else []
    if row.get("major_group") not in (None, TOTAL):
        parts.append(group_title(row["major_group"]))
    return " · ".join(parts) or str(row["period"])


def rollup_chart(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Roll-up rows as a bar chart; a withheld figure is a gap (the table says why)."""
    return {
        "type": "bar",
        "labels": [row_label(row) for row in rows],
        "datasets": [
            {
                "label": gettext(label),
                "data": [None if name in row["suppressed"] else row[name] for row in rows],
            }
            for name, label in TREND.items()
        ],
    }


# The public page ----------------------------------------------------------------------


@bp.get("/figures")
def public() -> str:
    """The national figures, open to anyone: only what the public roll-up publishes."""
    national = rollup(None, "national")
    latest = national[-1]["period"] if national else None
    groups = rollup(latest, "major_group") if latest else []
    return render_template(
        "figures/public.html",
        national=national,
        groups=groups,
        latest=latest,
        trend={name: gettext(label) for name, label in TREND.items()},
        trend_chart=rollup_chart(national),
        group_title=group_title,
        suppress_below=HUB_SUPPRESS_BELOW,
        round_to=HUB_ROUND_BASE,
        communities=db.session.scalar(select(func.count()).select_from(Community)),
    )


@bp.get("/figures/rollup.xlsx")
def rollup_xlsx() -> Response:
    """The public roll-up as a workbook: one sheet, withheld cells say so."""
    raw = {k: v for k, v in request.args.items() if k in ("period", "by") and v != ""}
    errors = RollupArgsSchema().validate(raw)
    if errors:
        abort(422, description="; ".join(f"{k}: {' '.join(v)}" for k, v in errors.items()))
    args = RollupArgsSchema().load(raw)
    rows = [
        {
            **{c: _cell(row, c) for c in ROLLUP_COLUMNS},
            "group_title": group_title(row["major_group"]),
        }
        for row in rollup(args["period"], args["by"])
    ]
    columns = [*ROLLUP_COLUMNS[:3], "group_title", *ROLLUP_COLUMNS[3:]]
    body = write_xlsx([(f"Roll-up {args['by']}", columns, rows)])
    response = Response(body, mimetype=XLSX_MIMETYPE)
    name = f"rollup-{args['by']}-{args['period'] or 'all'}.xlsx"
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


def download_links(period: str | None, by: str) -> dict[str, str]:
    """The CSV (the public API's) and XLSX of one roll-up."""
    return {
        "csv": url_for("rollup.RollupCsv", by=by, period=period),
        "xlsx": url_for("figures.rollup_xlsx", by=by, period=period),
    }


# Introductions, for staff ----------------------------------------------------------------


def _age_band(days: int) -> str:
    for label, low, high in AGE_BANDS:
        if days >= low and (high is None or days < high):
            return label
    return AGE_BANDS[-1][0]


@bp.get("/introductions")
@login_required
def introductions() -> str:
    """The network's cross-city requests by state and age; the stale ones to chase."""
    now = dt.datetime.now(dt.UTC)
    by_state: dict[IntroStatus, dict[str, int]] = {
        state: dict.fromkeys((b[0] for b in AGE_BANDS), 0) for state in IntroStatus
    }
    stmt = select(Introduction.status, Introduction.requested_at)
    for state, requested_at in db.session.execute(stmt):
        by_state[state][_age_band((now - requested_at).days)] += 1
    names: dict[int, str] = dict(db.session.execute(select(Community.id, Community.name)).all())
    cutoff = now - dt.timedelta(days=STALE_DAYS)
    stale_stmt = (
        select(
            Introduction.from_community_id,
            Introduction.to_community_id,
            func.count(),
            func.min(Introduction.requested_at),
        )
        .where(Introduction.status == IntroStatus.REQUESTED, Introduction.requested_at < cutoff)
        .group_by(Introduction.from_community_id, Introduction.to_community_id)
        .order_by(func.min(Introduction.requested_at))
    )
    stale = [
        {
            "from": names.get(source, "?"),
            "to": names.get(target, "?"),
            "count": count,
            "oldest_days": (now - oldest).days,
        }
        for source, target, count, oldest in db.session.execute(stale_stmt)
    ]
    return render_template(
        "figures/introductions.html",
        by_state=by_state,
        bands=[b[0] for b in AGE_BANDS],
        stale=stale,
        stale_days=STALE_DAYS,
    )
