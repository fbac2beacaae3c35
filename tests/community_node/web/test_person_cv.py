"""The connectee's CV on the staff person page: shown, downloaded as an attachment, audited."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.participants import cvs
from tests.community_node.factories import ConnecteeFactory
from tests.cv_files import PDF


def _last_action(connectee_id: int) -> str | None:
    return db.session.scalar(
        select(AuditEvent.action)
        .where(AuditEvent.entity_type == "connectee", AuditEvent.entity_id == connectee_id)
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )


def test_staff_see_and_download_it_on_the_person_page(
    app: Flask, staff_client: FlaskClient
) -> None:
    person = ConnecteeFactory()
    db.session.commit()
    page = staff_client.get(f"/connectees/{person.id}")
    assert b"None on file" in page.data
    cvs.put_cv(person.id, "cv.pdf", PDF, actor=f"connectee:{person.id}")
    page = staff_client.get(f"/connectees/{person.id}")
    assert page.status_code == 200 and b"cv.pdf" in page.data
    download = staff_client.get(f"/connectees/{person.id}/cv")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert _last_action(person.id) == "connectee.cv_download"
    assert staff_client.get("/connectees/999999/cv").status_code == 404


def test_the_download_needs_a_signed_in_staff_member(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    db.session.commit()
    cvs.put_cv(person.id, "cv.pdf", PDF, actor="staff:1")
    answer = client.get(f"/connectees/{person.id}/cv")
    assert answer.status_code in (302, 401) and answer.data != PDF
