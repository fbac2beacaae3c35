"""What a participant does from a link: each action through the service staff use too.

Every action is idempotent: it first looks at the record, and when the record already
shows the action done it says so (``Done.already``) and changes nothing, so a second
click, a reloaded page or a replayed POST is harmless. An action the record no longer
allows (a proposal staff cancelled meanwhile) raises ``NoLongerPossible``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.matches import services as matches
from community_node.matches.lifecycle import REFERRAL_STATUSES, REFERRALS_NEEDED, TERMINAL
from community_node.matches.models import Match, MatchStatus, Meeting
from community_node.matching import services as matching
from community_node.outcomes import services as outcomes
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants import services as participants
from community_node.participants.models import Connectee, Connector, Consent
from community_node.selfservice.models import ErasureRequest, SurveyResponse
from community_node.sync.outbox import connector_changed


class NoLongerPossible(Conflict):
    """The record moved on (staff acted, the proposal expired): this link cannot act now."""


@dataclass(frozen=True)
class Done:
    """The outcome of an action: whether it had already been done before this request."""

    already: bool


def actor_for(kind: str, person_id: int) -> str:
    """The audit actor of a participant acting by link: their kind and id, nothing personal."""
    return f"{kind}:{person_id}"


def connector_match(match_id: int, connector_id: int) -> Match:
    match = db.session.get(Match, match_id)
    if match is None or match.connector_id != connector_id:
        raise NotFound(f"No match {match_id} for this connector.")
    return match


def _answered_by(match: Match, actor: str, to: MatchStatus) -> bool:
    return any(t.to_status == to and t.by == actor for t in match.transitions)


# A connector answers a proposal ----------------------------------------------------------


def accepted(match: Match) -> bool | None:
    """Whether the connector accepted: True, None while it is still proposed, False when
    it ended unaccepted (declined, expired or cancelled by staff)."""
    if match.status is MatchStatus.PROPOSED:
        return None
    actor = actor_for("connector", match.connector_id)
    return match.status not in TERMINAL or _answered_by(match, actor, MatchStatus.INTRODUCED)


def accept_match(match_id: int, connector_id: int, *, now: dt.datetime | None = None) -> Done:
    """The connector says yes: the proposal becomes an introduction (the match lifecycle)."""
    match = connector_match(match_id, connector_id)
    actor = actor_for("connector", connector_id)
    if match.status is MatchStatus.PROPOSED:
        try:
            matches.transition(
                match.id,
                MatchStatus.INTRODUCED,
                actor=actor,
                note="Accepted by the connector from their link.",
                now=now,
            )
        except Conflict:
            # Another request moved it first (the row lock made us wait): look again.
            db.session.rollback()
            db.session.refresh(match)
            if accepted(match):
                return Done(already=True)
            raise NoLongerPossible(f"This proposal is {match.status.value}.") from None
        return Done(already=False)
    if accepted(match):
        return Done(already=True)  # accepted before, by link or through staff
    raise NoLongerPossible(f"This proposal is {match.status.value}; it cannot be accepted now.")


def _refuse(
    match_id: int,
    connector_id: int,
    note: str,
    *,
    now: dt.datetime | None,
    pause_until: dt.date | None = None,
) -> Done:
    match = connector_match(match_id, connector_id)
    actor = actor_for("connector", connector_id)
    if match.status is MatchStatus.DECLINED:
        return Done(already=True)
    if match.status is not MatchStatus.PROPOSED:
        raise NoLongerPossible(
            f"This proposal is {match.status.value.replace('_', ' ')}; "
            "it cannot be declined from the link now."
        )
    if pause_until is not None:
        connector = db.session.get(Connector, connector_id, with_for_update=True)
        assert connector is not None  # the match's connector exists (a foreign key)
        if connector.unavailable_until is None or connector.unavailable_until < pause_until:
            connector.unavailable_until = pause_until
            record(actor, "connector.pause", "connector", connector.id, {"until": str(pause_until)})
            connector_changed(connector)  # the directory shows whether one accepts
    try:
        # The same transition staff make; its commit stores the pause with it.
        matches.transition(
            match.id,
            MatchStatus.DECLINED,
            actor=actor,
            note=note,
            now=now,
            offer_next=matching.offer_next,
        )
    except Conflict:
        # Another request moved it first (the row lock made us wait): look again.
        db.session.rollback()
        db.session.refresh(match)
        now_status = MatchStatus(match.status)  # read again: mypy narrowed it above
        if now_status is MatchStatus.DECLINED:
            return Done(already=True)
        raise NoLongerPossible(f"This proposal is {now_status.value}.") from None
    except Exception:
        db.session.rollback()
        raise
    return Done(already=False)


def decline_match(
    match_id: int, connector_id: int, reason: str | None = None, *, now: dt.datetime | None = None
) -> Done:
    """The connector says no; the connectee is offered the next best connector."""
    note = "Declined by the connector from their link."
    if reason and reason.strip():
        note = f"{note} {reason.strip()}"
    return _refuse(match_id, connector_id, note, now=now)


def not_now(
    match_id: int, connector_id: int, until: dt.date, *, now: dt.datetime | None = None
) -> Done:
    """ "Not now, ask me after <date>": decline this one and pause new proposals until then."""
    today = (now or utcnow()).date()
    if until <= today:
        raise InvalidInput({"until": ["Choose a day after today."]})
    note = f"Not now: the connector asked to be asked again after {until.isoformat()}."
    return _refuse(match_id, connector_id, note, now=now, pause_until=until)


# A connector records their introductions ---------------------------------------------------


def first_tier_referrals(match: Match) -> int:
    return sum(1 for r in match.referrals if r.tier == 1)


def referrals_still_needed(match: Match) -> int:
    """How many of the three first-tier introductions are still to be recorded."""
    return max(0, REFERRALS_NEEDED - first_tier_referrals(match))


def record_referrals(
    match_id: int,
    connector_id: int,
    rows: Sequence[Mapping[str, Any]],
    *,
    now: dt.datetime | None = None,
) -> Done:
    """Record the connector's introductions through the referrals service; at most the
    ones still missing, so a form sent twice adds nothing the second time."""
    match = connector_match(match_id, connector_id)
    missing = referrals_still_needed(match)
    if missing == 0:
        return Done(already=True)
    if match.status not in REFERRAL_STATUSES:
        raise NoLongerPossible(
            "Introductions can be recorded once you have met; "
            f"this match is {match.status.value.replace('_', ' ')}."
        )
    actor = actor_for("connector", connector_id)
    for row in list(rows)[:missing]:
        matches.add_referral(match.id, {**row, "tier": 1}, actor=actor, now=now)
    return Done(already=False)


# A connectee answers a follow-up survey ------------------------------------------------------

#: What the connectee did instead of a job, as the outcome category it counts as.
NOT_EMPLOYED: Mapping[str, OutcomeCategory] = {
    "searching": OutcomeCategory.STILL_SEARCHING,
    "studying": OutcomeCategory.EDUCATION_OR_CREDENTIALING,
    "volunteering": OutcomeCategory.VOLUNTEERING_OR_INTERNSHIP,
    "left": OutcomeCategory.LEFT_COMMUNITY,
}
#: Whether the job is in the connectee's field, as the outcome category it counts as.
EMPLOYED: Mapping[str, OutcomeCategory] = {
    "same": OutcomeCategory.EMPLOYED_IN_FIELD,
    "related": OutcomeCategory.EMPLOYED_RELATED_FIELD,
    "other": OutcomeCategory.EMPLOYED_OUTSIDE_FIELD,
}


def category_of(answers: Mapping[str, Any]) -> OutcomeCategory:
    """The outcome category a survey's answers amount to."""
    if answers["employed"]:
        return EMPLOYED[answers["in_field"]]
    return NOT_EMPLOYED[answers["doing"]]


