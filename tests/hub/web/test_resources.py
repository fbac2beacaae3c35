"""The resources page: everyone reads; coordinators and admins publish and unpublish."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from hub.audit.models import AuditEvent
from hub.auth.models import Role, StaffUser
from hub.extensions import db
from hub.resources.models import Resource
from hub.resources.services import changes_since, list_resources, publish
from tests.hub.resources.samples import DOCX, PDF
from tests.hub.web.conftest import alerts

GUIDE: dict[str, str] = {
    "kind": "guide",
    "title": "Getting licensed as a nurse",
    "summary": "The steps in Nova Scotia",
    "body": "# Steps\n\n1. Apply to the NSCN",
    "url": "",
    "tags": "nursing, licensing",
    "language": "en",
    "audience": "staff",
}


def published(**changes: Any) -> Resource:
    fields: dict[str, Any] = {
        "kind": "faq", "title": "Credential recognition FAQ", "summary": "", "body": None,
        "url": "https://example.org/faq", "tags": [], "language": "fr", "audience": "all",
    }  # fmt: skip
    fields.update(changes)
    return publish(**fields, actor="test")


def test_everyone_reads_the_list(viewer: FlaskClient) -> None:
    faq = published()
    html = viewer.get("/resources").text
    assert f'<tr data-id="{faq.id}">' in html
    assert '<a href="https://example.org/faq" rel="noopener noreferrer">' in html
    assert 'id="publish"' not in html and "Unpublish" not in html


@pytest.mark.parametrize("role", [Role.COORDINATOR, Role.ADMIN])
def test_coordinators_and_admins_publish(
    session_for: Callable[[Role], FlaskClient],
    staff: Callable[[Role], StaffUser],
    role: Role,
) -> None:
    client = session_for(role)
    assert 'id="publish"' in client.get("/resources").text
    response = client.post("/resources", data=GUIDE)
    [resource] = list_resources()
    assert response.status_code == 303
    assert response.headers["Location"] == f"/resources/{resource.id}"
    page = client.get(response.headers["Location"]).text
    assert alerts(page) == [
        "Published the guide “Getting licensed as a nurse”: every node receives it."
    ]

    assert (resource.kind, resource.title, resource.language) == ("guide", GUIDE["title"], "en")
    assert resource.body == GUIDE["body"] and resource.url is None
    assert resource.tags == ["nursing", "licensing"]
    assert [item["title"] for item in changes_since(0).items] == [GUIDE["title"]]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "resource.publish"))
    assert event is not None and event.actor == f"staff:{staff(role).id}"


def test_a_link_instead_of_a_body(coordinator: FlaskClient) -> None:
    data = {**GUIDE, "kind": "webinar", "body": "", "url": "https://example.org/webinar"}
    assert coordinator.post("/resources", data=data).status_code == 303
    [resource] = list_resources()
    assert (resource.body, resource.url) == (None, "https://example.org/webinar")


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"url": "https://example.org/x"},
            "url",
            "Give only one of a text, a link or a file (this has a text and a link).",
        ),
        ({"body": ""}, "body", "Write a text, give a link or upload a file."),
        ({"body": "", "url": "ftp://example.org/x"}, "url", "Not a valid URL."),
        ({"title": ""}, "title", "Length must be between 1 and 200."),
        ({"title": "t" * 201}, "title", "Length must be between 1 and 200."),
        ({"language": "English"}, "language", "Choose a language from the list."),
        ({"tags": "ok, " + "t" * 41}, "tags", "Length must be between 1 and 40."),
        ({"kind": "poster"}, "kind", "Choose one of the categories in the list."),
        ({"audience": "press"}, "audience", "Choose who the resource is for from the list."),
    ],
)
def test_bad_resources_are_422_beside_their_field(
    coordinator: FlaskClient, changes: dict[str, str], field: str, message: str
) -> None:
    response = coordinator.post("/resources", data={**GUIDE, **changes})
    assert response.status_code == 422
    assert f'<small id="{field}-error" class="error">{message}</small>' in response.text
    # The field says it is invalid and points at its message, for screen readers.
    described = rf'aria-describedby="[^"]*{field}-error" aria-invalid="true" id="{field}"'
    assert re.search(described, response.text)
    assert list_resources(include_deleted=True) == []


def test_unpublish_leaves_a_tombstone(coordinator: FlaskClient) -> None:
    faq = published()
    response = coordinator.post(f"/resources/{faq.id}/unpublish")
    assert (response.status_code, response.headers["Location"]) == (303, "/resources")
    page = coordinator.get("/resources").text
    assert alerts(page) == ["Unpublished “Credential recognition FAQ”: nodes drop their copy."]
    assert f'<tr data-id="{faq.id}">' not in page
    everything = coordinator.get("/resources?all=1").text
    assert f'<tr data-id="{faq.id}">' in everything and "unpublished" in everything
    assert changes_since(0).items == [{"id": faq.id, "seq": 2, "deleted": True}]
    assert coordinator.post(f"/resources/{faq.id}/unpublish").status_code == 404
    assert coordinator.post("/resources/99/unpublish").status_code == 404
    assert coordinator.post(f"/resources/{2**40}/unpublish").status_code == 404


def test_viewers_cannot_publish_or_unpublish(viewer: FlaskClient) -> None:
    faq = published()
    response = viewer.post("/resources", data=GUIDE)
    assert response.status_code == 403 and "This needs the coordinator role." in response.text
    assert viewer.post(f"/resources/{faq.id}/unpublish").status_code == 403
    assert [r.id for r in list_resources()] == [faq.id]


def upload(data: bytes, name: str) -> tuple[io.BytesIO, str]:
    return io.BytesIO(data), name


def test_a_file_is_uploaded_downloaded_and_replaced_by_a_new_version(
    coordinator: FlaskClient, viewer: FlaskClient
) -> None:
    form = {**GUIDE, "body": "", "file": upload(PDF, "Licensing guide.pdf")}
    form |= {"translations-0-language": "fr", "translations-0-title": "Guide de licence"}
    response = coordinator.post("/resources", data=form, content_type="multipart/form-data")
    assert response.status_code == 303, response.text
    [resource] = list_resources()
    assert (resource.file_name, resource.body, resource.version) == ("Licensing guide.pdf", None, 1)
    assert resource.translations == [{"language": "fr", "title": "Guide de licence", "summary": ""}]
    page = viewer.get(f"/resources/{resource.id}").text
    assert "Download Licensing guide.pdf" in page and "Guide de licence" in page
    assert 'id="revise"' not in page  # a viewer reads only
    download = viewer.get(f"/resources/{resource.id}/file")
    assert download.data == PDF and download.mimetype == "application/pdf"

    revised = {**GUIDE, "body": "", "note": "Updated fees", "file": upload(DOCX, "guide.docx")}
    response = coordinator.post(
        f"/resources/{resource.id}", data=revised, content_type="multipart/form-data"
    )
    assert response.status_code == 303
    page = coordinator.get(f"/resources/{resource.id}").text
    assert "Published version 2 of “Getting licensed as a nurse”." in alerts(page)
    assert "Updated fees" in page and "guide.docx" in page
    assert coordinator.get(f"/resources/{resource.id}/file").data == DOCX
    # A new version without a new file keeps the file.
    response = coordinator.post(f"/resources/{resource.id}", data={**GUIDE, "body": ""})
    assert response.status_code == 303
    db.session.expire_all()
    assert (resource.version, resource.file_name) == (3, "guide.docx")
    assert viewer.post(f"/resources/{resource.id}", data=GUIDE).status_code == 403


def test_a_file_that_is_not_what_it_says_is_refused_beside_the_file_field(
    coordinator: FlaskClient,
) -> None:
    form = {**GUIDE, "body": "", "file": upload(b"<html></html>", "guide.pdf")}
    response = coordinator.post("/resources", data=form, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "“guide.pdf” is named like a PDF but is not one." in response.text
    assert re.search(r'aria-invalid="true" id="file"', response.text)
    assert list_resources(include_deleted=True) == []


def test_a_translation_row_shows_its_own_errors(coordinator: FlaskClient) -> None:
    form = {**GUIDE, "translations-1-language": "es", "translations-1-title": ""}
    response = coordinator.post("/resources", data=form)
    assert response.status_code == 422
    assert '<small id="translations-1-title-error" class="error">' in response.text
    assert list_resources(include_deleted=True) == []


def test_the_library_is_searched_by_words_and_category(viewer: FlaskClient) -> None:
    faq = published(title="Credential recognition FAQ", tags=["credentials"])
    guide = published(kind="guide", title="Nursing licence", translations=[
        {"language": "es", "title": "Licencia de enfermería", "summary": "Pasos"}
    ])  # fmt: skip
    assert f'data-id="{guide.id}"' in viewer.get("/resources?q=enfermería").text
    found = viewer.get("/resources?q=credential").text
    assert f'data-id="{faq.id}"' in found and f'data-id="{guide.id}"' not in found
    by_kind = viewer.get("/resources?kind=guide").text
    assert f'data-id="{guide.id}"' in by_kind and f'data-id="{faq.id}"' not in by_kind
    assert "No resources match." in viewer.get("/resources?q=astronaut").text
