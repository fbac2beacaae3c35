"""The program funnel and follow-up outcomes, aggregated in SQL per cohort period.

A cohort is the applicants whose intake date (else the day their record was created,
in UTC) falls in one period. docs/reports.md defines every count; keep the two in step.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    case,
    cast,
    exists,
    extract,
    func,
    literal,
    or_,
    select,
)
from sqlalchemy.sql.elements import ColumnElement

from community_node.eligibility.models import EligibilityDecision
from community_node.eligibility.models import Outcome as Eligibility
from community_node.extensions import db
from community_node.matches.models import (
    Match,
    MatchStatus,
    MatchTransition,
    Referral,
    ReferralResult,
)
from community_node.outcomes.models import EMPLOYED_CATEGORIES, FollowUpOutcome, OutcomeCategory
from community_node.participants.models import Connectee, Connector, ProfileStatus
from shared.taxonomy import default_taxonomy
from shared.web.csv import write_csv

#: Match states that can only be reached after the introduction was made.
INTRODUCED_OR_LATER = (
    MatchStatus.INTRODUCED,
    MatchStatus.MEETING_SCHEDULED,
    MatchStatus.MET,
    MatchStatus.REFERRALS_PENDING,
    MatchStatus.REFERRED,
    MatchStatus.CLOSED,
    MatchStatus.NO_SHOW,
)

#: Tier-1 referrals a match needs to count as "referred" (the connector's three contacts).
REFERRALS_NEEDED = 3

ALL, UNKNOWN = "all", "unknown"


@dataclass(frozen=True)
class FunnelRow:
    period: str
    major_group: str
    major_group_title: str
    applied: int
    eligible: int
    matched: int
    met: int
    referred: int
    employed: int
    employed_in_field: int
    placement_rate: float | None
    employed_in_field_rate: float | None


@dataclass(frozen=True)
class OutcomeRow:
    period: str
    major_group: str
    major_group_title: str
    milestone_months: int
    category: str
    outcomes: int
    attributed: int
    not_attributed: int
    attribution_unknown: int
    attribution_share: float | None


@dataclass(frozen=True)
class TimeToMatchRow:
    period: str
    major_group: str
    major_group_title: str
    matched: int
    median_days: float | None
    mean_days: float | None
    max_days: int | None


@dataclass(frozen=True)
class ConnectorReferralRow:
    connector_id: int
    connector_name: str
    matches: int
    referrals: int
    tier1: int
    tier2: int
    hired: int


FUNNEL_COLUMNS = tuple(FunnelRow.__dataclass_fields__)
OUTCOME_COLUMNS = tuple(OutcomeRow.__dataclass_fields__)
TIME_TO_MATCH_COLUMNS = tuple(TimeToMatchRow.__dataclass_fields__)
CONNECTOR_REFERRAL_COLUMNS = tuple(ConnectorReferralRow.__dataclass_fields__)


# Cohorts ------------------------------------------------------------------------------


def _utc_day(column: Any) -> ColumnElement[dt.date]:
    """Return the UTC calendar day of a timestamp column, on SQLite and PostgreSQL."""
    if db.session.get_bind().dialect.name == "postgresql":
        return cast(func.timezone("UTC", column), Date)
    return func.date(column, type_=Date)  # SQLite keeps UTC text: its first 10 chars


def cohort_day() -> ColumnElement[dt.date]:
    """The day that puts a connectee in a cohort: intake date, else creation day."""
    return func.coalesce(Connectee.intake_date, _utc_day(Connectee.created_at))


def _period_columns(period: str) -> list[ColumnElement[int]]:
    day = cohort_day()
    year = cast(extract("year", day), Integer)
    month = cast(extract("month", day), Integer)
    if period == "month":
        return [year.label("y"), month.label("p")]
    if period == "quarter":
        return [year.label("y"), ((month - 1) // 3 + 1).label("p")]
    if period == "year":
        return [year.label("y")]
    return []


def _period_label(period: str, row: Mapping[Any, Any]) -> str:
    if period == "month":
        return f"{row['y']:04d}-{row['p']:02d}"
    if period == "quarter":
        return f"{row['y']:04d}-Q{row['p']}"
    if period == "year":
        return f"{row['y']:04d}"
    return ALL


def _major_column() -> ColumnElement[str]:
    return case(
        (Connectee.target_occupation.is_(None), literal(UNKNOWN)),
        else_=func.substr(Connectee.target_occupation, 1, 2),
    ).label("g")


def major_group_title(major: str) -> str:
    """Name a SOC major group ("29"), or the pseudo-groups "all" and "unknown"."""
    if major == ALL:
        return "All occupations"
    if major == UNKNOWN:
        return "No target occupation"
    taxonomy = default_taxonomy()
    code = f"{major}-0000"
    return taxonomy.get(code).title if code in taxonomy else major


def _cohort(
    period: str, start: dt.date | None, end: dt.date | None, group_by: str | None
) -> tuple[list[ColumnElement[Any]], list[Any]]:
    """Return the cohort key columns and the WHERE conditions every report shares."""
    keys: list[ColumnElement[Any]] = list(_period_columns(period))
    if group_by == "major_group":
        keys.append(_major_column())
    where: list[Any] = [Connectee.status != ProfileStatus.DRAFT]
    if start is not None:
        where.append(cohort_day() >= start)
    if end is not None:
        where.append(cohort_day() <= end)
    return keys, where


def _key(period: str, group_by: str | None, row: Mapping[Any, Any]) -> tuple[str, str, str]:
    major = row["g"] if group_by == "major_group" else ALL
    return _period_label(period, row), major, major_group_title(major)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


# The funnel ---------------------------------------------------------------------------


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _introduced() -> ColumnElement[bool]:
    """A match whose introduction was made: what the funnel counts as "matched"."""
    return or_(
        Match.status.in_(INTRODUCED_OR_LATER),
        Match.first_met_on.is_not(None),
        # A match that exited (declined, expired, cancelled) after its introduction.
        exists().where(
            MatchTransition.match_id == Match.id,
            MatchTransition.to_status == MatchStatus.INTRODUCED,
        ),
    )


def _stage_flags() -> dict[str, ColumnElement[int]]:
    """Per connectee, 1 when they reached a stage, else 0 (correlated EXISTS subqueries)."""
    mine = Match.connectee_id == Connectee.id
    introduced = _introduced()
    tier1_referrals = (
        select(func.count(Referral.id))
        .where(Referral.match_id == Match.id, Referral.tier == 1)
        .scalar_subquery()
    )
    outcome = FollowUpOutcome.connectee_id == Connectee.id
    return {
        "eligible": _flag(
            or_(
                Connectee.status == ProfileStatus.APPROVED,
                exists().where(
                    EligibilityDecision.connectee_id == Connectee.id,
                    EligibilityDecision.current.is_(True),
                    EligibilityDecision.outcome == Eligibility.ELIGIBLE,
                ),
            )
        ),
        "matched": _flag(exists().where(mine, introduced)),
        "met": _flag(exists().where(mine, Match.first_met_on.is_not(None))),
        "referred": _flag(exists().where(mine, tier1_referrals >= REFERRALS_NEEDED)),
        "employed": _flag(
            exists().where(outcome, FollowUpOutcome.category.in_(EMPLOYED_CATEGORIES))
        ),
        "employed_in_field": _flag(
            exists().where(outcome, FollowUpOutcome.category == OutcomeCategory.EMPLOYED_IN_FIELD)
        ),
    }


def funnel_statement(
    period: str, start: dt.date | None, end: dt.date | None, group_by: str | None
) -> Select[Any]:
    """Build the one query that counts every funnel stage per cohort."""
    keys, where = _cohort(period, start, end, group_by)
    flags = _stage_flags()
    per_connectee = (
        select(*keys, *(flag.label(name) for name, flag in flags.items())).where(*where).subquery()
    )
    key_columns = [per_connectee.c[k.name] for k in keys]
    return (
        select(
            *key_columns,
            func.count().label("applied"),
            *(func.sum(per_connectee.c[name]).label(name) for name in flags),
        )
        .group_by(*key_columns)
        .order_by(*key_columns)
    )


def funnel(
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
    group_by: str | None = None,
) -> list[FunnelRow]:
    """Count applied → eligible → matched → met → referred → employed per cohort."""
    rows = db.session.execute(funnel_statement(period, start, end, group_by)).mappings()
    result = []
    for row in rows:
        # SUM over no rows is NULL; and PostgreSQL may hand back Decimal for SUM.
        met, employed, in_field = (
            int(row[k] or 0) for k in ("met", "employed", "employed_in_field")
        )
        result.append(
            FunnelRow(
                *_key(period, group_by, row),
                applied=int(row["applied"]),
                eligible=int(row["eligible"] or 0),
                matched=int(row["matched"] or 0),
                met=met,
                referred=int(row["referred"] or 0),
                employed=employed,
                employed_in_field=in_field,
                placement_rate=_rate(employed, met),
                employed_in_field_rate=_rate(in_field, met),
            )
        )
    return result


# Outcomes -----------------------------------------------------------------------------


def outcome_statement(
    period: str, start: dt.date | None, end: dt.date | None, group_by: str | None
) -> Select[Any]:
    """Build the query counting follow-ups per cohort, milestone and category."""
    keys, where = _cohort(period, start, end, group_by)
    attributed = FollowUpOutcome.attributed_to_program
    groups = [*keys, FollowUpOutcome.milestone_months, FollowUpOutcome.category]
    return (
        select(
            *groups,
            func.count().label("outcomes"),
            func.sum(_flag(attributed.is_(True))).label("attributed"),
            func.sum(_flag(attributed.is_(False))).label("not_attributed"),
            func.sum(_flag(attributed.is_(None))).label("attribution_unknown"),
        )
        .join(Connectee, Connectee.id == FollowUpOutcome.connectee_id)
        .where(*where)
        .group_by(*groups)
        .order_by(*groups)
    )


_CATEGORY_ORDER = {category: index for index, category in enumerate(OutcomeCategory)}


def outcomes(
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
    group_by: str | None = None,
) -> list[OutcomeRow]:
    """Count follow-ups per cohort × milestone × category, with the attribution share."""
    rows = db.session.execute(outcome_statement(period, start, end, group_by)).mappings()
    result = []
    for row in rows:
        yes, no = int(row["attributed"] or 0), int(row["not_attributed"] or 0)
        result.append(
            OutcomeRow(
                *_key(period, group_by, row),
                milestone_months=row["milestone_months"],
                category=OutcomeCategory(row["category"]).value,
                outcomes=row["outcomes"],
                attributed=yes,
                not_attributed=no,
                attribution_unknown=int(row["attribution_unknown"] or 0),
                attribution_share=_rate(yes, yes + no),
            )
        )
    # Categories read best in the order DOMAIN.md lists them, not alphabetically.
    result.sort(
        key=lambda r: (
            r.period,
            r.major_group,
            r.milestone_months,
            _CATEGORY_ORDER[OutcomeCategory(r.category)],
        )
    )
    return result


# Time to match ------------------------------------------------------------------------


def _as_date(value: Any) -> dt.date:
    # SQLite hands back the DATE() of a timestamp as text.
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def time_to_match(
    period: str = "quarter",
    start: dt.date | None = None,
    end: dt.date | None = None,
    group_by: str | None = None,
) -> list[TimeToMatchRow]:
    """Days from intake to the proposal of the first match that led to an introduction.

    Counted per cohort over the connectees the funnel calls matched; a proposal dated
    before the intake (an intake date entered late) counts as 0 days.
    """
    keys, where = _cohort(period, start, end, group_by)
    first_match = func.min(_utc_day(Match.proposed_at)).label("first_match")
    per_connectee = (
        select(*keys, cohort_day().label("cohort_day"), first_match)
        .join(Match, Match.connectee_id == Connectee.id)
        .where(*where, _introduced())
        .group_by(Connectee.id, *keys, cohort_day())
    )
    days: dict[tuple[str, str, str], list[int]] = {}
    for row in db.session.execute(per_connectee).mappings():
        waited = (_as_date(row["first_match"]) - _as_date(row["cohort_day"])).days
        days.setdefault(_key(period, group_by, row), []).append(max(0, waited))
    return [
        TimeToMatchRow(
            *key,
            matched=len(values),
            median_days=float(statistics.median(values)),
            mean_days=round(statistics.fmean(values), 1),
            max_days=max(values),
        )
        for key, values in sorted(days.items())
    ]


# Referrals per connector --------------------------------------------------------------


def referrals_per_connector(
    start: dt.date | None = None, end: dt.date | None = None
) -> list[ConnectorReferralRow]:
    """Count each connector's referrals made between ``start`` and ``end`` (inclusive).

    Connectors with no referral in the range are left out; the most referrals come first.
    """
    where: list[Any] = []
    if start is not None:
        where.append(Referral.referred_on >= start)
    if end is not None:
        where.append(Referral.referred_on <= end)
    statement = (
        select(
            Connector.id,
            Connector.first_name,
            Connector.last_name,
            func.count(func.distinct(Match.id)).label("matches"),
            func.count(Referral.id).label("referrals"),
            func.sum(_flag(Referral.tier == 1)).label("tier1"),
            func.sum(_flag(Referral.tier == 2)).label("tier2"),
            func.sum(_flag(Referral.result == ReferralResult.HIRED)).label("hired"),
        )
        .join(Match, Match.connector_id == Connector.id)
        .join(Referral, Referral.match_id == Match.id)
        .where(*where)
        .group_by(Connector.id, Connector.first_name, Connector.last_name)
        .order_by(func.count(Referral.id).desc(), Connector.last_name, Connector.id)
    )
    return [
        ConnectorReferralRow(
            connector_id=row.id,
            connector_name=f"{row.first_name} {row.last_name}".strip(),
            matches=int(row.matches),
            referrals=int(row.referrals),
            tier1=int(row.tier1 or 0),
            tier2=int(row.tier2 or 0),
            hired=int(row.hired or 0),
        )
        for row in db.session.execute(statement)
    ]


# CSV and XLSX -------------------------------------------------------------------------


def to_csv(rows: Iterable[Any], columns: Sequence[str]) -> str:
    """Write report rows as CSV text (no BOM: for the shell; the API adds one for Excel)."""
    return write_csv(
        columns,
        ([getattr(row, c) for c in columns] for row in rows),
        bom=False,
        lineterminator="\n",
    )
