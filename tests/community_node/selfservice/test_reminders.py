"""What tick finds due, at the community's cadence, and with stable dedupe keys."""

from __future__ import annotations

import datetime as dt

from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.mail.models import MailMessage
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.models import OutcomeCategory
from community_node.participants.models import Connector
from community_node.selfservice import reminders
from community_node.selfservice.reminders import Cadence
from tests.community_node.factories import (
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
    MeetingFactory,
)

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
CADENCE = Cadence(proposal_days=3, meeting_hours=24, survey_months=(3, 6, 12), per_week=3)


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


def _outbox() -> list[tuple[str, str, int | None]]:
    rows = db.session.scalars(select(MailMessage).order_by(MailMessage.id))
    return [(m.purpose, m.recipient_kind.value, m.recipient_id) for m in rows]


def test_tick_writes_each_reminder_once(app: Flask, runner: FlaskCliRunner) -> None:
    now = utcnow()
    proposal = MatchFactory(expires_at=now + dt.timedelta(days=2))
    scheduled = MatchFactory(status=MatchStatus.MEETING_SCHEDULED)
    MeetingFactory(match=scheduled, scheduled_for=now + dt.timedelta(hours=5))
    surveyed = MatchFactory(
        status=MatchStatus.MET, first_met_on=now.date() - dt.timedelta(days=100)
    )
    first = runner.invoke(args=["tick"])
    assert first.exit_code == 0, first.output
    assert "1 proposal, 2 meeting, 1 survey" in first.output
    written = _outbox()
    assert sorted(written) == sorted(
        [
            ("proposal_reminder", "connector", proposal.connector_id),
            ("meeting_reminder", "connector", scheduled.connector_id),
            ("meeting_reminder", "connectee", scheduled.connectee_id),
            ("follow_up_survey", "connectee", surveyed.connectee_id),
        ]
    )
    second = runner.invoke(args=["tick"])
    assert "Reminders written" not in second.output  # nothing due twice
    assert _outbox() == written


def test_unsubscribed_people_get_no_reminders(app: Flask) -> None:
    now = utcnow()
    match = MatchFactory(expires_at=now + dt.timedelta(days=2))
    connector = db.session.get(Connector, match.connector_id)
    assert connector is not None
    connector.reminders_opt_out = True
    db.session.commit()
    assert reminders.enqueue_due(now)[reminders.PROPOSAL] == 0
    assert _outbox() == []


def test_the_weekly_limit_holds_back_the_rest(app: Flask) -> None:
    now = utcnow()
    connector = ConnectorFactory(capacity=5)
    for _ in range(3):
        MatchFactory(connector=connector, expires_at=now + dt.timedelta(days=2))
    cadence = Cadence(proposal_days=3, meeting_hours=24, survey_months=(), per_week=2)
    assert reminders.enqueue_due(now, cadence) == {
        "proposal_reminder": 2,
        "meeting_reminder": 0,
        "follow_up_survey": 0,
        "held_back": 1,
    }
    # A week on the third goes out (its proposal, in this test, has not expired).
    later = now + dt.timedelta(days=7, minutes=1)
    for match in db.session.scalars(select(Match)):
        match.expires_at = later + dt.timedelta(days=1)
    db.session.commit()
    assert reminders.enqueue_due(later, cadence)["proposal_reminder"] == 2


def test_a_survey_long_overdue_is_left_to_staff(app: Flask) -> None:
    today = NOW.date()
    recent = MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=400))
    MatchFactory(status=MatchStatus.MET, first_met_on=today - dt.timedelta(days=500))
    due = reminders.surveys_due(today, (3, 6, 12))
    assert [(d.person_id, d.milestone) for d in due] == [(recent.connectee_id, 12)]
