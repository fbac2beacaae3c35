"""Recording, correcting and listing follow-up outcomes through the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.database import utcnow
from community_node.extensions import db
from community_node.matches.models import Match, MatchStatus
from community_node.outcomes.services import EARLY_DAYS
from shared.dates import add_months
from tests.community_node.factories import (
    ConnecteeFactory,
    FollowUpOutcomeFactory,
    MatchFactory,
)

URL = "/api/v1/outcomes"


def today() -> dt.date:
    return utcnow().date()


def met_match(days_ago: int = 100, **kw: Any) -> Match:
    """A match whose first meeting was ``days_ago`` days ago."""
    return MatchFactory(  # type: ignore[no-any-return]
        status=MatchStatus.MET, first_met_on=today() - dt.timedelta(days=days_ago), **kw
    )


def test_record_defaults_match_date_and_recorder_and_audits_no_free_text(
    api: Any, coordinator: Any
) -> None:
    match = met_match()
    response = api.post(
        URL,
        json={
            "connectee_id": match.connectee_id,
            "milestone_months": 3,
            "category": "employed_in_field",
            "occupation": "291141",
            "attributed_to_program": True,
            "notes": "Hired at Harbour Health after the second coffee.",
        },
    )
    assert response.status_code == 201, response.json
    body = response.json
    assert body["match_id"] == match.id
    assert body["occupation"] == "29-1141"
    assert body["recorded_on"] == today().isoformat()
    assert body["recorded_by"] == f"staff:{coordinator.id}"
    assert api.get(f"{URL}/{body['id']}").json == body
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "outcome.create"
    assert event.details == {
        "connectee_id": match.connectee_id,
        "milestone_months": 3,
        "category": "employed_in_field",
    }


def test_the_clock_starts_at_the_earliest_meeting(api: Any) -> None:
    connectee = ConnecteeFactory()
    met_match(days_ago=10, connectee=connectee)  # created first, met later
    early = met_match(days_ago=100, connectee=connectee)
    response = api.post(
        URL, json={"connectee_id": connectee.id, "milestone_months": 3, "category": "unknown"}
    )
    assert response.status_code == 201, response.json
    assert response.json["match_id"] == early.id


def test_second_record_for_a_milestone_is_a_conflict_pointing_at_patch(api: Any) -> None:
    match = met_match()
    first = api.post(
        URL,
        json={"connectee_id": match.connectee_id, "milestone_months": 3, "category": "unknown"},
    ).json
    again = api.post(
        URL,
        json={
            "connectee_id": match.connectee_id,
            "milestone_months": 3,
            "category": "still_searching",
        },
    )
    assert again.status_code == 409
    assert again.json["outcome_id"] == first["id"]
    assert again.json["allowed"] == [f"PATCH /api/v1/outcomes/{first['id']}"]


def test_no_meeting_no_follow_up(api: Any) -> None:
    match = MatchFactory(status=MatchStatus.MEETING_SCHEDULED)
    response = api.post(
        URL,
        json={"connectee_id": match.connectee_id, "milestone_months": 3, "category": "unknown"},
    )
    assert response.status_code == 409
    assert response.json["message"].startswith("No meeting recorded")
    assert api.get(URL).json["total"] == 0


def test_unknown_connectee_is_404(api: Any) -> None:
    response = api.post(
        URL, json={"connectee_id": 999, "milestone_months": 3, "category": "unknown"}
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"milestone_months": 4}, "milestone_months"),
        ({"category": "retired"}, "category"),
        ({"occupation": "99-9999"}, "occupation"),
        ({"recorded_on": "yesterday"}, "recorded_on"),
        ({"shoe_size": 44}, "shoe_size"),
    ],
)
def test_schema_rejects_bad_fields(api: Any, change: dict[str, Any], field: str) -> None:
    match = met_match()
    payload = {"connectee_id": match.connectee_id, "milestone_months": 3, "category": "unknown"}
    response = api.post(URL, json={**payload, **change})
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {field}


def test_missing_required_fields(api: Any) -> None:
    response = api.post(URL, json={})
    assert response.status_code == 422
    assert set(response.json["errors"]["json"]) == {"connectee_id", "milestone_months", "category"}


def test_occupation_only_with_an_employed_category(api: Any) -> None:
    match = met_match()
    response = api.post(
        URL,
        json={
            "connectee_id": match.connectee_id,
            "milestone_months": 3,
            "category": "still_searching",
            "occupation": "29-1141",
        },
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"occupation"}


def test_recorded_at_most_fourteen_days_before_the_milestone(api: Any) -> None:
    match = met_match(days_ago=400)
    assert match.first_met_on is not None
    due = add_months(match.first_met_on, 12)
    payload = {"connectee_id": match.connectee_id, "milestone_months": 12, "category": "unknown"}
    too_early = api.post(
        URL, json={**payload, "recorded_on": str(due - dt.timedelta(days=EARLY_DAYS + 1))}
    )
    assert too_early.status_code == 422
    assert f"due on {due.isoformat()}" in too_early.json["errors"]["recorded_on"][0]
    on_time = api.post(
        URL, json={**payload, "recorded_on": str(due - dt.timedelta(days=EARLY_DAYS))}
    )
    assert on_time.status_code == 201, on_time.json


def test_six_month_follow_up_after_100_days_is_too_early(api: Any) -> None:
    match = met_match(days_ago=100)
    response = api.post(
        URL, json={"connectee_id": match.connectee_id, "milestone_months": 6, "category": "unknown"}
    )
    assert response.status_code == 422
    assert set(response.json["errors"]) == {"recorded_on"}


def test_not_in_the_future_and_not_someone_elses_match(api: Any) -> None:
    match, other = met_match(), met_match()
    payload = {"connectee_id": match.connectee_id, "milestone_months": 3, "category": "unknown"}
    future = api.post(URL, json={**payload, "recorded_on": str(today() + dt.timedelta(days=1))})
    assert future.status_code == 422
    assert set(future.json["errors"]) == {"recorded_on"}
    foreign = api.post(URL, json={**payload, "match_id": other.id})
    assert foreign.status_code == 422
    assert set(foreign.json["errors"]) == {"match_id"}


def _recorded(api: Any, **fields: Any) -> dict[str, Any]:
    match = met_match(days_ago=400)
    payload = {"connectee_id": match.connectee_id, "milestone_months": 3, **fields}
    response = api.post(URL, json=payload)
    assert response.status_code == 201, response.json
    return response.json  # type: ignore[no-any-return]


def test_patch_corrects_and_keeps_the_whole_consistent(api: Any) -> None:
    outcome = _recorded(api, category="employed_in_field", occupation="29-1141")
    url = f"{URL}/{outcome['id']}"
    inconsistent = api.patch(url, json={"category": "still_searching"})
    assert inconsistent.status_code == 422
    assert set(inconsistent.json["errors"]) == {"occupation"}
    assert api.get(url).json["category"] == "employed_in_field"
    fixed = api.patch(url, json={"category": "still_searching", "occupation": None})
    assert fixed.status_code == 200, fixed.json
    assert (fixed.json["category"], fixed.json["occupation"]) == ("still_searching", None)
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id.desc())).first()
    assert event is not None and event.action == "outcome.update"
    assert event.details == {"fields": ["category", "occupation"], "category": "still_searching"}


def test_patch_cannot_move_the_connectee_or_collide_with_a_milestone(api: Any) -> None:
    outcome = _recorded(api, category="unknown")
    url = f"{URL}/{outcome['id']}"
    moved = api.patch(url, json={"connectee_id": 1})
    assert moved.status_code == 422
    assert set(moved.json["errors"]["json"]) == {"connectee_id"}
    six = api.post(
        URL,
        json={
            "connectee_id": outcome["connectee_id"],
            "milestone_months": 6,
            "category": "unknown",
        },
    )
    assert six.status_code == 201, six.json
    collide = api.patch(url, json={"milestone_months": 6})
    assert collide.status_code == 409
    assert collide.json["outcome_id"] == six.json["id"]
    assert api.patch(f"{URL}/999", json={"notes": "x"}).status_code == 404
    assert api.get(f"{URL}/999").status_code == 404


def test_list_filters_and_export(api: Any) -> None:
    a, b = ConnecteeFactory(), ConnecteeFactory()
    FollowUpOutcomeFactory(connectee=a, milestone_months=3, category="still_searching")
    FollowUpOutcomeFactory(
        connectee=a, milestone_months=6, occupation="29-1141", notes="private words"
    )
    FollowUpOutcomeFactory(
        connectee=b, milestone_months=6, category="left_community", attributed_to_program=None
    )
    assert api.get(URL).json["total"] == 3
    by_connectee = api.get(URL, query_string={"connectee_id": a.id}).json
    assert [o["milestone_months"] for o in by_connectee["items"]] == [3, 6]
    six = api.get(URL, query_string={"milestone_months": 6, "sort": "-id"}).json["items"]
    assert [o["connectee_id"] for o in six] == [b.id, a.id]
    employed = api.get(URL, query_string={"category": "employed_in_field"}).json["items"]
    assert [o["connectee_id"] for o in employed] == [a.id]
    credited = api.get(URL, query_string={"attributed_to_program": "true"}).json
    assert credited["total"] == 2
    assert api.get(URL, query_string={"milestone_months": 9}).status_code == 422
    assert api.get(URL, query_string={"sort": "notes"}).status_code == 422

    export = api.get(f"{URL}/export.csv", query_string={"milestone_months": 6})
    assert export.status_code == 200
    assert export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert [r["connectee_id"] for r in rows] == [str(a.id), str(b.id)]
    assert rows[0]["occupation"] == "29-1141"
    assert rows[1]["attributed_to_program"] == ""
    assert "notes" not in rows[0]
    assert "private words" not in export.get_data(as_text=True)


def test_viewers_read_but_cannot_write(viewer_api: Any, client: Any) -> None:
    outcome = FollowUpOutcomeFactory()
    assert viewer_api.get(URL).status_code == 200
    assert viewer_api.get(f"{URL}/{outcome.id}").status_code == 200
    payload = {"connectee_id": outcome.connectee_id, "milestone_months": 3, "category": "unknown"}
    assert viewer_api.post(URL, json=payload).status_code == 403
    assert viewer_api.patch(f"{URL}/{outcome.id}", json={"notes": "x"}).status_code == 403
    assert client.get(URL).status_code == 401


def test_openapi_document_lists_the_routes(client: Any) -> None:
    spec = client.get("/api/v1/openapi.json").json
    assert {
        "/api/v1/outcomes",
        "/api/v1/outcomes/{outcome_id}",
        "/api/v1/outcomes/export.csv",
    } <= set(spec["paths"])
