"""The match pages: the list, a match's timeline, its moves, meetings, referrals, follow-ups."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.database import utcnow
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus, Meeting, MeetingMode, Referral
from community_node.outcomes.models import FollowUpOutcome, OutcomeCategory
from community_node.participants.models import Connectee, ProfileStatus
from community_node.web import matching as pages
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    MatchFactory,
    MeetingFactory,
    ReferralFactory,
)


def a_match(status: MatchStatus = MatchStatus.PROPOSED, **kw: Any) -> Match:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    return MatchFactory(connectee=connectee, connector=ConnectorFactory(), status=status, **kw)  # type: ignore[no-any-return]


def fresh(match: Match) -> Match:
    db.session.expire_all()
    found = db.session.get(Match, match.id)
    assert found is not None
    return found


def buttons(html: str) -> list[str]:
    return re.findall(r'<button type="submit" name="to" value="([a-z_]+)"', html)


# The list -------------------------------------------------------------------------------


def listed(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)">', html)]


def test_the_list_filters_by_status_and_shows_names(staff_client: FlaskClient) -> None:
    proposed = a_match()
    met = a_match(MatchStatus.MET)
    response = staff_client.get("/matches")
    assert response.status_code == 200
    assert sorted(listed(response.text)) == sorted([proposed.id, met.id])
    seeker = db.session.get(Connectee, proposed.connectee_id)
    assert seeker is not None and f"{seeker.full_name} with " in response.text
    assert f'href="/matches/{met.id}"' in response.text
    assert listed(staff_client.get("/matches?status=met").text) == [met.id]
    assert listed(staff_client.get("/matches?open=false").text) == []
    bad = staff_client.get("/matches?status=lost")
    assert bad.status_code == 200 and "status:" in bad.text
    assert sorted(listed(bad.text)) == sorted([proposed.id, met.id])


def test_the_list_sorts_and_pages(
    staff_client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pages, "PER_PAGE", 2)
    low, high, mid = a_match(score=0.2), a_match(score=0.9), a_match(score=0.5)
    html = staff_client.get("/matches?sort=-score").text
    assert listed(html) == [high.id, mid.id] and 'rel="next"' in html
    assert 'aria-sort="descending"' in html
    html = staff_client.get("/matches?sort=-score&page=2").text
    assert listed(html) == [low.id] and 'rel="prev"' in html
    assert listed(staff_client.get("/matches?sort=score").text) == [low.id, mid.id]
    bad = staff_client.get("/matches?sort=email")
    assert bad.status_code == 200 and "Sort by one of" in bad.text


# One match ------------------------------------------------------------------------------


def test_the_match_page_shows_the_timeline_and_only_allowed_moves(
    staff_client: FlaskClient,
) -> None:
    seeker = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory()
    created = staff_client.post(
        f"/matching/{seeker.id}/propose", data={"connector_id": connector.id}
    )
    match_url = created.headers["Location"]
    html = staff_client.get(match_url).text
    assert f"{seeker.full_name} with {connector.full_name}" in html
    assert "Proposed" in html and "by Coordinator" in html
    assert buttons(html) == ["introduced", "declined", "expired", "cancelled"]
    assert 'id="schedule-form"' not in html and 'id="referral-form"' not in html
    # The person page and Today link here.
    assert match_url in staff_client.get(f"/connectees/{seeker.id}").text


def test_a_move_the_status_allows(staff_client: FlaskClient) -> None:
    match = a_match()
    response = staff_client.post(
        f"/matches/{match.id}/transitions", data={"to": "introduced", "note": "Emailed both."}
    )
    assert response.status_code == 303
    assert fresh(match).status is MatchStatus.INTRODUCED
    html = staff_client.get(response.headers["Location"]).text
    assert "Match marked introduced." in html
    assert "Proposed → Introduced" in html and "Emailed both." in html
    assert "meeting_scheduled" not in buttons(html)  # scheduled through its own form
    assert 'id="schedule-form"' in html


def test_a_move_the_status_does_not_allow_is_refused(staff_client: FlaskClient) -> None:
    match = a_match()
    response = staff_client.post(f"/matches/{match.id}/transitions", data={"to": "met"})
    assert response.status_code == 409
    assert "A proposed match cannot become met." in response.text
    assert fresh(match).status is MatchStatus.PROPOSED
    closed = a_match(MatchStatus.CLOSED)
    assert buttons(staff_client.get(f"/matches/{closed.id}").text) == []
    response = staff_client.post(f"/matches/{closed.id}/transitions", data={"to": "cancelled"})
    assert response.status_code == 409 and "It is final." in response.text
    response = staff_client.post(f"/matches/{match.id}/transitions", data={"to": "lost"})
    assert response.status_code == 422
    assert staff_client.post(f"/matches/{match.id}/transitions").status_code == 422


def test_declining_needs_a_reason_beside_the_note(staff_client: FlaskClient) -> None:
    match = a_match()
    response = staff_client.post(
        f"/matches/{match.id}/transitions", data={"to": "declined", "note": "  "}
    )
    assert response.status_code == 422
    assert 'id="transition-note-error"' in response.text
    assert "Give the reason the match was declined." in response.text
    assert fresh(match).status is MatchStatus.PROPOSED
    long = staff_client.post(
        f"/matches/{match.id}/transitions", data={"to": "declined", "note": "x" * 2001}
    )
    assert long.status_code == 422 and "x" * 2001 in long.text  # kept as typed
    response = staff_client.post(
        f"/matches/{match.id}/transitions", data={"to": "declined", "note": "Moved away."}
    )
    assert response.status_code == 303
    assert fresh(match).exit_reason == "Moved away."


# Meetings -------------------------------------------------------------------------------


def test_schedule_a_meeting_then_mark_it_held(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.INTRODUCED)
    response = staff_client.post(
        f"/matches/{match.id}/meetings",
        data={"date": "2026-03-10", "time": "14:30", "mode": "video", "duration_minutes": "45"},
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#meetings")
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.scheduled_for.replace(tzinfo=dt.UTC) == dt.datetime(
        2026, 3, 10, 14, 30, tzinfo=dt.UTC
    )
    assert (meeting.mode, meeting.duration_minutes) == (MeetingMode.VIDEO, 45)
    assert fresh(match).status is MatchStatus.MEETING_SCHEDULED
    html = staff_client.get(f"/matches/{match.id}").text
    assert "2026-03-10 14:30 UTC" in html and "Video call" in html
    assert buttons(html) == ["met", "no_show", "cancelled"]

    response = staff_client.post(
        f"/matches/{match.id}/meetings/{meeting.id}",
        data={"held": "true", "confirmed_by_connectee": "yes"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    meeting = db.session.get(Meeting, meeting.id)  # type: ignore[assignment]
    assert meeting.held is True and meeting.confirmed_by_connectee
    assert not meeting.confirmed_by_connector
    assert fresh(match).status is MatchStatus.MET
    assert fresh(match).first_met_on == dt.date(2026, 3, 10)
    html = staff_client.get(f"/matches/{match.id}").text
    assert "Meeting scheduled → Met" in html and 'id="referral-form"' in html


def test_a_bad_meeting_comes_back_beside_its_fields(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.INTRODUCED)
    response = staff_client.post(
        f"/matches/{match.id}/meetings",
        data={"date": "", "time": "14:30", "mode": "pigeon", "duration_minutes": "1"},
    )
    assert response.status_code == 422
    html = response.text
    assert 'id="meeting-scheduled_for-error"' in html
    assert 'id="meeting-mode-error"' in html and 'id="meeting-duration_minutes-error"' in html
    assert 'name="time" type="time" value="14:30"' in html  # what was typed is kept
    bad_date = staff_client.post(
        f"/matches/{match.id}/meetings",
        data={"date": "10/03/2026", "time": "14:30", "mode": "phone"},
    )
    assert bad_date.status_code == 422 and 'id="meeting-scheduled_for-error"' in bad_date.text
    assert db.session.scalars(select(Meeting)).first() is None


def test_a_meeting_for_a_proposed_match_is_refused(staff_client: FlaskClient) -> None:
    match = a_match()
    response = staff_client.post(
        f"/matches/{match.id}/meetings",
        data={"date": "2026-03-10", "time": "10:00", "mode": "phone"},
    )
    assert response.status_code == 409
    assert "Meetings can be scheduled for introduced matches" in response.text
    meeting = MeetingFactory(match=a_match(MatchStatus.MEETING_SCHEDULED))
    wrong = staff_client.post(f"/matches/{match.id}/meetings/{meeting.id}", data={"held": "true"})
    assert wrong.status_code == 404
    bad = staff_client.post(
        f"/matches/{meeting.match_id}/meetings/{meeting.id}", data={"held": "perhaps"}
    )
    assert bad.status_code == 422 and f'id="meeting-{meeting.id}-held-error"' in bad.text


# Referrals ------------------------------------------------------------------------------


def test_three_referrals_then_referred(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.MET, first_met_on=dt.date(2026, 1, 5))
    html = staff_client.get(f"/matches/{match.id}").text
    assert 'id="referral-count">0 of 3<' in html
    for n in range(3):
        response = staff_client.post(
            f"/matches/{match.id}/referrals",
            data={"contact_name": f"Contact {n}", "organisation": "Harbour Health",
                  "sector": "Health care", "tier": "1", "result": "pending"},
        )  # fmt: skip
        assert response.status_code == 303
    assert fresh(match).status is MatchStatus.REFERRALS_PENDING
    html = staff_client.get(f"/matches/{match.id}").text
    assert 'id="referral-count">3 of 3<' in html and "Contact 2" in html
    assert buttons(html) == ["referred", "cancelled"]
    assert (
        staff_client.post(f"/matches/{match.id}/transitions", data={"to": "referred"}).status_code
        == 303
    )
    assert fresh(match).status is MatchStatus.REFERRED


def test_referred_too_early_is_refused(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.REFERRALS_PENDING)
    ReferralFactory(match=match)
    response = staff_client.post(f"/matches/{match.id}/transitions", data={"to": "referred"})
    assert response.status_code == 409 and "this one has 1" in response.text


def test_a_bad_referral_keeps_what_was_typed(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.MET)
    future = (utcnow().date() + dt.timedelta(days=3)).isoformat()
    response = staff_client.post(
        f"/matches/{match.id}/referrals",
        data={"contact_name": "", "organisation": "Harbour Health", "sector": "Health",
              "referred_on": future},
    )  # fmt: skip
    assert response.status_code == 422
    assert 'id="referral-contact_name-error"' in response.text
    assert 'value="Harbour Health"' in response.text
    response = staff_client.post(
        f"/matches/{match.id}/referrals",
        data={"contact_name": "Ann", "organisation": "Harbour Health", "sector": "Health",
              "referred_on": future},
    )  # fmt: skip
    assert response.status_code == 422
    assert "A referral cannot be dated in the future." in response.text
    assert 'id="referral-referred_on-error"' in response.text
    proposed = a_match()
    refused = staff_client.post(
        f"/matches/{proposed.id}/referrals",
        data={"contact_name": "Ann", "organisation": "Harbour", "sector": "Health"},
    )
    assert refused.status_code == 409 and "once the connectee has met" in refused.text
    assert db.session.scalars(select(Referral)).first() is None


def test_a_referrals_result_is_updated(staff_client: FlaskClient) -> None:
    referral = ReferralFactory(match=a_match(MatchStatus.REFERRALS_PENDING))
    url = f"/matches/{referral.match_id}/referrals/{referral.id}"
    assert staff_client.post(url, data={"result": "hired"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(Referral, referral.id).result.value == "hired"  # type: ignore[union-attr]
    bad = staff_client.post(url, data={"result": "promoted"})
    assert bad.status_code == 422 and f'id="referral-{referral.id}-result-error"' in bad.text
    other = a_match()
    assert (
        staff_client.post(
            f"/matches/{other.id}/referrals/{referral.id}", data={"result": "met"}
        ).status_code
        == 404
    )


# Follow-ups -----------------------------------------------------------------------------


def test_follow_ups_show_what_is_due_and_record_one(staff_client: FlaskClient) -> None:
    met_on = utcnow().date() - dt.timedelta(days=130)
    match = a_match(MatchStatus.REFERRED, first_met_on=met_on)
    html = staff_client.get(f"/matches/{match.id}").text
    assert "Due now" in html and 'id="outcome-form"' in html
    assert '<option value="3" selected>3 months (due now)</option>' in html
    response = staff_client.post(
        f"/matches/{match.id}/outcomes",
        data={"milestone_months": "3", "category": "employed_in_field",
              "occupation": "29-1141 Registered Nurses", "attributed_to_program": "true",
              "recorded_on": "", "notes": ""},
    )  # fmt: skip
    assert response.status_code == 303
    assert response.headers["Location"].endswith("#follow-ups")
    outcome = db.session.scalars(select(FollowUpOutcome)).one()
    assert outcome.category is OutcomeCategory.EMPLOYED_IN_FIELD
    assert (outcome.occupation, outcome.match_id) == ("29-1141", match.id)
    assert outcome.attributed_to_program is True and outcome.recorded_on == utcnow().date()
    html = staff_client.get(f"/matches/{match.id}").text
    assert "Employed in their field (Registered Nurses)" in html
    assert "3-month follow-up: Employed in their field" in html  # in the timeline
    duplicate = staff_client.post(
        f"/matches/{match.id}/outcomes", data={"milestone_months": "3", "category": "unknown"}
    )
    assert duplicate.status_code == 409 and "already recorded" in duplicate.text


def test_a_refused_follow_up_comes_back_beside_its_fields(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.MET, first_met_on=utcnow().date() - dt.timedelta(days=100))
    url = f"/matches/{match.id}/outcomes"
    early = staff_client.post(url, data={"milestone_months": "6", "category": "unknown"})
    assert early.status_code == 422 and 'id="outcome-recorded_on-error"' in early.text
    job = staff_client.post(
        url, data={"milestone_months": "3", "category": "still_searching", "occupation": "29-1141"}
    )
    assert job.status_code == 422 and 'id="outcome-occupation-error"' in job.text
    bad = staff_client.post(
        url, data={"milestone_months": "4", "category": "rich", "notes": "kept"}
    )
    assert bad.status_code == 422
    assert 'id="outcome-milestone_months-error"' in bad.text
    assert 'id="outcome-category-error"' in bad.text and ">kept</textarea>" in bad.text
    assert db.session.scalars(select(FollowUpOutcome)).first() is None


def test_no_follow_up_before_a_meeting(staff_client: FlaskClient) -> None:
    match = a_match()
    html = staff_client.get(f"/matches/{match.id}").text
    assert 'id="outcome-form"' not in html and 'id="no-follow-up"' in html
    refused = staff_client.post(
        f"/matches/{match.id}/outcomes", data={"milestone_months": "3", "category": "unknown"}
    )
    assert refused.status_code == 409 and "No meeting recorded" in refused.text


# Roles and unknown ids ------------------------------------------------------------------


def test_a_viewer_sees_the_match_but_no_forms_and_cannot_post(viewer_client: FlaskClient) -> None:
    match = a_match(MatchStatus.MEETING_SCHEDULED, first_met_on=dt.date(2025, 1, 1))
    meeting = MeetingFactory(match=match)
    referral = ReferralFactory(match=match)
    html = viewer_client.get(f"/matches/{match.id}").text
    assert "Timeline" in html and referral.contact_name in html
    assert '<form method="post" action="/matches' not in html and buttons(html) == []
    assert viewer_client.get("/matches").status_code == 200
    posts = [
        ("transitions", {"to": "met"}),
        ("meetings", {"date": "2026-03-10", "time": "10:00", "mode": "phone"}),
        (f"meetings/{meeting.id}", {"held": "true"}),
        ("referrals", {"contact_name": "A", "organisation": "B", "sector": "C"}),
        (f"referrals/{referral.id}", {"result": "hired"}),
        ("outcomes", {"milestone_months": "3", "category": "unknown"}),
    ]
    for path, data in posts:
        assert viewer_client.post(f"/matches/{match.id}/{path}", data=data).status_code == 403, path
    assert fresh(match).status is MatchStatus.MEETING_SCHEDULED


def test_unknown_matches_are_404(staff_client: FlaskClient) -> None:
    assert staff_client.get("/matches/424242").status_code == 404
    assert staff_client.get("/matches/99999999999").status_code == 404
    for path in ("transitions", "meetings", "meetings/1", "referrals", "referrals/1", "outcomes"):
        assert staff_client.post(f"/matches/424242/{path}").status_code == 404, path


def test_pages_need_login(client: FlaskClient) -> None:
    for url in ("/matches", "/matches/1"):
        assert client.get(url).status_code == 302, url


def test_meeting_notes_on_the_match_page(staff_client: FlaskClient) -> None:
    match = a_match(MatchStatus.INTRODUCED)
    response = staff_client.post(
        f"/matches/{match.id}/meetings",
        data={"date": "2026-03-10", "time": "14:30", "mode": "in_person", "notes": "Library café"},
    )
    assert response.status_code == 303
    meeting = db.session.scalars(select(Meeting)).one()
    assert meeting.notes == "Library café"
    assert "Library café" in staff_client.get(f"/matches/{match.id}").text
    too_long = staff_client.post(
        f"/matches/{match.id}/meetings/{meeting.id}", data={"held": "true", "notes": "y" * 2001}
    )
    assert too_long.status_code == 422 and f'id="meeting-{meeting.id}-notes-error"' in too_long.text
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).held is None  # nothing half-written
    staff_client.post(
        f"/matches/{match.id}/meetings/{meeting.id}", data={"held": "true", "notes": ""}
    )
    db.session.expire_all()
    assert db.session.get(Meeting, meeting.id).notes is None  # type: ignore[union-attr]
