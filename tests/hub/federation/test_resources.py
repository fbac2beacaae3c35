"""Resources: publish/unpublish from the CLI, the change feed with ETag, 304 and 410."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskCliRunner

from hub.communities.services import Credentials
from hub.database import utcnow
from hub.extensions import db
from hub.resources.models import Resource
from hub.resources.services import compact, publish, unpublish
from shared.protocol import ResourceChangesSchema
from tests.hub.federation.conftest import Api

FEED = "/api/v1/resources/changes"


def add(title: str, **kw: Any) -> Resource:
    fields: dict[str, Any] = {
        "kind": "guide", "title": title, "summary": "How to", "body": "# Steps", "url": None,
        "tags": ["licensing"], "language": "en", "audience": "staff", "actor": "test",
    }  # fmt: skip
    fields.update(kw)
    return publish(**fields)


def test_cli_publishes_lists_and_unpublishes(
    hub_runner: FlaskCliRunner, halifax_api: Api, tmp_path: Path
) -> None:
    body = tmp_path / "guide.md"
    body.write_text("# Getting licensed as a nurse\n", encoding="utf-8")
    result = hub_runner.invoke(
        args=["resources", "publish", "--kind", "guide", "--title", "Nursing licence",
              "--summary", "Steps in Nova Scotia", "--body-file", str(body),
              "--tags", "nursing, licensing", "--language", "en", "--audience", "staff"]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "Published guide 1 (seq 1)" in result.output
    link = hub_runner.invoke(
        args=["resources", "publish", "--kind", "webinar", "--title", "Interview prep",
              "--summary", "Recorded", "--url", "https://example.org/webinar",
              "--audience", "connectees"]
    )  # fmt: skip
    assert link.exit_code == 0, link.output
    listed = hub_runner.invoke(args=["resources", "list"])
    assert "Nursing licence" in listed.output and "Interview prep" in listed.output

    gone = hub_runner.invoke(args=["resources", "unpublish", "1"])
    assert gone.exit_code == 0, gone.output
    assert "Unpublished resource 1 (seq 3)" in gone.output
    assert "Nursing licence" not in hub_runner.invoke(args=["resources", "list"]).output
    assert "unpublished" in hub_runner.invoke(args=["resources", "list", "--all"]).output
    again = hub_runner.invoke(args=["resources", "unpublish", "1"])
    assert again.exit_code != 0 and "No published resource 1" in again.output

    feed = halifax_api.get(f"{FEED}?since=0").get_json()
    assert ResourceChangesSchema().load(feed) == ResourceChangesSchema().load(feed)
    assert feed["items"][0]["title"] == "Interview prep"
    assert feed["items"][0]["url"] == "https://example.org/webinar"
    assert feed["items"][1] == {"id": 1, "seq": 3, "deleted": True}
    assert (feed["next"], feed["more"]) == (3, False)


@pytest.mark.parametrize(
    "args",
    [
        ["--kind", "guide", "--title", "T", "--summary", "S"],  # neither body nor url
        ["--kind", "guide", "--title", "T", "--summary", "S", "--url", "ftp://x.org/a"],
        ["--kind", "poster", "--title", "T", "--summary", "S", "--url", "https://x.org"],
        ["--kind", "guide", "--title", "", "--summary", "S", "--url", "https://x.org"],
    ],
)
def test_cli_refuses_bad_resources(hub_runner: FlaskCliRunner, args: list[str]) -> None:
    result = hub_runner.invoke(args=["resources", "publish", *args])
    assert result.exit_code != 0
    assert db.session.query(Resource).count() == 0


def test_feed_pages_in_seq_order_with_more(halifax_api: Api) -> None:
    for n in range(205):
        add(f"Guide {n}")
    unpublish(3, actor="test")
    first = halifax_api.get(f"{FEED}?since=0")
    body = first.get_json()
    assert first.headers["ETag"] == '"206"'
    assert len(body["items"]) == 200 and body["more"] is True
    seqs = [item["seq"] for item in body["items"]]
    assert seqs == sorted(seqs) and seqs[0] == 1 and body["next"] == seqs[-1]
    assert all(item["id"] != 3 for item in body["items"])  # moved to its tombstone's seq

    rest = halifax_api.get(f"{FEED}?since={body['next']}").get_json()
    assert rest["more"] is False
    assert rest["items"][-1] == {"id": 3, "seq": 206, "deleted": True}
    assert rest["next"] == 206


def test_etag_and_304(halifax_api: Api) -> None:
    add("One")
    add("Two")
    response = halifax_api.get(f"{FEED}?since=0")
    etag = response.headers["ETag"]
    assert etag == '"2"'
    # Caught up and unchanged: 304 with no body.
    same = halifax_api.get(f"{FEED}?since=2", headers={"If-None-Match": etag})
    assert same.status_code == 304 and same.get_data() == b""
    assert same.headers["ETag"] == etag
    # An ETag must never hide items after an older cursor.
    behind = halifax_api.get(f"{FEED}?since=1", headers={"If-None-Match": etag})
    assert behind.status_code == 200 and len(behind.get_json()["items"]) == 1
    add("Three")
    changed = halifax_api.get(f"{FEED}?since=2", headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert [i["title"] for i in changed.get_json()["items"]] == ["Three"]
    assert changed.headers["ETag"] == '"3"'


def test_expired_or_unknown_cursor_is_410(halifax_api: Api) -> None:
    add("Kept")
    old = add("Old")
    add("Other")
    unpublish(old.id, actor="test")  # seq 4
    add("Newer")  # seq 5
    tombstone = db.session.get(Resource, old.id)
    assert tombstone is not None
    tombstone.deleted_at = utcnow() - dt.timedelta(days=91)
    db.session.commit()
    assert compact() == 1

    assert halifax_api.get(f"{FEED}?since=3").status_code == 410
    gone = halifax_api.get(f"{FEED}?since=1")
    assert gone.status_code == 410 and gone.get_json()["code"] == 410
    assert halifax_api.get(f"{FEED}?since=4").status_code == 200
    fresh = halifax_api.get(f"{FEED}?since=0").get_json()
    assert [i["title"] for i in fresh["items"]] == ["Kept", "Other", "Newer"]
    # A cursor from the future (the hub was restored from an older backup) is also gone.
    assert halifax_api.get(f"{FEED}?since=99").status_code == 410


def test_feed_needs_resources_read(api_for: Callable[..., Api], halifax: Credentials) -> None:
    assert api_for(halifax, "profiles:write").get(f"{FEED}?since=0").status_code == 403
    assert api_for(halifax, "resources:read").get(f"{FEED}?since=0").status_code == 200


def test_cli_publishes_a_file_checked_by_its_contents(
    hub_runner: FlaskCliRunner, halifax_api: Api, tmp_path: Path
) -> None:
    pdf = tmp_path / "guide.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%%EOF\n")
    args = ["resources", "publish", "--kind", "training", "--title", "Coffee chats",
            "--summary", "How a first meeting goes"]  # fmt: skip
    result = hub_runner.invoke(args=[*args, "--file", str(pdf)])
    assert result.exit_code == 0, result.output
    [item] = ResourceChangesSchema().load(halifax_api.get(FEED).get_json())["items"]
    assert item["file"]["name"] == "guide.pdf" and item["body"] is None
    fake = tmp_path / "fake.pdf"
    fake.write_text("<html></html>")
    refused = hub_runner.invoke(args=[*args, "--file", str(fake)])
    assert refused.exit_code == 2 and "named like a PDF but is not one" in refused.output
    both = hub_runner.invoke(args=[*args, "--file", str(pdf), "--url", "https://example.org"])
    assert both.exit_code == 2 and "exactly one of --body-file, --url and --file" in both.output
