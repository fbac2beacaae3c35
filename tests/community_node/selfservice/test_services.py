"""The participants' actions: through the shared services, idempotent, refused when stale."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.database import utcnow
from community_node.errors import InvalidInput, NotFound
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants.models import Connectee, Connector, ConsentPurpose, ProfileStatus
from community_node.reports import services as reports
from community_node.selfservice import services
from community_node.selfservice.models import ErasureRequest, SurveyResponse, WageBand
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    ConsentFactory,
    MatchFactory,
    ReferralFactory,
)


def proposed(**kw: Any) -> Match:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    now = utcnow()
    return MatchFactory(
        connectee=connectee,
        status=MatchStatus.PROPOSED,
        proposed_at=now,
        status_changed_at=now,
        expires_at=now + dt.timedelta(days=14),
        **kw,
    )


def met(days_ago: int = 10, **kw: Any) -> Match:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    return MatchFactory(
        connectee=connectee,
        status=MatchStatus.MET,
        first_met_on=dt.date.today() - dt.timedelta(days=days_ago),
        **kw,
    )


def test_accept_moves_the_match_on_once(app: Flask) -> None:
    match = proposed()
    assert services.accept_match(match.id, match.connector_id) == services.Done(already=False)
    db.session.refresh(match)
    assert match.status is MatchStatus.INTRODUCED
    assert match.transitions[-1].by == f"connector:{match.connector_id}"
    assert services.accept_match(match.id, match.connector_id) == services.Done(already=True)
    intros = [t for t in match.transitions if t.to_status is MatchStatus.INTRODUCED]
    assert len(intros) == 1


def test_another_connectors_match_is_not_found(app: Flask) -> None:
    match = proposed()
    other = ConnectorFactory()
    with pytest.raises(NotFound):
        services.accept_match(match.id, other.id)


def test_a_cancelled_proposal_cannot_be_accepted(app: Flask) -> None:
    match = proposed()
    match.status = MatchStatus.CANCELLED
    db.session.commit()
    with pytest.raises(services.NoLongerPossible):
        services.accept_match(match.id, match.connector_id)


def test_decline_offers_and_is_idempotent(app: Flask) -> None:
    match = proposed()
    assert not services.decline_match(match.id, match.connector_id, "Travelling").already
    db.session.refresh(match)
    assert match.status is MatchStatus.DECLINED
    assert "Travelling" in (match.exit_reason or "")
    assert services.decline_match(match.id, match.connector_id).already


def test_not_now_declines_and_pauses_in_one_commit(app: Flask) -> None:
    match = proposed()
    until = dt.date.today() + dt.timedelta(days=30)
    assert not services.not_now(match.id, match.connector_id, until).already
    db.session.expire_all()
    assert match.status is MatchStatus.DECLINED
    connector = db.session.get(Connector, match.connector_id)
    assert connector is not None and connector.unavailable_until == until
    assert services.not_now(match.id, match.connector_id, until).already


def test_not_now_needs_a_future_day(app: Flask) -> None:
    match = proposed()
    with pytest.raises(InvalidInput):
        services.not_now(match.id, match.connector_id, dt.date.today())
    db.session.refresh(match)
    assert match.status is MatchStatus.PROPOSED


def test_referrals_recorded_once_through_the_referrals_service(app: Flask) -> None:
    match = met()
    rows = [
        {"contact_name": f"Contact {n}", "organisation": "Org", "sector": "Health"}
        for n in range(3)
    ]
    assert not services.record_referrals(match.id, match.connector_id, rows).already
    db.session.refresh(match)
    assert len(match.referrals) == 3
    assert match.status is MatchStatus.REFERRALS_PENDING  # the service's own move
    assert services.record_referrals(match.id, match.connector_id, rows).already
    db.session.refresh(match)
    assert len(match.referrals) == 3


def test_referrals_add_only_the_missing_ones(app: Flask) -> None:
    match = met()
    ReferralFactory(match=match)
    rows = [{"contact_name": f"C{n}", "organisation": "O", "sector": "S"} for n in range(3)]
    services.record_referrals(match.id, match.connector_id, rows)
    db.session.refresh(match)
    assert len(match.referrals) == 3


def test_referrals_before_meeting_are_refused(app: Flask) -> None:
    match = proposed()
    with pytest.raises(services.NoLongerPossible):
        services.record_referrals(
            match.id,
            match.connector_id,
            [{"contact_name": "A", "organisation": "B", "sector": "C"}],
        )


SURVEY = {
    "employed": True,
    "in_field": "same",
    "sector": "29",
    "wage_band": WageBand.FROM_30_TO_45,
    "attributed": True,
    "usefulness": 4,
}


@pytest.mark.parametrize(
    ("answers", "category"),
    [
        (SURVEY, OutcomeCategory.EMPLOYED_IN_FIELD),
        ({"employed": True, "in_field": "related"}, OutcomeCategory.EMPLOYED_RELATED_FIELD),
        ({"employed": True, "in_field": "other"}, OutcomeCategory.EMPLOYED_OUTSIDE_FIELD),
        ({"employed": False, "doing": "searching"}, OutcomeCategory.STILL_SEARCHING),
        ({"employed": False, "doing": "studying"}, OutcomeCategory.EDUCATION_OR_CREDENTIALING),
        ({"employed": False, "doing": "volunteering"}, OutcomeCategory.VOLUNTEERING_OR_INTERNSHIP),
        ({"employed": False, "doing": "left"}, OutcomeCategory.LEFT_COMMUNITY),
    ],
)
def test_survey_answers_map_to_categories(answers: dict[str, Any], category: Any) -> None:
    assert services.category_of(answers) is category


def test_survey_becomes_an_outcome_in_the_funder_report(app: Flask) -> None:
    match = met(days_ago=183)
    connectee_id = match.connectee_id
    assert not services.answer_survey(connectee_id, 6, SURVEY).already
    outcome = db.session.scalars(select(FollowUpOutcome)).one()
    assert (outcome.category, outcome.milestone_months) == (OutcomeCategory.EMPLOYED_IN_FIELD, 6)
    assert outcome.occupation == "29-0000"
    assert outcome.recorded_by == f"connectee:{connectee_id}"
    response = db.session.scalars(select(SurveyResponse)).one()
    assert (response.wage_band, response.usefulness) == (WageBand.FROM_30_TO_45, 4)
    rows = reports.outcomes(period="all")
    assert [(r.milestone_months, r.category, r.outcomes, r.attributed) for r in rows] == [
        (6, "employed_in_field", 1, 1)
    ]
    funnel = reports.funnel(period="all")
    assert funnel[0].employed_in_field == 1
    # A second answer changes nothing.
    assert services.answer_survey(connectee_id, 6, {"employed": False, "doing": "left"}).already
    assert (
        db.session.scalars(select(FollowUpOutcome)).one().category
        is OutcomeCategory.EMPLOYED_IN_FIELD
    )
    assert len(db.session.scalars(select(SurveyResponse)).all()) == 1


def test_survey_too_early_stores_nothing(app: Flask) -> None:
    match = met(days_ago=10)
    with pytest.raises(InvalidInput):
        services.answer_survey(match.connectee_id, 6, SURVEY)
    assert db.session.scalars(select(SurveyResponse)).all() == []
    assert db.session.scalars(select(FollowUpOutcome)).all() == []


def test_withdraw_own_consent_only(app: Flask) -> None:
    connectee = ConnecteeFactory()
    mine = ConsentFactory(
        connectee_id=connectee.id, purpose=ConsentPurpose.CROSS_CITY_INTRODUCTIONS
    )
    other = ConsentFactory(connectee_id=ConnecteeFactory().id)
    with pytest.raises(NotFound):
        services.withdraw_own_consent("connectee", connectee.id, other.id)
    assert not services.withdraw_own_consent("connectee", connectee.id, mine.id).already
    assert mine.withdrawn_at is not None
    assert mine.withdrawn_by == f"connectee:{connectee.id}"
    assert services.withdraw_own_consent("connectee", connectee.id, mine.id).already


def test_erasure_request_waits_for_staff_once(app: Flask) -> None:
    from community_node.participants import services as participants

    connectee = ConnecteeFactory()
    assert not services.request_erasure("connectee", connectee.id).already
    assert services.request_erasure("connectee", connectee.id).already
    count, rows = services.erasure_requests()
    assert count == 1 and rows[0].person_id == connectee.id
    assert connectee.first_name != "Erased"
    actions = db.session.scalars(select(AuditEvent.action)).all()
    assert "erasure.request" in actions
    participants.erase_person(participants.CONNECTEES, connectee.id, actor="staff:1")
    assert services.erasure_requests()[0] == 0
    assert db.session.scalars(select(ErasureRequest)).one().handled_at is None


def test_pause_and_resume(app: Flask) -> None:
    connector = ConnectorFactory()
    until = dt.date.today() + dt.timedelta(days=20)
    services.pause_connector(connector.id, until)
    assert connector.unavailable_until == until
    services.pause_connector(connector.id, None)
    assert connector.unavailable_until is None


def test_page_views_hide_names_before_the_introduction(app: Flask) -> None:
    match = proposed()
    [view] = services.connector_matches(match.connector_id)
    assert view.other_first_name is None
    assert services.connectee_matches(match.connectee_id) == []
    services.accept_match(match.id, match.connector_id)
    [view] = services.connector_matches(match.connector_id)
    connectee = db.session.get(Connectee, match.connectee_id)
    assert connectee is not None and view.other_first_name == connectee.first_name
    [theirs] = services.connectee_matches(match.connectee_id)
    assert theirs.other_first_name is not None


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_a_concurrent_second_answer_says_already_done(
    app: Flask, monkeypatch: pytest.MonkeyPatch, answer: str
) -> None:
    """The other request took the row lock first and moved the match: ours sees its move."""
    from community_node.errors import Conflict
    from community_node.matches import services as matches

    match = proposed()
    real = matches.transition

    def raced(match_id: int, to: MatchStatus, **kw: Any) -> Any:
        real(match_id, to, **kw)  # the other request, committed while we waited
        raise Conflict(f"A {to.value} match cannot become {to.value}.")

    monkeypatch.setattr(matches, "transition", raced)
    if answer == "accept":
        assert services.accept_match(match.id, match.connector_id).already
    else:
        assert services.decline_match(match.id, match.connector_id).already
