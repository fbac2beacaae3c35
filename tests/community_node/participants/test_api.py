"""The connectee, connector and consent resources."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.participants.models import Consent
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory

NEW_CONNECTEE: dict[str, Any] = {
    "first_name": " Amira ",
    "last_name": "Haddad",
    "email": "Amira.Haddad@Example.org",
    "target_occupation": "291141",
    "current_occupation": "29-1141",
    "languages": [{"language": "AR", "level": "native"}, {"language": "eng", "level": "B2"}],
    "skills": ["patient care", "triage"],
    "work_authorization": "permanent_resident",
    "education_level": "bachelor",
    "years_experience": 7,
}


def test_create_normalizes_and_reads_back(api: Any) -> None:
    response = api.post("/api/v1/connectees", json=NEW_CONNECTEE)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["first_name"] == "Amira"
    assert body["email"] == "amira.haddad@example.org"
    assert body["target_occupation"] == "29-1141"
    assert {(lang["language"], lang["level"]) for lang in body["languages"]} == {
        ("ara", "native"),
        ("eng", "B2"),
    }
    assert api.get(f"/api/v1/connectees/{body['id']}").json == body


def test_bad_fields_answer_422_field_by_field(api: Any) -> None:
    response = api.post(
        "/api/v1/connectees",
        json={
            **NEW_CONNECTEE,
            "email": "not-an-email",
            "target_occupation": "99-9999",
            "languages": [{"language": "english!", "level": "Z9"}],
            "shoe_size": 44,
        },
    )
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert set(errors) == {"email", "target_occupation", "languages", "shoe_size"}
    assert "Unknown SOC 2018 occupation code 99-9999." in errors["target_occupation"]


@pytest.mark.parametrize("code", ["13-1021", "131022", "55-1016", "13-1020", "21-1018"])
def test_every_soc_detailed_code_and_stored_oews_codes_are_accepted(api: Any, code: str) -> None:
    # 13-1021 was refused while the list was OEWS's, which folds it into 13-1020.
    response = api.post("/api/v1/connectees", json={**NEW_CONNECTEE, "target_occupation": code})
    assert response.status_code == 201, response.json
    assert response.json["target_occupation"] == code[:2] + "-" + code.replace("-", "")[2:]


def test_duplicate_email_is_a_conflict(api: Any) -> None:
    assert api.post("/api/v1/connectees", json=NEW_CONNECTEE).status_code == 201
    again = api.post(
        "/api/v1/connectees", json={**NEW_CONNECTEE, "email": "amira.haddad@example.org"}
    )
    assert again.status_code == 409


def test_patch_changes_only_given_fields_and_audits_names_not_values(api: Any) -> None:
    created = api.post("/api/v1/connectees", json=NEW_CONNECTEE).json
    response = api.patch(f"/api/v1/connectees/{created['id']}", json={"phone": "+1 902 555 0101"})
    assert response.status_code == 200
    assert response.json["phone"] == "+1 902 555 0101"
    assert response.json["last_name"] == "Haddad"
    events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
    assert [e.action for e in events][-2:] == ["connectee.create", "connectee.update"]
    assert events[-1].details == {"fields": ["phone"]}
    assert "555" not in str([e.details for e in events])


def test_list_filters_by_related_occupation_language_and_text(api: Any) -> None:
    ConnecteeFactory(target_occupation="29-1141", skills=["wound care"])  # registered nurse
    ConnecteeFactory(target_occupation="29-1171", skills=["prescribing"])  # nurse practitioner
    ConnecteeFactory(target_occupation="15-1252", skills=["python"], languages=[])
    same = api.get("/api/v1/connectees?occupation=29-1141").json
    assert same["total"] == 1
    minor = api.get("/api/v1/connectees?occupation=29-1141&related=minor").json
    assert minor["total"] == 2
    assert api.get("/api/v1/connectees?language=ar").json["total"] == 2
    assert api.get("/api/v1/connectees?q=PYTHON").json["total"] == 1
    assert api.get("/api/v1/connectees?q=100%25").json["total"] == 0


def test_list_sorts_and_paginates(api: Any) -> None:
    for years in (3, 9, 1, 5):
        ConnecteeFactory(years_experience=years)
    page = api.get("/api/v1/connectees?sort=-years_experience&per_page=3&page=1").json
    assert [p["years_experience"] for p in page["items"]] == [9, 5, 3]
    assert (page["total"], page["pages"]) == (4, 2)
    assert api.get("/api/v1/connectees?sort=shoe_size").status_code == 422
    assert api.get("/api/v1/connectees?per_page=100000").status_code == 422


def test_connectors_filter_by_availability(api: Any) -> None:
    ConnectorFactory(available=True)
    ConnectorFactory(available=False)
    assert api.get("/api/v1/connectors?available=false").json["total"] == 1


def test_export_csv_has_every_column(api: Any) -> None:
    ConnecteeFactory(first_name="Zoë", last_name="=HYPERLINK(1)")
    response = api.get("/api/v1/connectees/export.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0]["first_name"] == "Zoë"
    assert rows[0]["last_name"] == "'=HYPERLINK(1)"  # neutralized for spreadsheets
    assert "languages" in rows[0]


def test_erase_removes_personal_data_but_keeps_the_record(api: Any) -> None:
    person = ConnecteeFactory(first_name="Canary", phone="555-0199", notes="private")
    assert api.delete(f"/api/v1/connectees/{person.id}").status_code == 204
    body = api.get(f"/api/v1/connectees/{person.id}").json
    assert body["first_name"] == "Erased"
    assert body["phone"] is None and body["notes"] is None
    assert body["status"] == "deactivated"
    assert body["target_occupation"] == "29-1141"


def test_a_withdrawal_keeps_the_coordinators_note_off_the_audit_log(api: Any) -> None:
    person = ConnectorFactory()
    granted = api.post(
        "/api/v1/consents",
        json={"connector_id": person.id, "purpose": "directory_listing", "policy_version": "1"},
    )
    url = f"/api/v1/consents/{granted.json['id']}/withdraw"
    withdrawn = api.post(url, json={"note": "  Moved to Calgary, asked by phone.  "})
    assert withdrawn.status_code == 200
    assert withdrawn.json["withdrawal_note"] == "Moved to Calgary, asked by phone."
    consent = db.session.get(Consent, granted.json["id"])
    assert consent is not None and consent.withdrawal_note == "Moved to Calgary, asked by phone."
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "consent.withdraw"))
    assert all("Calgary" not in str(event.details) for event in events)
    assert api.post(url, json={"note": "x" * 501}).status_code == 422


def test_consent_grant_and_withdraw(api: Any) -> None:
    person = ConnectorFactory()
    granted = api.post(
        "/api/v1/consents",
        json={
            "connector_id": person.id,
            "purpose": "directory_listing",
            "policy_version": "2026-01",
        },
    )
    assert granted.status_code == 201 and granted.json["active"] is True
    withdrawn = api.post(f"/api/v1/consents/{granted.json['id']}/withdraw")
    assert withdrawn.json["active"] is False and withdrawn.json["withdrawn_by"].startswith("staff:")
    assert api.post(f"/api/v1/consents/{granted.json['id']}/withdraw").status_code == 409
    both = api.post(
        "/api/v1/consents",
        json={
            "connector_id": person.id,
            "connectee_id": 1,
            "purpose": "directory_listing",
            "policy_version": "x",
        },
    )
    assert both.status_code == 422
    assert api.get("/api/v1/consents?active=false").json["total"] == 1


def test_viewer_reads_but_cannot_write(viewer_api: Any) -> None:
    assert viewer_api.get("/api/v1/connectees").status_code == 200
    response = viewer_api.post("/api/v1/connectees", json=NEW_CONNECTEE)
    assert response.status_code == 403


def test_missing_or_bad_token_is_401(client: Any) -> None:
    assert client.get("/api/v1/connectees").status_code == 401
    bad = client.get("/api/v1/connectees", headers={"Authorization": "Bearer cnn_x_y"})
    assert bad.status_code == 401
    assert bad.json["code"] == 401


def test_changing_a_language_level_replaces_the_row(api: Any) -> None:
    created = api.post("/api/v1/connectees", json=NEW_CONNECTEE).json
    response = api.patch(
        f"/api/v1/connectees/{created['id']}",
        json={"languages": [{"language": "eng", "level": "C1"}]},
    )
    assert response.status_code == 200, response.json
    assert response.json["languages"] == [{"language": "eng", "level": "C1"}]


def test_a_language_given_twice_is_rejected(api: Any) -> None:
    response = api.post(
        "/api/v1/connectees",
        json={
            **NEW_CONNECTEE,
            "languages": [{"language": "fra", "level": "C1"}, {"language": "fra", "level": "B1"}],
        },
    )
    assert response.status_code == 422
    assert "languages" in response.json["errors"]["json"]
