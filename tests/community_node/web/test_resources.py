"""The node's copy of the shared resources: searched, in the reader's language, files
fetched from the hub and checked against the digest the feed announced."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from community_node.auth.models import Role
from community_node.extensions import db
from community_node.sync import connection as hub_connection
from community_node.sync.models import HubResource
from shared.hubclient import HubUnavailable
from tests.community_node.sync.fakehub import FakeHub
from tests.community_node.web.test_hub import _login

PDF = b"%PDF-1.4\n%%EOF\n"


def resource(resource_id: int, **fields: Any) -> HubResource:
    values: dict[str, Any] = {
        "seq": resource_id,
        "kind": "guide",
        "title": f"Guide {resource_id}",
        "summary": "How to",
        "body": "# Steps",
        "url": None,
        "tags": [],
        "language": "en",
        "translations": [],
        "audience": "staff",
        "version": 1,
        "published_at": dt.datetime(2026, 11, resource_id, tzinfo=dt.UTC),
        **fields,
    }
    row = HubResource(id=resource_id, **values)
    db.session.add(row)
    db.session.commit()
    return row


@pytest.fixture
def viewer(app: Flask) -> FlaskClient:
    return _login(app, Role.VIEWER)


@pytest.fixture
def library(app: Flask) -> dict[str, HubResource]:
    return {
        "nursing": resource(
            1,
            title="Nursing licence in Nova Scotia",
            summary="The steps and fees",
            tags=["licensing"],
            translations=[
                {"language": "ar", "title": "ترخيص التمريض", "summary": "الخطوات والرسوم"},
                {"language": "es", "title": "Licencia de enfermería", "summary": "Pasos"},
            ],
        ),
        "coffee": resource(
            2,
            kind="training",
            title="Coffee chat training",
            audience="connectors",
            body=None,
            file_name="coffee chat.pdf",
            file_media_type="application/pdf",
            file_size=len(PDF),
            file_sha256=hashlib.sha256(PDF).hexdigest(),
        ),
    }


def ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<article data-id="(\d+)"', html)]


def test_the_library_lists_newest_first_and_searches_every_language(
    viewer: FlaskClient, library: dict[str, HubResource]
) -> None:
    assert ids(viewer.get("/resources").text) == [2, 1]
    assert ids(viewer.get("/resources?q=enfermería").text) == [1]
    assert ids(viewer.get("/resources?q=LICENSING").text) == [1]
    assert ids(viewer.get("/resources?kind=training").text) == [2]
    assert ids(viewer.get("/resources?audience=connectors").text) == [2]
    assert "No resources match." in viewer.get("/resources?q=astronaut").text
    bad = viewer.get("/resources?kind=poster")
    assert bad.status_code == 200 and "Kind: Must be one of" in bad.text
    assert ids(bad.text) == [2, 1]  # the bad filter is dropped, said, and the rest shown


def test_titles_show_in_the_readers_language_where_one_was_written(
    viewer: FlaskClient, library: dict[str, HubResource]
) -> None:
    arabic = viewer.get("/resources/1", headers={"Accept-Language": "ar-SY,ar;q=0.9,en;q=0.5"})
    assert '<h1 lang="ar" dir="rtl">ترخيص التمريض</h1>' in arabic.text
    spanish = viewer.get("/resources", headers={"Accept-Language": "es-MX"}).text
    assert "Licencia de enfermería" in spanish and "Coffee chat training" in spanish
    french = viewer.get("/resources/1", headers={"Accept-Language": "fr-CA"}).text
    assert '<h1 lang="en">Nursing licence in Nova Scotia</h1>' in french
    assert "titre et résumé aussi en" in french  # the staff pages' own words are French
    english = viewer.get("/resources/1", headers={"Accept-Language": "en-CA"}).text
    assert "title and summary also in Arabic, Spanish" in english


def test_a_file_is_fetched_from_the_hub_and_checked(
    app: Flask, viewer: FlaskClient, library: dict[str, HubResource]
) -> None:
    unconnected = viewer.get("/resources/2/file")
    assert unconnected.status_code == 503
    assert "not connected to the hub" in unconnected.text

    hub = FakeHub(files={2: PDF})
    hub_connection.connect(
        "https://hub.example.org", "cid", "secret", actor="test", client_factory=hub.factory()
    )
    app.config["SYNC_CLIENT_FACTORY"] = hub.factory()
    page = viewer.get("/resources/2").text
    assert 'href="/resources/2/file">Download coffee chat.pdf</a>' in page
    response = viewer.get("/resources/2/file")
    assert response.status_code == 200 and response.data == PDF
    assert response.mimetype == "application/pdf"
    assert "filename*=UTF-8''coffee%20chat.pdf" in response.headers["Content-Disposition"]

    hub.files[2] = b"%PDF-1.4 something else"
    changed = viewer.get("/resources/2/file")
    assert changed.status_code == 503 and "after the next sync" in changed.text
    hub.fail_on["resource_file"] = HubUnavailable("down")
    assert viewer.get("/resources/2/file").status_code == 503
    assert viewer.get("/resources/1/file").status_code == 404  # a text has no file
    assert viewer.get("/resources/99999999999").status_code == 404