def survey_answered(connectee_id: int, milestone: int) -> bool:
    return (
        db.session.scalar(
            select(FollowUpOutcome.id).where(
                FollowUpOutcome.connectee_id == connectee_id,
                FollowUpOutcome.milestone_months == milestone,
            )
        )
        is not None
    )


def answer_survey(connectee_id: int, milestone: int, answers: Mapping[str, Any]) -> Done:
    """Turn a survey's answers into the milestone's outcome (the outcomes service).

    An outcome already recorded for the milestone (by an earlier answer, or by a
    coordinator who called) wins: the answer is then not stored again.
    """
    if survey_answered(connectee_id, milestone):
        return Done(already=True)
    category = category_of(answers)
    sector = answers.get("sector") if category.employed else None
    attributed = answers.get("attributed")
    # Added before the outcome service commits, so both land in its one commit.
    db.session.add(
        SurveyResponse(
            connectee_id=connectee_id,
            milestone_months=milestone,
            wage_band=answers.get("wage_band") if category.employed else None,
            usefulness=answers.get("usefulness"),
        )
    )
    try:
        outcomes.create_outcome(
            {
                "connectee_id": connectee_id,
                "milestone_months": milestone,
                "category": category,
                "occupation": f"{sector}-0000" if sector else None,
                "attributed_to_program": attributed,
            },
            actor=actor_for("connectee", connectee_id),
        )
    except Exception:
        db.session.rollback()
        if survey_answered(connectee_id, milestone):
            return Done(already=True)  # two sends at once: the first one counted
        raise
    return Done(already=False)


# Their own page -------------------------------------------------------------------------


