"""The Today page: each count is the owning service's, and each row links to where it is handled."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.introductions.models import CrossCityIntro, IntroDirection, IntroStatus
from community_node.matches import services as matches
from community_node.matches.models import MatchStatus
from community_node.matching import services as matching
from community_node.participants import services as participants
from community_node.participants.models import Connectee, ProfileStatus
from community_node.sync import run as sync
from community_node.sync.models import OutboxItem, OutboxKind, OutboxStatus, SyncState
from community_node.web import queries
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
    MeetingFactory,
)


def count(html: str, name: str) -> int:
    match = re.search(rf'id="count-{name}">(\d+)<', html)
    assert match, name
    return int(match.group(1))


def _submitted(kind: participants.PersonKind[Connectee] | participants.PersonKind[object]) -> int:
    args = {"status": ProfileStatus.SUBMITTED, "sort": "id", "page": 1, "per_page": 1}
    return participants.list_persons(kind, args).total  # type: ignore[arg-type]


def _seed(now: dt.datetime) -> dict[str, object]:
    """One or more rows for every section, plus some that must not be counted."""
    waiting = ConnecteeFactory(status=ProfileStatus.APPROVED, first_name="Wafa")
    ConnecteeFactory.create_batch(2)  # submitted
    ConnectorFactory(status=ProfileStatus.SUBMITTED)
    expiring = MatchFactory(expires_at=now + dt.timedelta(days=1))
    MatchFactory(expires_at=now + dt.timedelta(days=10))  # far off
    MatchFactory(expires_at=now + dt.timedelta(days=1), status=MatchStatus.DECLINED)
    # Met 7 months ago: the 3- and 6-month follow-ups are due, minus the one recorded.
    met = MatchFactory(status=MatchStatus.MET, first_met_on=now.date() - dt.timedelta(days=215))
    FollowUpOutcomeFactory(
        connectee=db.session.get(Connectee, met.connectee_id), milestone_months=3
    )
    monday = now.date() - dt.timedelta(days=now.weekday())
    this_week = dt.datetime.combine(monday, dt.time(10), dt.UTC) + dt.timedelta(days=2)
    meeting = MeetingFactory(scheduled_for=this_week)
    MeetingFactory(scheduled_for=this_week + dt.timedelta(days=7))  # next week
    ours = ConnectorFactory(first_name="Nadia")
    intro = CrossCityIntro(
        direction=IntroDirection.INCOMING,
        status=IntroStatus.REQUESTED,
        connector_id=ours.id,
        other_community="halifax",
        created_by="hub",
    )
    answered = CrossCityIntro(
        direction=IntroDirection.INCOMING, status=IntroStatus.ACCEPTED, created_by="hub"
    )
    db.session.add_all([intro, answered])
    db.session.add(
        OutboxItem(kind=OutboxKind.PROFILE, key="p1", payload={}, status=OutboxStatus.DEAD)
    )
    db.session.add(SyncState(destination=sync.DESTINATION, last_error="HubUnreachable: timed out"))
    db.session.commit()
    return {
        "waiting": waiting,
        "expiring": expiring,
        "meeting": meeting,
        "intro": intro,
        "met": met,
    }


def test_today_counts_are_the_services_counts(staff_client: FlaskClient, app: Flask) -> None:
    now = utcnow()
    _seed(now)
    html = staff_client.get("/").text
    submitted = _submitted(participants.CONNECTEES) + _submitted(participants.CONNECTORS)
    assert count(html, "signups") == submitted >= 3
    assert count(html, "submitted") == _submitted(participants.CONNECTEES)
    assert count(html, "connectors-submitted") == _submitted(participants.CONNECTORS) == 1
    assert count(html, "waiting") == len(matching.waiting_connectees()) >= 1
    assert count(html, "expiring") == matches.proposals_expiring(now) == 1
    assert count(html, "follow-ups") == len(matches.due_follow_ups(now.date())) == 1
    assert count(html, "intros") == 1
    status = sync.status()
    assert count(html, "sync") == status["dead"] + 1 == 2
    assert "HubUnreachable: timed out" in html
    # A change is seen at once: nothing is cached between requests.
    ConnectorFactory(status=ProfileStatus.SUBMITTED)
    assert count(staff_client.get("/").text, "connectors-submitted") == 2


def test_today_rows_link_to_where_each_is_handled(staff_client: FlaskClient, app: Flask) -> None:
    now = utcnow()
    seeded = _seed(now)
    html = staff_client.get("/").text
    waiting, expiring, meeting = seeded["waiting"], seeded["expiring"], seeded["meeting"]
    assert f'href="/matching/{waiting.id}">Wafa' in html  # type: ignore[attr-defined]
    assert re.search(r"waiting \d+ days?", html)
    assert f'href="/matches/{expiring.id}">Match #{expiring.id}' in html  # type: ignore[attr-defined]
    assert f'href="/matches/{meeting.match_id}">' in html  # type: ignore[attr-defined]
    met = seeded["met"]
    assert f'href="/connectees/{met.connectee_id}">' in html  # type: ignore[attr-defined]
    assert "6-month follow-up" in html and "3-month follow-up" not in html
    intro = db.session.scalars(
        select(CrossCityIntro).where(CrossCityIntro.status == IntroStatus.REQUESTED)
    ).one()
    assert (
        f'href="/introductions/{intro.id}">Request from Halifax</a>' in html and "for Nadia" in html
    )
    assert 'href="/people/review">Open the review queue' in html
    assert 'href="/hub">1 change the hub refused' in html


def test_the_week_runs_monday_to_sunday(app: Flask) -> None:
    wednesday = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    monday = dt.datetime(2026, 6, 29, 0, 0, tzinfo=dt.UTC)
    inside = [
        MeetingFactory(scheduled_for=monday),
        MeetingFactory(scheduled_for=monday + dt.timedelta(days=6, hours=23)),
    ]
    MeetingFactory(scheduled_for=monday - dt.timedelta(minutes=1))
    MeetingFactory(scheduled_for=monday + dt.timedelta(days=7))
    today = queries.today(wednesday)
    assert today.week_start == monday.date()
    assert [m.id for m in today.meetings.rows] == [m.id for m in inside]
    assert today.meetings.count == 2


def test_expiring_rows_are_what_the_count_counts(app: Flask) -> None:
    now = dt.datetime(2026, 7, 1, 12, tzinfo=dt.UTC)
    soon = MatchFactory(expires_at=now + dt.timedelta(days=2))
    lapsed = MatchFactory(expires_at=now - dt.timedelta(hours=1))
    MatchFactory(expires_at=now + dt.timedelta(days=10))
    MatchFactory(expires_at=now + dt.timedelta(days=1), status=MatchStatus.INTRODUCED)
    rows = matches.expiring_proposals(now)
    assert [m.id for m in rows] == [lapsed.id, soon.id]  # the soonest to lapse first
    assert matches.proposals_expiring(now) == len(rows) == 2


def test_the_waiting_list_says_how_long(app: Flask) -> None:
    now = utcnow()
    old = ConnecteeFactory(status=ProfileStatus.APPROVED)
    old.created_at = now - dt.timedelta(days=12)
    ConnecteeFactory(status=ProfileStatus.APPROVED)
    MatchFactory(connectee=ConnecteeFactory(status=ProfileStatus.APPROVED))  # has a match
    db.session.commit()
    section = queries.waiting_for_match(now)
    assert section.count == len(matching.waiting_connectees()) == 2
    assert (section.rows[0].connectee.id, section.rows[0].days) == (old.id, 12)
    assert section.rows[1].days == 0


def test_a_connected_node_without_trouble_says_so(staff_client: FlaskClient, app: Flask) -> None:
    html = staff_client.get("/").text
    assert count(html, "sync") == 0
    assert "not connected to the hub" in html
