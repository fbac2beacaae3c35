"""A coordinator runs one connectee through the whole program using only the API."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any


def _ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.json
    return response.json


def test_intake_to_funnel_report(api: Any) -> None:
    today = dt.date.today()
    connectee = _ok(
        api.post(
            "/api/v1/connectees",
            json={
                "first_name": "Amira",
                "last_name": "Haddad",
                "email": "amira@example.org",
                "target_occupation": "29-1141",
                "current_occupation": "29-1141",
                "languages": [
                    {"language": "ara", "level": "native"},
                    {"language": "eng", "level": "C1"},
                ],
                "skills": ["patient care"],
                "work_authorization": "permanent_resident",
                "education_level": "bachelor",
                "resume_on_file": True,
                "intends_to_stay": True,
                "years_experience": 8,
                "intake_date": (today - dt.timedelta(days=220)).isoformat(),
            },
        ),
        201,
    )
    connector = _ok(
        api.post(
            "/api/v1/connectors",
            json={
                "first_name": "Claire",
                "last_name": "Boudreau",
                "email": "claire@example.org",
                "occupation": "29-1141",
                "years_in_field": 15,
                "years_local": 10,
                "capacity": 2,
                "languages": [{"language": "eng", "level": "native"}],
            },
        ),
        201,
    )
    for subject in ({"connectee_id": connectee["id"]}, {"connector_id": connector["id"]}):
        _ok(
            api.post(
                "/api/v1/consents",
                json={**subject, "purpose": "local_processing", "policy_version": "2026-01"},
            ),
            201,
        )

    # Eligibility under the community's rules, with a reason for every criterion.
    decision = _ok(
        api.post("/api/v1/eligibility-decisions/evaluate", json={"connectee_id": connectee["id"]}),
        201,
    )
    assert decision["outcome"] == "eligible", decision["criteria"]
    assert all(c["reason"] for c in decision["criteria"])
    _ok(
        api.post("/api/v1/eligibility-decisions/evaluate", json={"connector_id": connector["id"]}),
        201,
    )
    assert _ok(api.get(f"/api/v1/connectees/{connectee['id']}"))["status"] == "approved"

    # Match, introduce, meet (the meeting was months ago), three referrals.
    match = _ok(
        api.post(
            "/api/v1/matches",
            json={"connectee_id": connectee["id"], "connector_id": connector["id"]},
        ),
        201,
    )
    _ok(api.post(f"/api/v1/matches/{match['id']}/transitions", json={"to": "introduced"}), 201)
    met_at = dt.datetime.now(dt.UTC) - dt.timedelta(days=200)
    meeting = _ok(
        api.post(
            f"/api/v1/matches/{match['id']}/meetings",
            json={"scheduled_for": met_at.isoformat(), "mode": "in_person"},
        ),
        201,
    )
    _ok(
        api.patch(
            f"/api/v1/matches/{match['id']}/meetings/{meeting['id']}",
            json={"held": True, "confirmed_by_connectee": True, "confirmed_by_connector": True},
        )
    )
    for n in range(3):
        _ok(
            api.post(
                f"/api/v1/matches/{match['id']}/referrals",
                json={
                    "contact_name": f"Contact {n}",
                    "organisation": f"Hospital {n}",
                    "sector": "Health care",
                    "tier": 1,
                    "referred_on": (met_at.date() + dt.timedelta(days=n + 1)).isoformat(),
                },
            ),
            201,
        )
    _ok(api.post(f"/api/v1/matches/{match['id']}/transitions", json={"to": "referred"}), 201)
    detail = _ok(api.get(f"/api/v1/matches/{match['id']}"))
    assert detail["status"] == "referred"
    assert [t["to_status"] for t in detail["transitions"]] == [
        "proposed",
        "introduced",
        "meeting_scheduled",
        "met",
        "referrals_pending",
        "referred",
    ]

    # The 6-month follow-up: employed in the field, thanks to the program.
    _ok(
        api.post(
            "/api/v1/outcomes",
            json={
                "connectee_id": connectee["id"],
                "milestone_months": 6,
                "category": "employed_in_field",
                "occupation": "29-1141",
                "attributed_to_program": True,
            },
        ),
        201,
    )

    funnel = _ok(api.get("/api/v1/reports/funnel?period=all"))
    row = funnel["rows"][0] if isinstance(funnel, dict) else funnel[0]
    assert {
        k: row[k] for k in ("applied", "eligible", "matched", "met", "referred", "employed")
    } == {"applied": 1, "eligible": 1, "matched": 1, "met": 1, "referred": 1, "employed": 1}
    assert row["placement_rate"] == 1.0

    csv_text = api.get("/api/v1/reports/funnel.csv?period=all").get_data(as_text=True)
    csv_row = next(csv.DictReader(io.StringIO(csv_text.lstrip("\ufeff"))))
    assert csv_row["employed"] == "1"