def pause_connector(connector_id: int, until: dt.date | None) -> Connector:
    """ "Pause me until": no new proposals before ``until``; ``None`` ends a pause now."""
    return participants.update_person(
        participants.CONNECTORS,
        connector_id,
        {"unavailable_until": until},
        actor=actor_for("connector", connector_id),
    )


def update_own(kind: participants.PersonKind[Any], person_id: int, data: Mapping[str, Any]) -> Any:
    """Change the fields a participant may change on their own page (schema-checked)."""
    return participants.update_person(kind, person_id, data, actor=actor_for(kind.name, person_id))


def own_consents(kind: str, person_id: int) -> list[Consent]:
    column = Consent.connectee_id if kind == "connectee" else Consent.connector_id
    return list(db.session.scalars(select(Consent).where(column == person_id).order_by(Consent.id)))


def withdraw_own_consent(kind: str, person_id: int, consent_id: int) -> Done:
    """Withdraw one of the participant's own consents (the same service staff use)."""
    consent = db.session.get(Consent, consent_id)
    owner = None if consent is None else getattr(consent, f"{kind}_id")
    if consent is None or owner != person_id:
        raise NotFound(f"No consent {consent_id} of yours.")
    if consent.withdrawn_at is not None:
        return Done(already=True)
    participants.withdraw_consent(
        consent_id, actor=actor_for(kind, person_id), note="Withdrawn by the participant."
    )
    return Done(already=False)


def open_erasure_request(kind: str, person_id: int) -> ErasureRequest | None:
    return db.session.scalar(
        select(ErasureRequest).where(
            ErasureRequest.person_kind == kind,
            ErasureRequest.person_id == person_id,
            ErasureRequest.handled_at.is_(None),
        )
    )


def request_erasure(kind: str, person_id: int) -> Done:
    """Ask staff to erase the participant's data; one open request per person."""
    if open_erasure_request(kind, person_id) is not None:
        return Done(already=True)
    request = ErasureRequest(person_kind=kind, person_id=person_id)
    db.session.add(request)
    db.session.flush()
    record(actor_for(kind, person_id), "erasure.request", kind, person_id, {"id": request.id})
    db.session.commit()
    return Done(already=False)


def erasure_requests(limit: int = 20) -> tuple[int, list[ErasureRequest]]:
    """Open erasure requests, oldest first, and how many there are: a staff to-do.

    A request whose person staff have since erased is done, whatever way they did it.
    """
    erased = ErasureRequest.person_id.in_(
        select(Connectee.id).where(Connectee.email.like("erased-%@invalid"))
    )
    erased_connector = ErasureRequest.person_id.in_(
        select(Connector.id).where(Connector.email.like("erased-%@invalid"))
    )
    stmt = select(ErasureRequest).where(
        ErasureRequest.handled_at.is_(None),
        ~(
            ((ErasureRequest.person_kind == "connectee") & erased)
            | ((ErasureRequest.person_kind == "connector") & erased_connector)
        ),
    )
    rows = list(db.session.scalars(stmt.order_by(ErasureRequest.id).limit(limit)))
    count = db.session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    return count, rows


@dataclass(frozen=True)
class MatchView:
    """One match as its participant sees it."""

    match: Match
    other_first_name: str | None  # only once introduced: before that they are not known
    occupation: str | None
    meetings: Sequence[Meeting]
    referrals_needed: int


def _introduced(match: Match) -> bool:
    return match.status not in (MatchStatus.PROPOSED, MatchStatus.EXPIRED) and (
        match.first_met_on is not None
        or any(t.to_status is MatchStatus.INTRODUCED for t in match.transitions)
    )


def connector_matches(connector_id: int) -> list[MatchView]:
    """The connector's matches, newest first, as they may see them."""
    rows = db.session.scalars(
        select(Match).where(Match.connector_id == connector_id).order_by(Match.id.desc())
    )
    views = []
    for match in rows:
        connectee = db.session.get(Connectee, match.connectee_id)
        assert connectee is not None
        views.append(
            MatchView(
                match=match,
                other_first_name=connectee.first_name if _introduced(match) else None,
                occupation=connectee.target_occupation,
                meetings=match.meetings,
                referrals_needed=referrals_still_needed(match)
                if match.status in REFERRAL_STATUSES
                else 0,
            )
        )
    return views


def connectee_matches(connectee_id: int) -> list[MatchView]:
    """The connectee's matches once introduced (a proposal is the connector's to answer)."""
    rows = db.session.scalars(
        select(Match).where(Match.connectee_id == connectee_id).order_by(Match.id.desc())
    )
    views = []
    for match in rows:
        if not _introduced(match):
            continue
        connector = db.session.get(Connector, match.connector_id)
        assert connector is not None
        views.append(
            MatchView(
                match=match,
                other_first_name=connector.first_name,
                occupation=connector.occupation,
                meetings=match.meetings,
                referrals_needed=0,
            )
        )
    return views
