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
from community_node.events.models import Attendance, Event, EventAttendee
from community_node.extensions import db
from community_node.matches.models import (
    Match,
    MatchStatus,
    MatchTransition,
    Referral,
    ReferralResult,
)
from community_node.outcomes.models import EMPLOYED_CATEGORIES, FollowUpOutcome, OutcomeCategory
from community_node.participants.models import (
    Connectee,
    Connector,
    ProfileStatus,
    ReferralSource,
)
from community_node.recruitment.models import Partner
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


@dataclass(frozen=True)
class SourceRow:
    source: str
    partner_id: int | None
    partner_name: str | None
    event_id: int | None
    event_name: str | None
    connectees: int
    eligible: int
    matched: int
    met: int
    employed: int
    employed_in_field: int
    placement_rate: float | None
    connectors: int
    active_connectors: int
    connectors_matched: int


@dataclass(frozen=True)
class EventRow:
    event_id: int
    event_name: str
    kind: str
    starts_at: dt.datetime
    invited: int
    registered: int
    checked_in: int
    connectees_checked_in: int
    connectors_checked_in: int
    signups: int
    matches: int
    matches_met: int
    referrals: int
    employed: int


@dataclass(frozen=True)
class InvitationRow:
    connector_id: int
    connector_name: str
    status: str
    invited_by_id: int | None
    invited_connectors: int
    invited_active: int
    invited_connectees: int
    chain_size: int
    chain_depth: int


FUNNEL_COLUMNS = tuple(FunnelRow.__dataclass_fields__)
SOURCE_COLUMNS = tuple(SourceRow.__dataclass_fields__)
EVENT_COLUMNS = tuple(EventRow.__dataclass_fields__)
INVITATION_COLUMNS = tuple(InvitationRow.__dataclass_fields__)
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


# Recruitment by source ----------------------------------------------------------------


_SOURCE_KEYS = ("referral_source", "referral_partner_id", "referral_event_id")


def _source_key(row: Mapping[Any, Any]) -> tuple[str, int | None, int | None]:
    source = row["referral_source"]
    value = UNKNOWN if source is None else ReferralSource(source).value
    return value, row["referral_partner_id"], row["referral_event_id"]


def _connector_matched() -> ColumnElement[int]:
    return _flag(exists().where(Match.connector_id == Connector.id, _introduced()))


def by_source(start: dt.date | None = None, end: dt.date | None = None) -> list[SourceRow]:
    """Recruitment and outcomes per referral source (and partner or event it names).

    Connectees are counted in the cohorts of ``start`` and ``end`` (intake date, else the
    day they were added) with the funnel's stage definitions; connectors by the day they
    were added. A connector is active when approved; matched once introduced to someone.
    """
    _, where = _cohort(ALL, start, end, None)
    flags = _stage_flags()
    names = ("eligible", "matched", "met", "employed", "employed_in_field")
    per_connectee = (
        select(
            Connectee.referral_source,
            Connectee.referral_partner_id,
            Connectee.referral_event_id,
            *(flags[name].label(name) for name in names),
        )
        .where(*where)
        .subquery()
    )
    keys = [per_connectee.c[k] for k in _SOURCE_KEYS]
    rows: dict[tuple[str, int | None, int | None], dict[str, int]] = {}
    for row in db.session.execute(
        select(
            *keys,
            func.count().label("connectees"),
            *(func.sum(per_connectee.c[n]).label(n) for n in names),
        ).group_by(*keys)
    ).mappings():
        counts = rows.setdefault(_source_key(row), {})
        counts["connectees"] = int(row["connectees"])
        counts.update({n: int(row[n] or 0) for n in names})
    connector_where: list[Any] = [Connector.status != ProfileStatus.DRAFT]
    added = _utc_day(Connector.created_at)
    if start is not None:
        connector_where.append(added >= start)
    if end is not None:
        connector_where.append(added <= end)
    connector_keys = [getattr(Connector, k) for k in _SOURCE_KEYS]
    for row in db.session.execute(
        select(
            *connector_keys,
            func.count().label("connectors"),
            func.sum(_flag(Connector.status == ProfileStatus.APPROVED)).label("active"),
            func.sum(_connector_matched()).label("matched"),
        )
        .where(*connector_where)
        .group_by(*connector_keys)
    ).mappings():
        counts = rows.setdefault(_source_key(row), {})
        counts["connectors"] = int(row["connectors"])
        counts["active_connectors"] = int(row["active"] or 0)
        counts["connectors_matched"] = int(row["matched"] or 0)
    partners = _names(Partner, {k[1] for k in rows})
    events = _names(Event, {k[2] for k in rows})
    result = []
    for (source, partner_id, event_id), counts in rows.items():
        met, employed = counts.get("met", 0), counts.get("employed", 0)
        result.append(
            SourceRow(
                source=source,
                partner_id=partner_id,
                partner_name=partners.get(partner_id) if partner_id else None,
                event_id=event_id,
                event_name=events.get(event_id) if event_id else None,
                connectees=counts.get("connectees", 0),
                eligible=counts.get("eligible", 0),
                matched=counts.get("matched", 0),
                met=met,
                employed=employed,
                employed_in_field=counts.get("employed_in_field", 0),
                placement_rate=_rate(employed, met),
                connectors=counts.get("connectors", 0),
                active_connectors=counts.get("active_connectors", 0),
                connectors_matched=counts.get("connectors_matched", 0),
            )
        )
    order = {source.value: n for n, source in enumerate(ReferralSource)}
    result.sort(
        key=lambda r: (
            order.get(r.source, len(order)),
            r.partner_name or "",
            r.event_name or "",
            r.partner_id or 0,
            r.event_id or 0,
        )
    )
    return result


