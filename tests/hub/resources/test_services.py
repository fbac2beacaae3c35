"""Resources with files, translations and versions: the service, the feed and the file API."""

from __future__ import annotations

import hashlib
from typing import Any

import pytest

from hub.errors import InvalidInput
from hub.extensions import db
from hub.resources.files import check_file
from hub.resources.models import ResourceFile
from hub.resources.services import changes_since, publish, revise, unpublish, versions_of
from shared.protocol import ResourceChangesSchema
from tests.hub.federation.conftest import Api
from tests.hub.resources.samples import DOCX, PDF

FIELDS: dict[str, Any] = {
    "kind": "training",
    "title": "Coffee chat training",
    "summary": "How a first meeting goes",
    "body": None,
    "url": None,
    "tags": ["connectors"],
    "language": "en",
    "audience": "connectors",
    "actor": "test",
}
FRENCH = {"language": "fr", "title": "Formation café", "summary": "Une première rencontre"}


def test_a_file_resource_travels_in_the_feed_with_its_digest(hub_app: Any) -> None:
    resource = publish(**FIELDS, file=check_file("training.pdf", PDF), translations=[FRENCH])
    [item] = ResourceChangesSchema().load(
        ResourceChangesSchema().dump({"items": changes_since(0).items, "next": 1, "more": False})
    )["items"]
    assert item["file"] == {
        "name": "training.pdf",
        "media_type": "application/pdf",
        "size": len(PDF),
        "sha256": hashlib.sha256(PDF).hexdigest(),
    }
    assert item["translations"] == [FRENCH] and item["version"] == 1
    assert item["body"] is None and item["url"] is None
    assert db.session.get(ResourceFile, resource.id).data == PDF  # type: ignore[union-attr]


def test_one_content_only(hub_app: Any) -> None:
    with pytest.raises(InvalidInput) as refused:
        publish(**{**FIELDS, "body": "# Text"}, file=check_file("training.pdf", PDF))
    assert refused.value.extra["errors"] == {
        "file_name": ["Give only one of a text, a link or a file (this has a text and a file)."]
    }
    with pytest.raises(InvalidInput) as refused:
        publish(**{**FIELDS, "body": "x"}, translations=[FRENCH, {**FRENCH, "title": "Encore"}])
    assert refused.value.extra["errors"] == {
        "translations": ["The title and summary in “fr” are given twice."]
    }


def test_a_new_version_replaces_the_file_and_keeps_the_history(hub_app: Any) -> None:
    resource = publish(**FIELDS, file=check_file("training.pdf", PDF))
    first_seq = resource.seq
    revise(resource.id, {"title": "Coffee chat training (2027)"}, actor="staff:1", note="Dates")
    assert (resource.version, resource.file_name) == (2, "training.pdf")  # the file stays
    revise(resource.id, {}, file=check_file("training.docx", DOCX), actor="staff:1")
    assert (resource.version, resource.file_name) == (3, "training.docx")
    assert db.session.get(ResourceFile, resource.id).data == DOCX  # type: ignore[union-attr]
    revise(resource.id, {"url": "https://example.org/training"}, actor="staff:1")
    assert (resource.url, resource.file_name) == ("https://example.org/training", None)
    assert db.session.get(ResourceFile, resource.id) is None
    history = [(v.version, v.content, v.file_name, v.note) for v in versions_of(resource.id)]
    assert history == [
        (4, "link", None, None),
        (3, "file", "training.docx", None),
        (2, "file", "training.pdf", "Dates"),
        (1, "file", "training.pdf", None),
    ]
    # Each version is a new change in the feed: nodes replace their copy.
    assert resource.seq > first_seq
    [item] = changes_since(first_seq).items
    assert item["version"] == 4 and item["file"] is None


def test_unpublishing_drops_the_file(hub_app: Any) -> None:
    resource = publish(**FIELDS, file=check_file("training.pdf", PDF))
    unpublish(resource.id, actor="test")
    assert db.session.get(ResourceFile, resource.id) is None
    assert resource.file_name is None and resource.translations == []


def test_nodes_fetch_the_file_with_their_token(halifax_api: Api, hub_app: Any) -> None:
    resource = publish(**FIELDS, file=check_file("Guide été.pdf", PDF))
    response = halifax_api.get(f"/api/v1/resources/{resource.id}/file")
    assert response.status_code == 200
    assert response.data == PDF and response.mimetype == "application/pdf"
    assert response.headers["ETag"] == f'"{hashlib.sha256(PDF).hexdigest()}"'
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "filename*=UTF-8''Guide%20%C3%A9t%C3%A9.pdf" in response.headers["Content-Disposition"]
    without = halifax_api.client.get(f"/api/v1/resources/{resource.id}/file")
    assert without.status_code == 401
    text = publish(**{**FIELDS, "body": "# Steps"})
    assert halifax_api.get(f"/api/v1/resources/{text.id}/file").status_code == 404
    assert halifax_api.get("/api/v1/resources/99999999999/file").status_code == 404
