"""Meetings and referrals as sub-resources of a match; lists, export and the audit log."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus
from community_node.participants.models import ProfileStatus
from tests.community_node.factories import (
    ConnecteeFactory,
    MatchFactory,
    MeetingFactory,
    ReferralFactory,
)

S = MatchStatus
MEETING = {"scheduled_for": "2026-03-02T14:30:00+00:00", "duration_minutes": 45, "mode": "video"}
REFERRAL = {
    "contact_name": "Zebulon Quartermaine",
    "organisation": "Nova Scotia Health",
    "sector": "Health care",
    "referred_on": "2026-03-10",
    "tier": 1,
}


def match_in(status: MatchStatus) -> Match:
    return MatchFactory(connectee=ConnecteeFactory(status=ProfileStatus.APPROVED), status=status)


def test_scheduling_a_meeting_moves_an_introduced_match(api: Any) -> None:
    match = match_in(S.INTRODUCED)
    response = api.post(f"/api/v1/matches/{match.id}/meetings", json=MEETING)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["mode"] == "video"
    assert body["duration_minutes"] == 45
    assert body["held"] is None
    assert body["confirmed_by_connectee"] is False
    assert api.get(f"/api/v1/matches/{match.id}").json["status"] == "meeting_scheduled"
    # Rescheduling adds a meeting without another transition.
    assert api.post(f"/api/v1/matches/{match.id}/meetings", json=MEETING).status_code == 201
    detail = api.get(f"/api/v1/matches/{match.id}").json
    assert len(detail["meetings"]) == 2
    assert [t["to_status"] for t in detail["transitions"]] == ["meeting_scheduled"]
    assert len(api.get(f"/api/v1/matches/{match.id}/meetings").json) == 2


def test_meetings_only_for_introduced_matches(api: Any) -> None:
    for status in (S.PROPOSED, S.MET, S.CLOSED):
        response = api.post(f"/api/v1/matches/{match_in(status).id}/meetings", json=MEETING)
        assert response.status_code == 409, status
    assert api.post("/api/v1/matches/999/meetings", json=MEETING).status_code == 404


def test_meeting_fields_are_validated(api: Any) -> None:
    match = match_in(S.INTRODUCED)
    response = api.post(
        f"/api/v1/matches/{match.id}/meetings",
        json={"scheduled_for": "2026-03-02T14:30:00", "duration_minutes": 2, "mode": "carrier"},
    )
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"scheduled_for", "duration_minutes", "mode"}
    response = api.post(f"/api/v1/matches/{match.id}/meetings", json={})
    assert set(response.json["errors"]["json"]) == {"scheduled_for", "mode"}
    assert db.session.get(Match, match.id).status == S.INTRODUCED  # type: ignore[union-attr]


def test_meeting_confirmations_and_held(api: Any) -> None:
    match = match_in(S.MEETING_SCHEDULED)
    meeting = MeetingFactory(match=match, scheduled_for=dt.datetime(2026, 2, 3, 10, tzinfo=dt.UTC))
    url = f"/api/v1/matches/{match.id}/meetings/{meeting.id}"
    response = api.patch(url, json={"confirmed_by_connectee": True})
    assert response.status_code == 200
    assert response.json["confirmed_by_connectee"] is True
    assert api.get(f"/api/v1/matches/{match.id}").json["status"] == "meeting_scheduled"
    assert api.patch(url, json={"held": "perhaps"}).status_code == 422
    assert api.patch(url, json={"mode": "phone"}).status_code == 422
    response = api.patch(url, json={"held": True, "confirmed_by_connector": True})
    assert response.status_code == 200
    detail = api.get(f"/api/v1/matches/{match.id}").json
    assert detail["status"] == "met"
    assert detail["first_met_on"] == "2026-02-03"
    other = match_in(S.INTRODUCED)
    assert (
        api.patch(f"/api/v1/matches/{other.id}/meetings/{meeting.id}", json={}).status_code == 404
    )


def test_a_missed_meeting_does_not_move_the_match(api: Any) -> None:
    match = match_in(S.MEETING_SCHEDULED)
    meeting = MeetingFactory(match=match)
    response = api.patch(f"/api/v1/matches/{match.id}/meetings/{meeting.id}", json={"held": False})
    assert response.status_code == 200
    assert api.get(f"/api/v1/matches/{match.id}").json["status"] == "meeting_scheduled"
    response = api.post(
        f"/api/v1/matches/{match.id}/transitions", json={"to": "no_show", "note": "Did not come"}
    )
    assert response.status_code == 201
    assert api.get(f"/api/v1/matches/{match.id}").json["exit_reason"] == "Did not come"


def test_first_referral_moves_met_to_referrals_pending(api: Any) -> None:
    match = match_in(S.MET)
    response = api.post(f"/api/v1/matches/{match.id}/referrals", json=REFERRAL)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["contact_name"] == "Zebulon Quartermaine"  # local staff may see it
    assert (body["tier"], body["result"], body["referred_on"]) == (1, "pending", "2026-03-10")
    assert api.get(f"/api/v1/matches/{match.id}").json["status"] == "referrals_pending"
    second = api.post(f"/api/v1/matches/{match.id}/referrals", json={**REFERRAL, "tier": 2})
    assert second.status_code == 201
    assert len(api.get(f"/api/v1/matches/{match.id}/referrals").json) == 2


def test_referral_defaults_and_validation(api: Any) -> None:
    match = match_in(S.REFERRALS_PENDING)
    url = f"/api/v1/matches/{match.id}/referrals"
    minimal = api.post(url, json={"contact_name": "A B", "organisation": "Org", "sector": "IT"})
    assert minimal.status_code == 201
    assert minimal.json["referred_on"] == dt.datetime.now(dt.UTC).date().isoformat()
    assert minimal.json["tier"] == 1
    bad = api.post(
        url,
        json={
            "contact_name": "  ",
            "organisation": "",
            "tier": 3,
            "result": "promoted",
            "referred_on": "yesterday",
        },
    )
    assert bad.status_code == 422
    assert set(bad.json["errors"]["json"]) == {
        "contact_name",
        "organisation",
        "sector",
        "tier",
        "result",
        "referred_on",
    }
    future = (dt.date.today() + dt.timedelta(days=10)).isoformat()
    response = api.post(url, json={**REFERRAL, "referred_on": future})
    assert response.status_code == 422
    assert "referred_on" in response.json["errors"]


def test_referrals_only_after_meeting(api: Any) -> None:
    for status in (S.PROPOSED, S.INTRODUCED, S.MEETING_SCHEDULED, S.DECLINED):
        response = api.post(f"/api/v1/matches/{match_in(status).id}/referrals", json=REFERRAL)
        assert response.status_code == 409, status
    assert (
        api.post(f"/api/v1/matches/{match_in(S.REFERRED).id}/referrals", json=REFERRAL).status_code
        == 201
    )


def test_referral_result_can_be_updated_later(api: Any) -> None:
    match = match_in(S.CLOSED)
    referral = ReferralFactory(match=match)
    url = f"/api/v1/matches/{match.id}/referrals/{referral.id}"
    response = api.patch(url, json={"result": "hired"})
    assert response.status_code == 200
    assert response.json["result"] == "hired"
    assert api.patch(url, json={"result": "knighted"}).status_code == 422
    assert api.patch(url, json={"contact_name": "X"}).status_code == 422
    assert api.patch(url, json={}).status_code == 422
    other = match_in(S.MET)
    assert (
        api.patch(f"/api/v1/matches/{other.id}/referrals/{referral.id}", json={"result": "met"})
    ).status_code == 404


def test_audit_log_keeps_no_contact_names_or_notes(api: Any) -> None:
    match = match_in(S.MET)
    referral = api.post(f"/api/v1/matches/{match.id}/referrals", json=REFERRAL).json
    api.patch(f"/api/v1/matches/{match.id}/referrals/{referral['id']}", json={"result": "met"})
    api.post(
        f"/api/v1/matches/{match.id}/transitions",
        json={"to": "cancelled", "note": "Zebulon moved away"},
    )
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-4:] == [
        "referral.create",
        "match.transition",
        "referral.update",
        "match.transition",
    ]
    dumped = str([(e.action, e.details) for e in events])
    for secret in ("Zebulon", "Quartermaine", "Nova Scotia Health", "moved away"):
        assert secret not in dumped


def test_list_filters_sorts_and_exports(api: Any, viewer_api: Any) -> None:
    a = match_in(S.PROPOSED)
    b = match_in(S.MET)
    c = MatchFactory(connectee_id=a.connectee_id, connector_id=b.connector_id, status=S.CLOSED)
    response = viewer_api.get("/api/v1/matches?sort=-id&per_page=2")
    assert response.status_code == 200
    assert response.json["total"] == 3
    assert [m["id"] for m in response.json["items"]] == [c.id, b.id]
    only = api.get(f"/api/v1/matches?connectee_id={a.connectee_id}").json["items"]
    assert {m["id"] for m in only} == {a.id, c.id}
    assert [m["id"] for m in api.get("/api/v1/matches?status=met").json["items"]] == [b.id]
    open_ids = [m["id"] for m in api.get("/api/v1/matches?open=true").json["items"]]
    assert open_ids == [a.id, b.id]
    ended = [m["id"] for m in api.get("/api/v1/matches?open=false").json["items"]]
    assert ended == [c.id]
    assert api.get("/api/v1/matches?sort=connectee_name").status_code == 422
    assert api.get("/api/v1/matches?status=happy").status_code == 422

    export = api.get("/api/v1/matches/export.csv?status=met")
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [(r["id"], r["status"]) for r in rows] == [(str(b.id), "met")]
    assert "note" not in rows[0]


def test_meeting_notes_are_kept_changed_and_cleared(api: Any) -> None:
    match = match_in(S.INTRODUCED)
    created = api.post(
        f"/api/v1/matches/{match.id}/meetings", json={**MEETING, "notes": "  Café on Barrington.  "}
    )
    assert created.status_code == 201 and created.json["notes"] == "Café on Barrington."
    url = f"/api/v1/matches/{match.id}/meetings/{created.json['id']}"
    assert api.patch(url, json={"notes": "Bring the CV."}).json["notes"] == "Bring the CV."
    assert api.patch(url, json={"notes": "   "}).json["notes"] is None  # blank clears it
    too_long = api.patch(url, json={"notes": "x" * 2001})
    assert too_long.status_code == 422 and set(too_long.json["errors"]["json"]) == {"notes"}
    # The audit log names the field that changed, never what the note says.
    details = [
        e.details for e in db.session.scalars(select(AuditEvent)) if e.action == "meeting.update"
    ]
    assert details and all("Bring the CV." not in str(d) for d in details)


def test_erasing_either_person_blanks_their_meeting_notes(api: Any) -> None:
    match = match_in(S.MET)
    meeting = MeetingFactory(match=match, notes="Talked about her nursing licence.")
    other = MeetingFactory(match=match_in(S.MET), notes="Kept.")
    assert api.delete(f"/api/v1/connectees/{match.connectee_id}").status_code in (200, 204)
    db.session.expire_all()
    assert db.session.get(type(meeting), meeting.id).notes is None  # type: ignore[union-attr]
    assert db.session.get(type(other), other.id).notes == "Kept."  # type: ignore[union-attr]
