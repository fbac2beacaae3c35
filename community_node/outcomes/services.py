"""Recording, correcting and finding follow-up outcomes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError

from community_node.audit.services import record
from community_node.database import utcnow
from community_node.errors import Conflict, InvalidInput, NotFound
from community_node.extensions import db
from community_node.matches.models import Match
from community_node.outcomes.models import FollowUpOutcome
from community_node.pagination import Page, apply_sort, paginate
from community_node.participants.models import Connectee
from shared.dates import add_months

#: A follow-up may be recorded this many days before its milestone, never earlier:
#: coordinators call in the week or two before, but a 3-month answer is no 6-month one.
EARLY_DAYS = 14

SORTABLE = {
    "id": FollowUpOutcome.id,
    "recorded_on": FollowUpOutcome.recorded_on,
    "milestone_months": FollowUpOutcome.milestone_months,
    "connectee_id": FollowUpOutcome.connectee_id,
}


def first_meeting(connectee_id: int) -> Match | None:
    """Return the connectee's match with the earliest first meeting, if any."""
    return db.session.scalars(
        select(Match)
        .where(Match.connectee_id == connectee_id, Match.first_met_on.is_not(None))
        .order_by(Match.first_met_on, Match.id)
        .limit(1)
    ).first()


def due_on(first_met_on: dt.date, milestone_months: int) -> dt.date:
    """Return the date a milestone's follow-up falls due."""
    return add_months(first_met_on, milestone_months)


def _check(outcome: FollowUpOutcome, met: Match) -> None:
    """Check the combined state of an outcome: occupation, dates and its match."""
    errors: dict[str, list[str]] = {}
    if outcome.occupation is not None and not outcome.category.employed:
        errors["occupation"] = ["Give an occupation only for the employed categories."]
    assert met.first_met_on is not None
    due = due_on(met.first_met_on, outcome.milestone_months)
    earliest = due - dt.timedelta(days=EARLY_DAYS)
    if outcome.recorded_on < earliest:
        errors["recorded_on"] = [
            f"The {outcome.milestone_months}-month follow-up is due on {due.isoformat()}; "
            f"record it on {earliest.isoformat()} or later."
        ]
    elif outcome.recorded_on > utcnow().date():
        errors["recorded_on"] = ["A follow-up cannot be recorded in the future."]
    if outcome.match_id is not None:
        match_connectee = db.session.scalar(
            select(Match.connectee_id).where(Match.id == outcome.match_id)
        )
        if match_connectee != outcome.connectee_id:
            errors["match_id"] = [f"Match {outcome.match_id} is not one of this connectee's."]
    if errors:
        raise InvalidInput(errors)


def _met_match(connectee_id: int) -> Match:
    met = first_meeting(connectee_id)
    if met is None:
        raise Conflict(
            "No meeting recorded: follow-ups count from the connectee's first meeting.",
            allowed=["record the first meeting on a match, then the follow-up"],
        )
    return met


def _duplicate(connectee_id: int, milestone: int, exclude_id: int | None = None) -> int | None:
    stmt = select(FollowUpOutcome.id).where(
        FollowUpOutcome.connectee_id == connectee_id,
        FollowUpOutcome.milestone_months == milestone,
    )
    if exclude_id is not None:
        stmt = stmt.where(FollowUpOutcome.id != exclude_id)
    return db.session.scalar(stmt)


def _conflict_for(outcome_id: int, milestone: int) -> Conflict:
    return Conflict(
        f"The {milestone}-month follow-up of this connectee is already recorded.",
        allowed=[f"PATCH /api/v1/outcomes/{outcome_id}"],
        outcome_id=outcome_id,
    )


def _commit() -> None:
    try:
        db.session.commit()
    except IntegrityError as exc:
        # Two coordinators recording the same milestone at once: the unique key decides.
        db.session.rollback()
        raise Conflict("This follow-up was recorded meanwhile; reload and correct it.") from exc


def create_outcome(data: Mapping[str, Any], *, actor: str) -> FollowUpOutcome:
    """Record a connectee's follow-up at 3, 6 or 12 months after their first meeting."""
    connectee_id = data["connectee_id"]
    if db.session.get(Connectee, connectee_id) is None:
        raise NotFound(f"No connectee {connectee_id}.")
    met = _met_match(connectee_id)
    milestone = data["milestone_months"]
    if (existing := _duplicate(connectee_id, milestone)) is not None:
        raise _conflict_for(existing, milestone)
    outcome = FollowUpOutcome(
        connectee_id=connectee_id,
        milestone_months=milestone,
        category=data["category"],
        occupation=data.get("occupation"),
        attributed_to_program=data.get("attributed_to_program"),
        recorded_on=data.get("recorded_on") or utcnow().date(),
        notes=data.get("notes"),
        match_id=data.get("match_id") or met.id,
        recorded_by=actor,
    )
    _check(outcome, met)
    db.session.add(outcome)
    db.session.flush()
    record(
        actor,
        "outcome.create",
        "follow_up_outcome",
        outcome.id,
        {
            "connectee_id": connectee_id,
            "milestone_months": milestone,
            "category": outcome.category.value,
        },
    )
    _commit()
    return outcome


def get_outcome(outcome_id: int) -> FollowUpOutcome:
    outcome = db.session.get(FollowUpOutcome, outcome_id)
    if outcome is None:
        raise NotFound(f"No follow-up outcome {outcome_id}.")
    return outcome


def update_outcome(outcome_id: int, data: Mapping[str, Any], *, actor: str) -> FollowUpOutcome:
    """Correct a recorded outcome; the result must still be consistent as a whole."""
    outcome = get_outcome(outcome_id)
    changed = [key for key, value in data.items() if getattr(outcome, key) != value]
    if not changed:
        return outcome
    milestone = data.get("milestone_months", outcome.milestone_months)
    if (existing := _duplicate(outcome.connectee_id, milestone, outcome.id)) is not None:
        raise _conflict_for(existing, milestone)
    met = _met_match(outcome.connectee_id)
    with db.session.no_autoflush:
        for key in changed:
            setattr(outcome, key, data[key])
        if outcome.match_id is None:
            outcome.match_id = met.id
        try:
            _check(outcome, met)
        except InvalidInput:
            db.session.rollback()
            raise
    record(
        actor,
        "outcome.update",
        "follow_up_outcome",
        outcome.id,
        {"fields": sorted(changed), "category": outcome.category.value},
    )
    _commit()
    return outcome


def outcome_filters(args: Mapping[str, Any]) -> Select[Any]:
    """Build the filtered (unsorted) query a list or an export runs."""
    stmt: Select[Any] = select(FollowUpOutcome)
    for key in ("connectee_id", "milestone_months", "category"):
        if (value := args.get(key)) is not None:
            stmt = stmt.where(getattr(FollowUpOutcome, key) == value)
    if (attributed := args.get("attributed_to_program")) is not None:
        stmt = stmt.where(FollowUpOutcome.attributed_to_program.is_(attributed))
    return stmt


def list_outcomes(args: Mapping[str, Any]) -> Page:
    stmt = apply_sort(outcome_filters(args), args["sort"], SORTABLE, FollowUpOutcome.id)
    return paginate(stmt, args["page"], args["per_page"])


def export_outcomes(args: Mapping[str, Any]) -> Sequence[FollowUpOutcome]:
    stmt = apply_sort(outcome_filters(args), args.get("sort", "id"), SORTABLE, FollowUpOutcome.id)
    return db.session.scalars(stmt).all()
