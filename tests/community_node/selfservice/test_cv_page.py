"""A connectee's CV from their own page: sent, replaced, removed, refused in their language."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from community_node.audit.models import AuditEvent
from community_node.extensions import db
from community_node.mail import links
from community_node.mail.links import LinkPurpose
from community_node.participants import cvs, services
from community_node.participants.models import ConnecteeCV
from tests.community_node.factories import ConnecteeFactory, ConnectorFactory
from tests.cv_files import FAKE_PDF, PDF, docx


def own_page(person: Any, purpose: LinkPurpose = LinkPurpose.CONNECTEE_PAGE) -> str:
    token = links.make_token(purpose, person.id)
    db.session.commit()
    return f"/me/{token}"


def send(client: FlaskClient, page: str, name: str, data: bytes, **kw: Any) -> Any:
    # Encoded in memory: the test client spools a large body to a temporary file it
    # never closes (a ResourceWarning, an error here).
    boundary, body = encode_multipart(
        MultiDict({"cv": FileStorage(io.BytesIO(data), filename=name)})
    )
    return client.post(
        f"{page}/cv", data=body, content_type=f"multipart/form-data; boundary={boundary}", **kw
    )


def stored(connectee_id: int) -> ConnecteeCV | None:
    db.session.expire_all()
    return db.session.get(ConnecteeCV, connectee_id)


def test_the_page_shows_the_form(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    page = client.get(own_page(person))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in html and 'name="cv" type="file"' in html
    assert "No CV on file yet." in html


def test_upload_replace_and_remove(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    sent = send(client, page, "my cv.pdf", PDF)
    assert sent.status_code == 303 and sent.headers["Location"].endswith(page)
    cv = stored(person.id)
    assert cv is not None and cv.data == PDF and cv.file_name == "my cv.pdf"
    shown = client.get(page).get_data(as_text=True)
    assert "Your CV is saved." in shown and "my cv.pdf" in shown and "Remove my CV" in shown

    assert send(client, page, "cv.docx", docx()).status_code == 303
    cv = stored(person.id)
    assert cv is not None and cv.file_name == "cv.docx"

    removed = client.post(f"{page}/cv/remove")
    assert removed.status_code == 303 and stored(person.id) is None
    assert "Your CV is removed." in client.get(page).get_data(as_text=True)
    actors = set(
        db.session.scalars(select(AuditEvent.actor).where(AuditEvent.entity_id == person.id))
    )
    assert actors == {f"connectee:{person.id}"}


def test_a_file_of_another_kind_is_refused_beside_the_field(
    app: Flask, client: FlaskClient
) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    refused = send(client, page, "cv.pdf", FAKE_PDF)
    assert refused.status_code == 422
    html = refused.get_data(as_text=True)
    assert 'id="f-cv-error"' in html and "not really a PDF" in html
    assert 'aria-invalid="true"' in html
    assert send(client, page, "cv.exe", PDF).status_code == 422
    nothing = client.post(f"{page}/cv", data={}, content_type="multipart/form-data")
    assert nothing.status_code == 422 and "Choose the file of your CV." in nothing.get_data(
        as_text=True
    )
    assert stored(person.id) is None


def test_a_file_over_the_limit_is_refused_not_a_server_error(
    app: Flask, client: FlaskClient
) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    big = PDF + b"0" * cvs.MAX_CV_BYTES
    refused = send(client, page, "cv.pdf", big)
    assert refused.status_code == 413
    assert "at most 5 MB" in refused.get_data(as_text=True)
    assert stored(person.id) is None


@pytest.mark.parametrize(
    "app_config",
    [
        {"MAX_CONTENT_LENGTH": 1024 * 1024},
        # As served: the CSRF check reads the form first, and meets the limit there.
        {"MAX_CONTENT_LENGTH": 1024 * 1024, "WTF_CSRF_ENABLED": True},
    ],
    ids=["view", "csrf"],
)
def test_a_body_over_the_request_limit_still_gets_the_page(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    refused = send(client, page, "cv.pdf", PDF + b"0" * (2 * 1024 * 1024))
    assert refused.status_code == 413
    html = refused.get_data(as_text=True)
    assert 'id="f-cv-error"' in html and "at most 5 MB" in html
    # A connector's link (404 before the body is read; 413 where CSRF reads it first), or
    # a broken one, gets the usual answers, never a 500.
    big = PDF + b"0" * (2 * 1024 * 1024)
    connector = own_page(ConnectorFactory(), LinkPurpose.CONNECTOR_PAGE)
    assert send(client, connector, "cv.pdf", big).status_code in (404, 413)
    assert send(client, "/me/not-a-token", "cv.pdf", big).status_code == 400


def test_the_error_is_in_the_persons_language(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    refused = send(client, page, "cv.pdf", FAKE_PDF, headers={"Accept-Language": "fr"})
    assert refused.status_code == 422
    assert "PDF, Word ou OpenDocument" in refused.get_data(as_text=True)


def test_connectors_have_no_cv_form(app: Flask, client: FlaskClient) -> None:
    connector = ConnectorFactory()
    page = own_page(connector, LinkPurpose.CONNECTOR_PAGE)
    assert 'name="cv"' not in client.get(page).get_data(as_text=True)
    assert send(client, page, "cv.pdf", PDF).status_code == 404


def test_an_erased_connectee_can_send_nothing(app: Flask, client: FlaskClient) -> None:
    person = ConnecteeFactory()
    page = own_page(person)
    assert send(client, page, "cv.pdf", PDF).status_code == 303
    services.erase_person(services.CONNECTEES, person.id, actor="staff:1")
    assert stored(person.id) is None
    assert send(client, page, "cv.pdf", PDF).status_code == 410
    assert stored(person.id) is None
