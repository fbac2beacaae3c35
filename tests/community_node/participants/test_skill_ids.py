"""Free-text skills are normalized to ESCO skill ids on create, update and import."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from community_node.extensions import db
from community_node.participants.models import Connectee, Connector
from shared.taxonomy import default_skills

PYTHON = "ccd0a1d9-afda-43d9-b901-96344886e14d"
CUSTOMER_SERVICE = "15a33d76-4640-438d-ae64-fdc0c1d3eebc"


def patient_care() -> str:
    match = default_skills().normalize("patient care")
    assert match is not None
    return match.id


def test_create_and_update_fill_skill_ids(api: Any) -> None:
    created = api.post(
        "/api/v1/connectees",
        json={
            "first_name": "Amira",
            "last_name": "Haddad",
            "email": "amira@example.org",
            "skills": ["Pateint care", "zzqx florb", "python; customer service"],
        },
    )
    assert created.status_code == 201, created.json
    connectee = db.session.get(Connectee, created.json["id"])
    assert connectee is not None
    # Typo tolerated, garbage dropped, a field holding two skills split.
    assert connectee.skill_ids == [patient_care(), PYTHON, CUSTOMER_SERVICE]
    changed = api.patch(f"/api/v1/connectees/{connectee.id}", json={"skills": ["Customer Service"]})
    assert changed.status_code == 200, changed.json
    db.session.refresh(connectee)
    assert connectee.skill_ids == [CUSTOMER_SERVICE]
    cleared = api.patch(f"/api/v1/connectees/{connectee.id}", json={"skills": []})
    assert cleared.status_code == 200
    db.session.refresh(connectee)
    assert connectee.skill_ids == []


def test_import_fills_skill_ids_on_insert_and_update(api: Any) -> None:
    def upload(skills: str) -> Any:
        text = f'first_name,last_name,email,skills\nSam,Lee,sam@example.org,"{skills}"\n'
        return api.post(
            "/api/v1/imports/connectors",
            data={"file": (io.BytesIO(text.encode()), "c.csv")},
            content_type="multipart/form-data",
        )

    assert upload("patient care; Python").status_code == 200
    connector = db.session.scalars(select(Connector)).one()
    assert connector.skill_ids == [patient_care(), PYTHON]
    response = upload("customer service")
    assert response.status_code == 200, response.json
    assert response.json["updated"] == 1
    db.session.expire_all()
    assert db.session.scalars(select(Connector)).one().skill_ids == [CUSTOMER_SERVICE]
