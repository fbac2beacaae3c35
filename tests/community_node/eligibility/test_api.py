"""/api/v1/eligibility-decisions."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest

from community_node.participants.models import ProfileStatus, WorkAuthorization
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory

URL = "/api/v1/eligibility-decisions"


def test_evaluate_a_connectee_returns_the_decision_and_moves_the_status(api: Any) -> None:
    person = ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT)
    response = api.post(f"{URL}/evaluate", json={"connectee_id": person.id})
    assert response.status_code == 201, response.json
    body = response.json
    assert body["outcome"] == "ineligible"
    assert body["connectee_id"] == person.id and body["connector_id"] is None
    assert body["ruleset_version"].startswith("default-")
    failed = [c for c in body["criteria"] if not c["passed"]]
    assert failed == [
        {
            "criterion": "work_authorization",
            "passed": False,
            "missing": False,
            "reason": failed[0]["reason"],
        }
    ]
    assert "student F-1 visa is not accepted" in failed[0]["reason"]
    assert api.get(f"/api/v1/connectees/{person.id}").json["status"] == "rejected"
    assert api.get(f"{URL}/{body['id']}").json == body


def test_evaluate_a_connector(api: Any) -> None:
    person = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    response = api.post(f"{URL}/evaluate", json={"connector_id": person.id})
    assert response.status_code == 201
    assert response.json["outcome"] == "eligible"
    assert api.get(f"/api/v1/connectors/{person.id}").json["status"] == "approved"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "connectee_id"),
        ({"connectee_id": 1, "connector_id": 1}, "connectee_id"),
        ({"connectee_id": "one"}, "connectee_id"),
        ({"connectee_id": 0}, "connectee_id"),
        ({"connector_id": 2**31}, "connector_id"),
        ({"connectee_id": 1, "shoe_size": 44}, "shoe_size"),
    ],
)
def test_evaluate_rejects_bad_bodies(api: Any, body: dict[str, Any], field: str) -> None:
    response = api.post(f"{URL}/evaluate", json=body)
    assert response.status_code == 422
    assert field in response.json["errors"]["json"]


def test_unknown_people_and_decisions_are_404(api: Any) -> None:
    assert api.post(f"{URL}/evaluate", json={"connectee_id": 4040}).status_code == 404
    assert api.get(f"{URL}/4040").status_code == 404
    assert api.get(f"{URL}/{2**31}").status_code == 404
    assert api.get(f"{URL}/{2**64}").status_code == 404
    response = api.post(
        f"{URL}/override", json={"connector_id": 4040, "outcome": "eligible", "reason": "x"}
    )
    assert response.status_code == 404


def test_a_draft_cannot_be_evaluated(api: Any) -> None:
    person = ConnecteeFactory(status=ProfileStatus.DRAFT)
    response = api.post(f"{URL}/evaluate", json={"connectee_id": person.id})
    assert response.status_code == 409
    assert set(response.json["allowed"]) == {"submitted", "waitlisted", "rejected", "approved"}


def test_override_needs_a_reason(api: Any) -> None:
    person = ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT)
    for body in (
        {"connectee_id": person.id, "outcome": "eligible"},
        {"connectee_id": person.id, "outcome": "eligible", "reason": "   "},
    ):
        response = api.post(f"{URL}/override", json=body)
        assert response.status_code == 422
        assert "reason" in response.json["errors"]["json"]
    bad_outcome = api.post(
        f"{URL}/override", json={"connectee_id": person.id, "outcome": "maybe", "reason": "x"}
    )
    assert bad_outcome.status_code == 422
    assert "outcome" in bad_outcome.json["errors"]["json"]

    response = api.post(
        f"{URL}/override",
        json={"connectee_id": person.id, "outcome": "eligible", "reason": "OPT approved"},
    )
    assert response.status_code == 201
    assert response.json["is_override"] is True
    assert response.json["override_reason"] == "OPT approved"
    assert response.json["decided_by"].startswith("staff:")
    assert api.get(f"/api/v1/connectees/{person.id}").json["status"] == "approved"


def test_viewers_can_read_but_not_decide(api: Any, viewer_api: Any) -> None:
    person = ConnecteeFactory()
    assert viewer_api.post(f"{URL}/evaluate", json={"connectee_id": person.id}).status_code == 403
    assert viewer_api.post(f"{URL}/reevaluate").status_code == 403
    override = {"connectee_id": person.id, "outcome": "eligible", "reason": "x"}
    assert viewer_api.post(f"{URL}/override", json=override).status_code == 403
    api.post(f"{URL}/evaluate", json={"connectee_id": person.id})
    assert viewer_api.get(URL).json["total"] == 1
    assert viewer_api.get(f"{URL}/rules").status_code == 200
    assert api.client.get(URL).status_code == 401


def test_list_filters_and_exports(api: Any) -> None:
    good, student = (
        ConnecteeFactory(),
        ConnecteeFactory(work_authorization=WorkAuthorization.F1_STUDENT),
    )
    connector = ConnectorFactory(status=ProfileStatus.SUBMITTED)
    for body in ({"connectee_id": good.id}, {"connectee_id": student.id}):
        api.post(f"{URL}/evaluate", json=body)
    api.post(f"{URL}/evaluate", json={"connectee_id": good.id})
    api.post(f"{URL}/evaluate", json={"connector_id": connector.id})

    everything = api.get(URL).json
    assert everything["total"] == 4
    current_good = api.get(URL, query_string={"connectee_id": good.id, "current": "true"}).json
    assert current_good["total"] == 1 and current_good["items"][0]["current"] is True
    assert api.get(URL, query_string={"current": "false"}).json["total"] == 1
    ineligible = api.get(URL, query_string={"outcome": "ineligible"}).json
    assert [d["connectee_id"] for d in ineligible["items"]] == [student.id]
    assert api.get(URL, query_string={"connector_id": connector.id}).json["total"] == 1
    newest_first = api.get(URL, query_string={"sort": "-id", "per_page": 2}).json
    assert newest_first["pages"] == 2 and newest_first["items"][0]["connector_id"] == connector.id
    assert api.get(URL, query_string={"outcome": "maybe"}).status_code == 422
    assert api.get(URL, query_string={"connectee_id": 2**31}).status_code == 422
    assert api.get(URL, query_string={"sort": "reason"}).status_code == 422

    export = api.get(f"{URL}/export.csv", query_string={"outcome": "ineligible"})
    assert export.status_code == 200 and export.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    assert len(rows) == 1 and rows[0]["outcome"] == "ineligible"
    assert (
        "work_authorization:False:False:Work authorization a student F-1 visa"
        in rows[0]["criteria"]
    )


def test_rules_show_the_active_rule_set(api: Any) -> None:
    body = api.get(f"{URL}/rules").json
    assert body["version"].startswith(body["declared_version"] + "+")
    assert "f1_student" not in body["connectee"]["accepted_work_authorizations"]
    assert body["connector"]["min_years_in_field"] == 5
    assert body["connectee"]["min_years_experience"] is None


class TestConfiguredRules:
    @pytest.fixture
    def rules_file(self, tmp_path: Path) -> Path:
        path = tmp_path / "rules.toml"
        path.write_text('version = "city-2026"\n[connector]\nmin_years_in_field = 10\n')
        return path

    @pytest.fixture
    def app_config(self, rules_file: Path) -> dict[str, Any]:
        return {"ELIGIBILITY_RULES": str(rules_file)}

    def test_reevaluate_after_the_file_changes(self, api: Any, rules_file: Path) -> None:
        connector = ConnectorFactory(status=ProfileStatus.SUBMITTED, years_in_field=7)
        first = api.post(f"{URL}/reevaluate")
        assert first.status_code == 200
        assert first.json["evaluated"] == 1 and first.json["changed"] == 1
        assert first.json["ruleset_version"].startswith("city-2026+")
        assert api.get(f"/api/v1/connectors/{connector.id}").json["status"] == "rejected"
        # Rejected is not pending: a rules change leaves it until staff evaluate again.
        rules_file.write_text('version = "city-2026b"\n[connector]\nmin_years_in_field = 5\n')
        assert api.post(f"{URL}/reevaluate").json == {
            "evaluated": 0,
            "changed": 0,
            "ruleset_version": api.get(f"{URL}/rules").json["version"],
        }
        again = api.post(f"{URL}/evaluate", json={"connector_id": connector.id})
        assert again.json["outcome"] == "eligible"
        assert again.json["ruleset_version"].startswith("city-2026b+")

    def test_a_broken_file_answers_503(self, api: Any, rules_file: Path) -> None:
        rules_file.write_text('version = "v"\n[connector]\nmin_years_in_field = "ten"\n')
        response = api.get(f"{URL}/rules")
        assert response.status_code == 503
        assert "connector.min_years_in_field" in response.json["message"]
        person = ConnectorFactory(status=ProfileStatus.SUBMITTED)
        assert api.post(f"{URL}/evaluate", json={"connector_id": person.id}).status_code == 503
