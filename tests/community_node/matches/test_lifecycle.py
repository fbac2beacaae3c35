"""The match state machine through the API: legal and illegal moves, guards, history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.matches.lifecycle import TRANSITIONS, allowed_next
from community_node.matches.models import Match, MatchStatus, MatchTransition
from community_node.participants.models import ProfileStatus
from tests.community_node.factories import (
    ConnecteeFactory,
    ConnectorFactory,
    MatchFactory,
    MeetingFactory,
    ReferralFactory,
)

S = MatchStatus
LEGAL = [(frm, to) for frm, nexts in TRANSITIONS.items() for to in nexts]
ILLEGAL = [(frm, to) for frm in S for to in S if to not in TRANSITIONS[frm]]


def approved_pair() -> tuple[int, int]:
    connectee = ConnecteeFactory(status=ProfileStatus.APPROVED)
    connector = ConnectorFactory()
    return connectee.id, connector.id


def match_in(status: MatchStatus, *, meetings: int = 0, referrals: int = 0) -> Match:
    match = MatchFactory(connectee=ConnecteeFactory(status=ProfileStatus.APPROVED), status=status)
    for _ in range(meetings):
        MeetingFactory(match=match)
    for _ in range(referrals):
        ReferralFactory(match=match, tier=1)
    return match


def move(api: Any, match_id: int, to: str, note: str | None = None) -> Any:
    body: dict[str, Any] = {"to": to}
    if note is not None:
        body["note"] = note
    return api.post(f"/api/v1/matches/{match_id}/transitions", json=body)


def test_create_records_the_initial_transition_and_expiry(api: Any, coordinator: Any) -> None:
    connectee_id, connector_id = approved_pair()
    response = api.post(
        "/api/v1/matches",
        json={"connectee_id": connectee_id, "connector_id": connector_id, "score": 82.5},
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["status"] == "proposed"
    assert body["score"] == 82.5
    assert body["allowed_transitions"] == ["introduced", "declined", "expired", "cancelled"]
    assert body["created_by"] == f"staff:{coordinator.id}"
    proposed = dt.datetime.fromisoformat(body["proposed_at"])
    assert dt.datetime.fromisoformat(body["expires_at"]) - proposed == dt.timedelta(days=14)
    [first] = body["transitions"]
    assert (first["from_status"], first["to_status"]) == (None, "proposed")
    assert first["by"] == f"staff:{coordinator.id}"


@pytest.mark.parametrize("app_config", [{"MATCH_PROPOSAL_EXPIRY_DAYS": 3}])
def test_expiry_days_come_from_the_config(api: Any) -> None:
    connectee_id, connector_id = approved_pair()
    body = api.post(
        "/api/v1/matches", json={"connectee_id": connectee_id, "connector_id": connector_id}
    ).json
    delta = dt.datetime.fromisoformat(body["expires_at"]) - dt.datetime.fromisoformat(
        body["proposed_at"]
    )
    assert delta == dt.timedelta(days=3)


def test_create_checks_people_and_pairs(api: Any) -> None:
    connectee_id, connector_id = approved_pair()
    missing = api.post("/api/v1/matches", json={"connectee_id": 999, "connector_id": 998})
    assert missing.status_code == 422
    assert set(missing.json["errors"]) == {"connectee_id", "connector_id"}

    pending = ConnecteeFactory()  # submitted, not approved
    response = api.post(
        "/api/v1/matches", json={"connectee_id": pending.id, "connector_id": connector_id}
    )
    assert response.status_code == 409
    assert "only approved connectees" in response.json["message"]

    away = ConnectorFactory(available=False)
    response = api.post(
        "/api/v1/matches", json={"connectee_id": connectee_id, "connector_id": away.id}
    )
    assert response.status_code == 409
    assert "unavailable" in response.json["message"]

    unscreened = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    response = api.post(
        "/api/v1/matches", json={"connectee_id": connectee_id, "connector_id": unscreened.id}
    )
    assert response.status_code == 409

    pair = {"connectee_id": connectee_id, "connector_id": connector_id}
    first = api.post("/api/v1/matches", json=pair)
    assert first.status_code == 201
    again = api.post("/api/v1/matches", json=pair)
    assert again.status_code == 409
    assert again.json["match_id"] == first.json["id"]
    # Once the first one has ended the pair can be proposed again.
    assert move(api, first.json["id"], "cancelled").status_code == 201
    assert api.post("/api/v1/matches", json=pair).status_code == 201


def test_create_rejects_bad_fields(api: Any) -> None:
    response = api.post(
        "/api/v1/matches",
        json={"connectee_id": "x", "score": -1, "status": "met", "colour": "blue"},
    )
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {
        "connectee_id",
        "connector_id",
        "score",
        "status",
        "colour",
    }


@pytest.mark.parametrize(("frm", "to"), LEGAL, ids=[f"{f}->{t}" for f, t in LEGAL])
def test_every_legal_transition(api: Any, coordinator: Any, frm: S, to: S) -> None:
    match = match_in(
        frm,
        meetings=1 if to == S.MEETING_SCHEDULED else 0,
        referrals=3 if to == S.REFERRED else 0,
    )
    response = move(api, match.id, to.value, note="because")
    assert response.status_code == 201, response.json
    assert response.json["from_status"] == frm.value
    assert response.json["to_status"] == to.value
    assert response.json["by"] == f"staff:{coordinator.id}"
    assert response.json["note"] == "because"
    detail = api.get(f"/api/v1/matches/{match.id}").json
    assert detail["status"] == to.value
    assert detail["allowed_transitions"] == allowed_next(to)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None
    assert (event.action, event.entity_id) == ("match.transition", match.id)
    assert event.details == {"from": frm.value, "to": to.value}


@pytest.mark.parametrize(("frm", "to"), ILLEGAL, ids=[f"{f}->{t}" for f, t in ILLEGAL])
def test_every_illegal_transition_is_a_409_listing_the_allowed_ones(
    api: Any, frm: S, to: S
) -> None:
    match = match_in(frm)
    response = move(api, match.id, to.value, note="n")
    assert response.status_code == 409
    assert response.json["allowed"] == allowed_next(frm)
    assert db.session.get(Match, match.id).status == frm  # type: ignore[union-attr]


def test_terminal_states_allow_nothing(api: Any) -> None:
    for status in (S.CLOSED, S.DECLINED, S.EXPIRED, S.NO_SHOW, S.CANCELLED):
        response = move(api, match_in(status).id, "introduced")
        assert response.status_code == 409
        assert response.json["allowed"] == []
        assert "final" in response.json["message"]


def test_the_whole_happy_path(api: Any) -> None:
    connectee_id, connector_id = approved_pair()
    match_id = api.post(
        "/api/v1/matches", json={"connectee_id": connectee_id, "connector_id": connector_id}
    ).json["id"]
    assert move(api, match_id, "introduced").status_code == 201
    meeting = api.post(
        f"/api/v1/matches/{match_id}/meetings",
        json={"scheduled_for": "2026-01-20T15:00:00+00:00", "mode": "in_person"},
    )
    assert meeting.status_code == 201, meeting.json
    assert api.get(f"/api/v1/matches/{match_id}").json["status"] == "meeting_scheduled"
    held = api.patch(
        f"/api/v1/matches/{match_id}/meetings/{meeting.json['id']}", json={"held": True}
    )
    assert held.status_code == 200
    detail = api.get(f"/api/v1/matches/{match_id}").json
    assert detail["status"] == "met"
    assert detail["first_met_on"] == "2026-01-20"
    assert detail["expires_at"] is None
    for n in range(3):
        response = api.post(
            f"/api/v1/matches/{match_id}/referrals",
            json={
                "contact_name": f"Contact {n}",
                "organisation": "Harbour Health",
                "sector": "Health care",
                "referred_on": "2026-02-01",
            },
        )
        assert response.status_code == 201, response.json
    assert api.get(f"/api/v1/matches/{match_id}").json["status"] == "referrals_pending"
    assert move(api, match_id, "referred").status_code == 201
    assert move(api, match_id, "closed").status_code == 201
    history = api.get(f"/api/v1/matches/{match_id}/transitions").json
    assert [(t["from_status"], t["to_status"]) for t in history] == [
        (None, "proposed"),
        ("proposed", "introduced"),
        ("introduced", "meeting_scheduled"),
        ("meeting_scheduled", "met"),
        ("met", "referrals_pending"),
        ("referrals_pending", "referred"),
        ("referred", "closed"),
    ]
    stored = db.session.scalars(
        select(MatchTransition).where(MatchTransition.match_id == match_id)
    ).all()
    assert len(stored) == 7


def test_referred_needs_three_first_tier_referrals(api: Any) -> None:
    match = match_in(S.REFERRALS_PENDING, referrals=2)
    ReferralFactory(match=match, tier=2)
    response = move(api, match.id, "referred")
    assert response.status_code == 409
    assert "3 first-tier referrals" in response.json["message"]
    assert "has 2" in response.json["message"]
    assert response.json["allowed"] == ["cancelled"]
    ReferralFactory(match=match, tier=1)
    assert move(api, match.id, "referred").status_code == 201


def test_declined_needs_a_reason_which_is_kept(api: Any) -> None:
    match = match_in(S.PROPOSED)
    for note in (None, "   "):
        response = move(api, match.id, "declined", note=note)
        assert response.status_code == 422
        assert "note" in response.json["errors"]
    assert move(api, match.id, "declined", note="Connector is travelling").status_code == 201
    detail = api.get(f"/api/v1/matches/{match.id}").json
    assert detail["exit_reason"] == "Connector is travelling"


def test_meeting_scheduled_cannot_be_set_without_a_meeting(api: Any) -> None:
    match = match_in(S.INTRODUCED)
    response = move(api, match.id, "meeting_scheduled")
    assert response.status_code == 409
    assert "/meetings" in response.json["message"]
    assert response.json["allowed"] == ["declined", "expired", "cancelled"]


def test_met_without_a_held_meeting_uses_the_scheduled_one(api: Any) -> None:
    match = match_in(S.MEETING_SCHEDULED)
    MeetingFactory(match=match, scheduled_for=dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC))
    assert move(api, match.id, "met").status_code == 201
    detail = api.get(f"/api/v1/matches/{match.id}").json
    assert detail["first_met_on"] == "2026-01-05"
    assert detail["meetings"][0]["held"] is True


def test_transition_input_is_validated(api: Any) -> None:
    match = match_in(S.PROPOSED)
    response = api.post(f"/api/v1/matches/{match.id}/transitions", json={"to": "married"})
    assert response.status_code == 422
    assert "to" in response.json["errors"]["json"]
    response = api.post(f"/api/v1/matches/{match.id}/transitions", json={"note": "x"})
    assert response.status_code == 422
    assert api.post("/api/v1/matches/999/transitions", json={"to": "introduced"}).status_code == 404
    assert api.get("/api/v1/matches/999").status_code == 404
    assert api.get("/api/v1/matches/999/transitions").status_code == 404


def test_viewer_reads_but_cannot_write(viewer_api: Any) -> None:
    match = match_in(S.PROPOSED)
    assert viewer_api.get(f"/api/v1/matches/{match.id}").status_code == 200
    assert viewer_api.get("/api/v1/matches").status_code == 200
    connectee_id, connector_id = approved_pair()
    denied = [
        viewer_api.post(
            "/api/v1/matches", json={"connectee_id": connectee_id, "connector_id": connector_id}
        ),
        move(viewer_api, match.id, "introduced"),
        viewer_api.post(
            f"/api/v1/matches/{match.id}/meetings",
            json={"scheduled_for": "2026-01-20T15:00:00+00:00", "mode": "video"},
        ),
    ]
    assert [r.status_code for r in denied] == [403, 403, 403]
    assert db.session.get(Match, match.id).status == S.PROPOSED  # type: ignore[union-attr]


def test_no_token_is_401(client: Any) -> None:
    assert client.get("/api/v1/matches").status_code == 401


def test_a_paused_connector_takes_no_match_before_the_day_they_gave(api: Any) -> None:
    connectee_id = ConnecteeFactory(status=ProfileStatus.APPROVED).id
    back_on = dt.date.today() + dt.timedelta(days=10)
    paused = ConnectorFactory(unavailable_until=back_on)
    pair = {"connectee_id": connectee_id, "connector_id": paused.id}
    response = api.post("/api/v1/matches", json=pair)
    assert response.status_code == 409
    assert f"no new matches before {back_on}" in response.json["message"]
    # A pause that has run out stops nothing, even before tick clears it.
    paused.unavailable_until = dt.date.today()
    db.session.commit()
    assert api.post("/api/v1/matches", json=pair).status_code == 201