def _names(model: type[Partner] | type[Event], ids: set[int | None]) -> dict[int, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(db.session.execute(select(model.id, model.name).where(model.id.in_(wanted))).all())


# Events -------------------------------------------------------------------------------


def _count_by(column: Any, *where: Any) -> dict[int, int]:
    statement = select(column, func.count()).where(column.is_not(None), *where).group_by(column)
    return {key: int(n) for key, n in db.session.execute(statement)}


def by_event(start: dt.date | None = None, end: dt.date | None = None) -> list[EventRow]:
    """Each event's attendance, the sign-ups it brought, the introductions made there and
    what came of them (matches met; checked-in connectees employed at a follow-up since).
    """
    where: list[Any] = []
    day = _utc_day(Event.starts_at)
    if start is not None:
        where.append(day >= start)
    if end is not None:
        where.append(day <= end)
    events = db.session.scalars(select(Event).where(*where).order_by(Event.starts_at)).all()
    if not events:
        return []
    ids = [e.id for e in events]
    attendance: dict[int, dict[str, int]] = {i: {} for i in ids}
    for event_id, status, is_connectee, n in db.session.execute(
        select(
            EventAttendee.event_id,
            EventAttendee.status,
            EventAttendee.connectee_id.is_not(None),
            func.count(),
        )
        .where(EventAttendee.event_id.in_(ids))
        .group_by(
            EventAttendee.event_id, EventAttendee.status, EventAttendee.connectee_id.is_not(None)
        )
    ):
        counts = attendance[event_id]
        status = Attendance(status)
        counts["invited"] = counts.get("invited", 0) + int(n)
        if status != Attendance.INVITED:
            counts["registered"] = counts.get("registered", 0) + int(n)
        if status == Attendance.CHECKED_IN:
            side = "connectees" if is_connectee else "connectors"
            counts[side] = counts.get(side, 0) + int(n)
    signups = _count_by(Connectee.referral_event_id, Connectee.referral_event_id.in_(ids))
    for event_id, n in _count_by(
        Connector.referral_event_id, Connector.referral_event_id.in_(ids)
    ).items():
        signups[event_id] = signups.get(event_id, 0) + n
    made = _count_by(Match.event_id, Match.event_id.in_(ids))
    met = _count_by(Match.event_id, Match.event_id.in_(ids), Match.first_met_on.is_not(None))
    referrals = _count_by(Referral.event_id, Referral.event_id.in_(ids))
    employed = dict(
        db.session.execute(
            select(EventAttendee.event_id, func.count(func.distinct(EventAttendee.connectee_id)))
            .join(Event, Event.id == EventAttendee.event_id)
            .join(FollowUpOutcome, FollowUpOutcome.connectee_id == EventAttendee.connectee_id)
            .where(
                EventAttendee.event_id.in_(ids),
                EventAttendee.status == Attendance.CHECKED_IN,
                FollowUpOutcome.category.in_(EMPLOYED_CATEGORIES),
                FollowUpOutcome.recorded_on >= _utc_day(Event.starts_at),
            )
            .group_by(EventAttendee.event_id)
        ).all()
    )
    rows = []
    for event in events:
        counts = attendance[event.id]
        connectees, connectors = counts.get("connectees", 0), counts.get("connectors", 0)
        rows.append(
            EventRow(
                event_id=event.id,
                event_name=event.name,
                kind=event.kind.value,
                starts_at=event.starts_at,
                invited=counts.get("invited", 0),
                registered=counts.get("registered", 0),
                checked_in=connectees + connectors,
                connectees_checked_in=connectees,
                connectors_checked_in=connectors,
                signups=signups.get(event.id, 0),
                matches=made.get(event.id, 0),
                matches_met=met.get(event.id, 0),
                referrals=referrals.get(event.id, 0),
                employed=int(employed.get(event.id, 0)),
            )
        )
    return rows


# Invitations --------------------------------------------------------------------------


@dataclass
class ChainNode:
    """A connector in an invitation chain, with the connectors they invited."""

    connector_id: int
    name: str
    active: bool
    children: list[ChainNode]


def _invitation_tree() -> tuple[dict[int, Any], dict[int | None, list[int]]]:
    people = {
        row.id: row
        for row in db.session.execute(
            select(
                Connector.id,
                Connector.first_name,
                Connector.last_name,
                Connector.status,
                Connector.invited_by_id,
            ).order_by(Connector.id)
        )
    }
    children: dict[int | None, list[int]] = {}
    for row in people.values():
        parent = row.invited_by_id if row.invited_by_id in people else None
        children.setdefault(parent, []).append(row.id)
    return people, children


def _descendants(children: Mapping[int | None, list[int]], root: int) -> tuple[int, int]:
    """How many connectors a chain below ``root`` holds, and how deep it goes."""
    size, depth, seen = 0, 0, {root}
    level = list(children.get(root, []))
    while level:
        level = [c for c in level if c not in seen]  # an edited cycle must not loop forever
        if not level:
            break
        seen.update(level)
        size, depth = size + len(level), depth + 1
        level = [g for c in level for g in children.get(c, [])]
    return size, depth


def invitations() -> list[InvitationRow]:
    """Every connector who invited someone: invitees, active invitees and the chain below."""
    people, children = _invitation_tree()
    connectees = _count_by(Connectee.invited_by_id)
    rows = []
    for connector_id, row in people.items():
        invited = [c for c in children.get(connector_id, []) if c != connector_id]
        if not invited and not connectees.get(connector_id):
            continue
        size, depth = _descendants(children, connector_id)
        rows.append(
            InvitationRow(
                connector_id=connector_id,
                connector_name=f"{row.first_name} {row.last_name}".strip(),
                status=ProfileStatus(row.status).value,
                invited_by_id=row.invited_by_id,
                invited_connectors=len(invited),
                invited_active=sum(
                    1 for c in invited if people[c].status == ProfileStatus.APPROVED
                ),
                invited_connectees=connectees.get(connector_id, 0),
                chain_size=size,
                chain_depth=depth,
            )
        )
    rows.sort(key=lambda r: (-r.chain_size, -r.invited_connectors, r.connector_id))
    return rows


def invited_connectors_summary() -> dict[str, int]:
    """Connectors who came through an invitation: all, active, and the longest chain."""
    people, children = _invitation_tree()
    invited = [row for row in people.values() if row.invited_by_id in people]
    roots = [c for c in children.get(None, []) if children.get(c)]
    return {
        "invited": len(invited),
        "active": sum(1 for row in invited if row.status == ProfileStatus.APPROVED),
        "chains": len(roots),
        "longest_chain": max((_descendants(children, r)[1] for r in roots), default=0),
    }


def invitation_chains(limit: int = 50) -> list[ChainNode]:
    """The invitation chains as trees, from connectors nobody invited, largest first."""
    people, children = _invitation_tree()

    def node(connector_id: int, seen: frozenset[int]) -> ChainNode:
        row = people[connector_id]
        kids = [c for c in children.get(connector_id, []) if c not in seen]
        return ChainNode(
            connector_id,
            f"{row.first_name} {row.last_name}".strip(),
            row.status == ProfileStatus.APPROVED,
            [node(c, seen | {c}) for c in kids],
        )

    roots = [c for c in children.get(None, []) if children.get(c)]
    roots.sort(key=lambda r: (-_descendants(children, r)[0], r))
    return [node(r, frozenset({r})) for r in roots[:limit]]


# CSV and XLSX -------------------------------------------------------------------------


def to_csv(rows: Iterable[Any], columns: Sequence[str]) -> str:
    """Write report rows as CSV text (no BOM: for the shell; the API adds one for Excel)."""
    return write_csv(
        columns,
        ([getattr(row, c) for c in columns] for row in rows),
        bom=False,
        lineterminator="\n",
    )
