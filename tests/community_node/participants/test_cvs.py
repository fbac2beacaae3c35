"""A connectee's CV: the service's checks, the staff API, the staff page, erasure."""

from __future__ import annotations

import io
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from community_node.audit.models import AuditEvent
from community_node.errors import Conflict, NotFound
from community_node.extensions import db
from community_node.participants import cvs, services
from community_node.participants.models import Connectee, ConnecteeCV
from tests.community_node.factories import ConnecteeFactory
from tests.cv_files import FAKE_PDF, PDF, docx, odt


def _connectee(**kw: Any) -> Connectee:
    person = ConnecteeFactory(**kw)
    db.session.commit()
    return person


def _stored(connectee_id: int) -> ConnecteeCV | None:
    db.session.expire_all()
    return db.session.get(ConnecteeCV, connectee_id)


def _actions(connectee_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "connectee", AuditEvent.entity_id == connectee_id)
            .order_by(AuditEvent.id)
        )
    )


# The checks ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "media_type"),
    [
        ("cv.pdf", PDF, "application/pdf"),
        ("Lebenslauf.DOCX", docx(), cvs.ACCEPTED["docx"].media_type),
        ("cv.odt", odt(), "application/vnd.oasis.opendocument.text"),
    ],
)
def test_each_accepted_kind_is_recognised_by_its_content(
    name: str, data: bytes, media_type: str
) -> None:
    checked = cvs.check_cv(name, data)
    assert checked.media_type == media_type and checked.data == data


@pytest.mark.parametrize(
    ("name", "data", "problem"),
    [
        ("cv.exe", PDF, cvs.CVProblem.TYPE),
        ("cv", PDF, cvs.CVProblem.TYPE),
        ("cv.html", b"<html>", cvs.CVProblem.TYPE),
        ("cv.pdf", b"", cvs.CVProblem.EMPTY),
        ("cv.pdf", FAKE_PDF, cvs.CVProblem.NOT_GENUINE),
        ("cv.docx", odt(), cvs.CVProblem.NOT_GENUINE),  # a ZIP, but not a Word document
        ("cv.odt", docx(), cvs.CVProblem.NOT_GENUINE),
        ("cv.docx", b"PK\x03\x04 not really a zip", cvs.CVProblem.NOT_GENUINE),
        ("cv.pdf", PDF + b"\x00" * cvs.MAX_CV_BYTES, cvs.CVProblem.TOO_LARGE),
    ],
)
def test_anything_else_is_refused_with_its_reason(
    name: str, data: bytes, problem: cvs.CVProblem
) -> None:
    with pytest.raises(cvs.CVRefused) as refused:
        cvs.check_cv(name, data)
    assert refused.value.problem is problem
    assert refused.value.status == 422 and list(refused.value.extra["errors"]) == ["cv"]


def test_the_name_is_kept_but_made_safe() -> None:
    assert cvs.check_cv('../../etc/"Olena"\r\nCV.pdf', PDF).name == "OlenaCV.pdf"


# The service -------------------------------------------------------------------------------


def test_upload_replace_and_remove(app: Flask) -> None:
    person = _connectee(resume_on_file=False)
    cv = cvs.put_cv(person.id, "cv.pdf", PDF, actor="connectee:1")
    assert (cv.file_name, cv.file_size, cv.file_media_type) == (
        "cv.pdf",
        len(PDF),
        "application/pdf",
    )
    assert db.session.get(Connectee, person.id).resume_on_file is True  # type: ignore[union-attr]

    cvs.put_cv(person.id, "new.odt", odt(), actor="staff:1")
    stored = _stored(person.id)
    assert stored is not None and stored.file_name == "new.odt" and stored.data == odt()
    assert db.session.scalar(select(func.count()).select_from(ConnecteeCV)) == 1

    assert cvs.remove_cv(person.id, actor="connectee:1") is True
    assert _stored(person.id) is None
    assert db.session.get(Connectee, person.id).resume_on_file is False  # type: ignore[union-attr]
    assert cvs.remove_cv(person.id, actor="connectee:1") is False
    assert _actions(person.id) == [
        "connectee.cv_upload",
        "connectee.cv_replace",
        "connectee.cv_remove",
    ]


def test_a_refused_file_changes_nothing(app: Flask) -> None:
    person = _connectee()
    cvs.put_cv(person.id, "cv.pdf", PDF, actor="staff:1")
    with pytest.raises(cvs.CVRefused):
        cvs.put_cv(person.id, "cv.pdf", FAKE_PDF, actor="staff:1")
    db.session.rollback()
    stored = _stored(person.id)
    assert stored is not None and stored.data == PDF


