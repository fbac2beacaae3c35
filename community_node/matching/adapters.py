"""Node rows → the engine's Seeker and Candidate values, and the anonymized pitch (no scoring)."""

from __future__ import annotations

import datetime as dt
import functools
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
    Consent,
    ConsentPurpose,
    ProfileStatus,
)
from shared.matching import Candidate, Seeker
from shared.privacy import experience_band
from shared.taxonomy.skills import default_skills

#: Midpoints of the experience bands, for ranking directory profiles by years.
BAND_YEARS: dict[str, float] = {"0-4": 2.0, "5-9": 7.0, "10-19": 14.0, "20+": 22.0}


@functools.lru_cache(maxsize=4096)
def _skill_ids(text: str) -> tuple[str, ...]:
    return tuple(default_skills().skill_ids([text]))


def skill_ids(texts: Iterable[str]) -> frozenset[str]:
    """Map free-text skills to shared vocabulary ids (unmatched ones are left out)."""
    ids: set[str] = set()
    for text in texts or ():
        ids.update(_skill_ids(text))
    return frozenset(ids)


def _consents(purpose: ConsentPurpose, *, connectees: bool) -> tuple[set[int], set[int]]:
    """Return (ids with an active consent, ids with only withdrawn ones) for one purpose."""
    column = Consent.connectee_id if connectees else Consent.connector_id
    active: set[int] = set()
    withdrawn: set[int] = set()
    rows = db.session.execute(
        select(column, Consent.withdrawn_at).where(column.is_not(None), Consent.purpose == purpose)
    )
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


def consented_connectees() -> tuple[set[int], set[int]]:
    """Connectees who withdrew local processing, and those with cross-city consent."""
    _, withdrawn = _consents(ConsentPurpose.LOCAL_PROCESSING, connectees=True)
    cross_city, _ = _consents(ConsentPurpose.CROSS_CITY_INTRODUCTIONS, connectees=True)
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
        skills=skill_ids(connectee.skills or ()),
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
    """Every approved, available connector as a candidate with its capacity left."""
    connectors = db.session.scalars(
        select(Connector)
        .where(
            Connector.status == ProfileStatus.APPROVED,
            Connector.available.is_(True),
            or_(Connector.unavailable_until.is_(None), Connector.unavailable_until <= now.date()),
        )
        .order_by(Connector.id)
    ).all()
    used = capacity_used(now)
    _, withdrawn = _consents(ConsentPurpose.LOCAL_PROCESSING, connectees=False)
    candidates = []
    for connector in connectors:
        taken = used.get((connector.id, connector.capacity_period), 0)
        candidates.append(
            Candidate(
                id=connector.id,
                occupation=connector.occupation,
                skills=skill_ids(connector.skills or ()),
                years=float(connector.years_in_field)
                if connector.years_in_field is not None
                else None,
                languages={lang.language: lang.level.value for lang in connector.languages},
                availability=frozenset(connector.availability or ()),
                community=community,
                capacity=connector.capacity,
                capacity_left=max(0, connector.capacity - taken),
                remote_ok=connector.remote_ok,
                cross_city_ok=connector.cross_city_ok,
                consented=connector.id not in withdrawn,
            )
        )
    return candidates


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
        "skills": sorted(skill_ids(connectee.skills or ()))[:50],
    }
