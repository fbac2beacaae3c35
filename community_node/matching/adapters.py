"""Node rows → the engine's Seeker and Candidate values, and the anonymized pitch (no scoring)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import func, or_, select

from community_node.errors import InvalidInput
from community_node.extensions import db
from community_node.matches.lifecycle import NOT_COUNTED_FOR_CAPACITY
from community_node.matches.models import Match
from community_node.matches.services import period_bounds
from community_node.participants.models import (
    CapacityPeriod,
    Connectee,
    Connector,
    ConnectorLanguage,
    Consent,
    ConsentPurpose,
    LanguageLevel,
    ProfileStatus,
)
from shared.matching import Candidate, Seeker
from shared.privacy import experience_band

#: Midpoints of the experience bands, for ranking directory profiles by years.
BAND_YEARS: dict[str, float] = {"0-4": 2.0, "5-9": 7.0, "10-19": 14.0, "20+": 22.0}


def _consents(
    purpose: ConsentPurpose, *, connectees: bool, ids: Sequence[int] | None = None
) -> tuple[set[int], set[int]]:
    """Return (ids with an active consent, ids with only withdrawn ones) for one purpose,
    among ``ids`` when given (else everyone's)."""
    column = Consent.connectee_id if connectees else Consent.connector_id
    active: set[int] = set()
    withdrawn: set[int] = set()
    stmt = select(column, Consent.withdrawn_at).where(
        column.is_not(None), Consent.purpose == purpose
    )
    if ids is not None:
        stmt = stmt.where(column.in_(ids))
    rows = db.session.execute(stmt)
    for subject, withdrawn_at in rows:
        if subject is not None:
            (withdrawn if withdrawn_at is not None else active).add(subject)
    return active, withdrawn - active


def cross_city_consent(connectee_id: int) -> Consent | None:
    """The connectee's active consent to cross-city introductions, the newest one."""
    return db.session.scalars(
        select(Consent)
        .where(
            Consent.connectee_id == connectee_id,
            Consent.purpose == ConsentPurpose.CROSS_CITY_INTRODUCTIONS,
            Consent.withdrawn_at.is_(None),
        )
        .order_by(Consent.id.desc())
        .limit(1)
    ).first()


#: Up to this many connectees, their consents are read by id; more read everyone's (a batch
#: of most waiting connectees, where one pass is cheaper than a long IN list).
_CONSENTS_BY_ID = 500


def consented_connectees(ids: Sequence[int] | None = None) -> tuple[set[int], set[int]]:
    """Connectees who withdrew local processing, and those with cross-city consent (among
    ``ids`` when given: one connectee's suggestions need not read 10,000 people's)."""
    among = ids if ids is not None and len(ids) <= _CONSENTS_BY_ID else None
    _, withdrawn = _consents(ConsentPurpose.LOCAL_PROCESSING, connectees=True, ids=among)
    cross_city, _ = _consents(ConsentPurpose.CROSS_CITY_INTRODUCTIONS, connectees=True, ids=among)
    return withdrawn, cross_city


def tried_connectors(connectee_ids: Sequence[int] | None = None) -> dict[int, set[int]]:
    """Connector ids each connectee was ever matched with (open, ended or declined)."""
    stmt = select(Match.connectee_id, Match.connector_id)
    if connectee_ids is not None:
        stmt = stmt.where(Match.connectee_id.in_(connectee_ids))
    tried: dict[int, set[int]] = defaultdict(set)
    for connectee_id, connector_id in db.session.execute(stmt):
        tried[connectee_id].add(connector_id)
    return tried


def seeker_of(
    connectee: Connectee,
    *,
    community: str | None,
    excluded: Iterable[int] = (),
    withdrawn: bool = False,
    cross_city_ok: bool = False,
    demand: float | None = None,
) -> Seeker:
    return Seeker(
        id=connectee.id,
        target_occupation=connectee.target_occupation,
        current_occupation=connectee.current_occupation,
        skills=frozenset(connectee.skill_ids or ()),
        years=float(connectee.years_experience) if connectee.years_experience is not None else None,
        languages={lang.language: lang.level.value for lang in connectee.languages},
        availability=frozenset(connectee.availability or ()),
        community=community,
        consented=not withdrawn,
        cross_city_ok=cross_city_ok,
        excluded=frozenset(excluded),
        demand=demand,
    )


def capacity_used(now: dt.datetime) -> dict[tuple[int, CapacityPeriod], int]:
    """Matches counted against each connector's capacity, per period kind, in one pass."""
    used: dict[tuple[int, CapacityPeriod], int] = {}
    for period in CapacityPeriod:
        start, end = period_bounds(period, now)
        rows = db.session.execute(
            select(Match.connector_id, func.count(Match.id))
            .where(
                Match.proposed_at >= start,
                Match.proposed_at < end,
                Match.status.not_in(NOT_COUNTED_FOR_CAPACITY),
            )
            .group_by(Match.connector_id)
        )
        for connector_id, count in rows:
            used[(connector_id, period)] = int(count)
    return used


def local_candidates(community: str | None, now: dt.datetime) -> list[Candidate]:
    """Every approved, available connector as a candidate with its capacity left.

    Read as plain rows (the columns a candidate needs, languages in one more query): every
    suggestion page reads all of them, and ORM objects for thousands of connectors cost
    most of the page."""
    listed = (
        Connector.status == ProfileStatus.APPROVED,
        Connector.available.is_(True),
        or_(Connector.unavailable_until.is_(None), Connector.unavailable_until <= now.date()),
    )
    rows = db.session.execute(
        select(
            Connector.id,
            Connector.occupation,
            Connector.skill_ids,
            Connector.years_in_field,
            Connector.availability,
            Connector.capacity,
            Connector.capacity_period,
            Connector.remote_ok,
            Connector.cross_city_ok,
        )
        .where(*listed)
        .order_by(Connector.id)
    ).all()
    spoken: dict[int, dict[str, str]] = defaultdict(dict)
    for connector_id, language, level in db.session.execute(
        select(ConnectorLanguage.connector_id, ConnectorLanguage.language, ConnectorLanguage.level)
        .join(Connector, Connector.id == ConnectorLanguage.connector_id)
        .where(*listed)
        .order_by(ConnectorLanguage.connector_id, ConnectorLanguage.language)
    ):
        spoken[connector_id][language] = LanguageLevel(level).value
    used = capacity_used(now)
    _, withdrawn = _consents(ConsentPurpose.LOCAL_PROCESSING, connectees=False)
    return [
        Candidate(
            id=row.id,
            occupation=row.occupation,
            skills=frozenset(row.skill_ids or ()),
            years=float(row.years_in_field) if row.years_in_field is not None else None,
            languages=spoken.get(row.id, {}),
            availability=frozenset(row.availability or ()),
            community=community,
            capacity=row.capacity,
            capacity_left=max(0, row.capacity - used.get((row.id, row.capacity_period), 0)),
            remote_ok=row.remote_ok,
            cross_city_ok=row.cross_city_ok,
            consented=row.id not in withdrawn,
        )
        for row in rows
    ]


def pitch_of(connectee: Connectee) -> dict[str, Any]:
    """The connectee as other communities may see them: allow-listed facts only."""
    if connectee.target_occupation is None:
        raise InvalidInput({"connectee_id": ["Record the connectee's target occupation first."]})
    languages = [
        {"language": lang.language, "level": lang.level.value} for lang in connectee.languages
    ]
    return {
        "target_occupation": connectee.target_occupation,
        "experience_band": experience_band(connectee.years_experience),
        "languages": languages,
        "skills": sorted(set(connectee.skill_ids or ()))[:50],
    }
