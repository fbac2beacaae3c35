"""What tick finds due, at the community's cadence, and with stable dedupe keys."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from community_node.matches.models import MatchStatus
from community_node.outcomes.models import OutcomeCategory
from community_node.selfservice import reminders
from community_node.selfservice.reminders import Cadence
from tests.community_node.factories import (
    FollowUpOutcomeFactory,
    MatchFactory,
    MeetingFactory,
    ReferralFactory,
)

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
CADENCE = Cadence(
    proposal_days=3, meeting_hours=24, referrals_days=2, survey_months=(3, 6, 12), per_week=3
)


def test_cadence_comes_from_the_config(app: Flask) -> None:
    assert Cadence.from_config(app.config) == CADENCE


def test_a_proposal_is_due_only_inside_its_window(app: Flask) -> None:
    soon = MatchFactory(expires_at=NOW + dt.timedelta(days=2))
    MatchFactory(expires_at=NOW + dt.timedelta(days=5))  # later
    MatchFactory(expires_at=NOW - dt.timedelta(hours=1))  # lapsed: tick expires it instead
    MatchFactory(status=MatchStatus.DECLINED, expires_at=NOW + dt.timedelta(days=1))
    due = reminders.proposals_due(NOW, 3)
    assert [(d.record_id, d.person_id, d.key) for d in due] == [
        (soon.id, soon.connector_id, f"proposal_reminder:{soon.id}:20261206")
    ]
    assert reminders.proposals_due(NOW, 0) == []


def test_a_meeting_reminds_both_sides(app: Flask) -> None:
    match = MatchFactory(status=MatchStatus.MEETING_SCHEDULED)
    meeting = MeetingFactory(match=match, scheduled_for=NOW + dt.timedelta(hours=20))
    MeetingFactory(match=match, scheduled_for=NOW + dt.timedelta(hours=30))
    due = reminders.meetings_due(NOW, 24)
    assert {(d.person_kind, d.person_id) for d in due} == {
        ("connector", match.connector_id),
        ("connectee", match.connectee_id),
    }
    assert all(d.record_id == meeting.id for d in due)
    assert len({d.key for d in due}) == 2


def test_referrals_are_asked_for_until_three(app: Flask) -> None:
    today = NOW.date()
    short = MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=3))
    MatchFactory(status=MatchStatus.MET, first_met_on=today)  # too recent
    done = MatchFactory(
        status=MatchStatus.REFERRALS_PENDING, first_met_on=today - dt.timedelta(days=9)
    )
    for _ in range(3):
        ReferralFactory(match=done)
    assert [d.record_id for d in reminders.referrals_due(today, 2)] == [short.id]


def test_only_the_latest_unanswered_survey_is_due(app: Flask) -> None:
    today = NOW.date()
    old = MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=200))
    fresh = MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=95))
    answered = MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=100))
    FollowUpOutcomeFactory(
        connectee_id=answered.connectee_id,
        milestone_months=3,
        category=OutcomeCategory.STILL_SEARCHING,
    )
    due = {d.person_id: d for d in reminders.surveys_due(today, (3, 6, 12))}
    assert set(due) == {old.connectee_id, fresh.connectee_id}
    assert due[old.connectee_id].milestone == 6
    assert due[fresh.connectee_id].key == f"follow_up_survey:{fresh.connectee_id}:3"
    only_six = reminders.surveys_due(today, (6,))
    assert [d.person_id for d in only_six] == [old.connectee_id]
    assert reminders.surveys_due(today, ()) == []


def test_finding_twice_gives_the_same_keys(app: Flask) -> None:
    MatchFactory(expires_at=NOW + dt.timedelta(days=1))
    first = [d.key for d in reminders.due(NOW, CADENCE)]
    assert first and first == [d.key for d in reminders.due(NOW, CADENCE)]