def test_unknown_and_erased_connectees(app: Flask) -> None:
    with pytest.raises(NotFound):
        cvs.put_cv(999_999, "cv.pdf", PDF, actor="staff:1")
    with pytest.raises(NotFound):
        cvs.cv_file(999_999, actor="staff:1")
    person = _connectee()
    with pytest.raises(NotFound):
        cvs.cv_file(person.id, actor="staff:1")
    services.erase_person(services.CONNECTEES, person.id, actor="staff:1")
    with pytest.raises(Conflict):
        cvs.put_cv(person.id, "cv.pdf", PDF, actor="staff:1")


def test_erasure_deletes_the_file(app: Flask) -> None:
    person = _connectee()
    other = _connectee()
    cvs.put_cv(person.id, "Olena Kovalenko CV.pdf", PDF, actor="connectee:1")
    cvs.put_cv(other.id, "cv.pdf", PDF, actor="staff:1")
    services.erase_person(services.CONNECTEES, person.id, actor="staff:1")
    assert _stored(person.id) is None
    assert _stored(other.id) is not None  # only theirs
    erased = db.session.get(Connectee, person.id)
    assert erased is not None and erased.resume_on_file is False


def test_the_audit_log_never_names_the_file(app: Flask) -> None:
    person = _connectee()
    cvs.put_cv(person.id, "Olena Kovalenko CV.pdf", PDF, actor="connectee:1")
    cvs.cv_file(person.id, actor="staff:1")
    details = db.session.scalars(
        select(AuditEvent.details).where(AuditEvent.entity_id == person.id)
    ).all()
    assert details and all("Kovalenko" not in str(d) for d in details)


# The staff API -----------------------------------------------------------------------------


def _put(api: Any, url: str, name: str, data: bytes) -> Any:
    return api.client.put(
        url,
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=api._headers(None),
    )


def test_api_put_get_delete(api: Any) -> None:
    person = _connectee()
    url = f"/api/v1/connectees/{person.id}/cv"
    assert api.get(url).status_code == 404

    put = _put(api, url, "cv.docx", docx())
    assert put.status_code == 200, put.json
    assert put.json["file_name"] == "cv.docx" and put.json["size"] == len(docx())
    assert "data" not in put.json

    got = api.get(url)
    assert got.status_code == 200 and got.data == docx()
    assert got.headers["Content-Disposition"].startswith('attachment; filename="cv.docx"')
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.mimetype == cvs.ACCEPTED["docx"].media_type
    assert "connectee.cv_download" in _actions(person.id)

    assert api.delete(url).status_code == 204
    assert api.get(url).status_code == 404
    assert api.delete(url).status_code == 204  # nothing to remove: still done


def test_api_refuses_a_file_that_is_not_a_cv(api: Any) -> None:
    person = _connectee()
    url = f"/api/v1/connectees/{person.id}/cv"
    refused = _put(api, url, "cv.pdf", FAKE_PDF)
    assert refused.status_code == 422
    assert list(refused.json["errors"]) == ["cv"]
    missing = api.client.put(url, data={}, headers=api._headers(None))
    assert missing.status_code == 422
    assert _put(api, "/api/v1/connectees/999999/cv", "cv.pdf", PDF).status_code == 404


def test_api_viewers_read_but_never_write(api: Any, viewer_api: Any) -> None:
    person = _connectee()
    url = f"/api/v1/connectees/{person.id}/cv"
    assert _put(api, url, "cv.pdf", PDF).status_code == 200
    assert viewer_api.get(url).status_code == 200
    assert _put(viewer_api, url, "cv.pdf", PDF).status_code == 403
    assert viewer_api.delete(url).status_code == 403


def test_the_cv_is_not_in_the_connectee_resource_or_its_export(api: Any) -> None:
    person = _connectee()
    cvs.put_cv(person.id, "canary-cv.pdf", PDF, actor="staff:1")
    body = api.get(f"/api/v1/connectees/{person.id}").get_data()
    export = api.get("/api/v1/connectees/export.csv").get_data()
    for answer in (body, export):
        assert b"canary-cv" not in answer and b"%PDF" not in answer


def test_openapi_documents_the_cv_operations(client: FlaskClient) -> None:
    spec = client.get("/api/v1/openapi.json").json
    path = next(p for p in spec["paths"] if p.endswith("/connectees/{person_id}/cv"))
    assert set(spec["paths"][path]) >= {"get", "put", "delete"}
    put = spec["paths"][path]["put"]
    assert "multipart/form-data" in put["requestBody"]["content"]
    got = spec["paths"][path]["get"]["responses"]["200"]["content"]
    assert set(got) == {fmt.media_type for fmt in cvs.ACCEPTED.values()}
