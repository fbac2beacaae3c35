"""The resources library end to end, in a real browser against real servers: national
staff publish a file with a French title on the hub; a node syncs over HTTP; its
coordinator finds it in French and downloads the very file."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from community_node.sync import connection as hub_connection
from community_node.sync.run import run_sync
from hub.communities.services import Credentials
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in, seeded_node, serving
from tests.browser.test_hub_ui import ADMIN, seeded_hub
from tests.hub.resources.samples import PDF

pytestmark = pytest.mark.browser


@dataclass(frozen=True)
class Federation:
    hub_url: str
    node_url: str
    node_app: Flask


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Federation]:
    tmp = tmp_path_factory.mktemp("resources")
    with (
        seeded_hub(_dir(tmp, "hub")) as (hub_app, creds),
        serving(hub_app) as hub_url,
        seeded_node(_dir(tmp, "node")) as node_app,
    ):
        _connect(node_app, hub_url, creds["halifax"])
        with serving(node_app) as node_url:
            yield Federation(hub_url, node_url, node_app)


def _dir(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.mkdir(exist_ok=True)
    return path


def _connect(node_app: Flask, hub_url: str, creds: Credentials) -> None:
    with node_app.app_context():
        hub_connection.connect(hub_url, creds.client_id, creds.client_secret, actor="test")


@pytest.fixture(scope="module")
def live_server(federation: Federation) -> str:
    """``page`` opens the hub first; the test goes to the node by its full URL."""
    return federation.hub_url


def test_a_file_published_on_the_hub_reaches_the_node_in_french(
    page: Any, browser: Any, federation: Federation, tmp_path: Path
) -> None:
    guide = tmp_path / "Guide de licence.pdf"
    guide.write_bytes(PDF)
    log_in(page, ADMIN)
    page.get_by_role("link", name="Resources").click()
    page.wait_for_url(re.compile(r"/resources$"))
    form = page.locator("#publish")
    form.get_by_label("Category").select_option("guide")
    form.get_by_label("Title", exact=True).fill("Nursing licence guide")
    form.get_by_label("Summary", exact=True).fill("Steps and fees in Nova Scotia")
    form.get_by_label("Link").fill("https://example.org/guide")
    form.get_by_label("File").set_input_files(str(guide))
    form.get_by_role("button", name="Publish").click()
    # Both a link and a file: refused beside the field, in the form's own words.
    assert "Give only one of a text, a link or a file" in page.locator("#file-error").inner_text()
    check_page(page, "hub resources with an error")

    form = page.locator("#publish")
    form.get_by_label("Link").fill("")
    form.get_by_label("File").set_input_files(str(guide))
    form.locator("#translations-0-language").select_option("fr")
    form.locator("#translations-0-title").fill("Guide de licence en soins infirmiers")
    form.get_by_role("button", name="Publish").click()
    page.wait_for_url(re.compile(r"/resources/\d+$"))
    expect(page.get_by_role("alert")).to_contain_text(
        "Published the guide “Nursing licence guide”", use_inner_text=True
    )
    expect(page.locator("#download")).to_have_text(
        "Download Guide de licence.pdf", use_inner_text=True
    )
    check_page(page, "hub resource")
    page.screenshot(path="/tmp/hub-resource.png", full_page=True)

    with federation.node_app.app_context():
        report = run_sync(ignore_backoff=True)
        assert report.resources_changed >= 1, report

    node = browser.new_context(
        base_url=federation.node_url,
        locale="fr-CA",
        extra_http_headers={"Accept-Language": "fr-CA,fr;q=0.9"},
    )
    node_page = node.new_page()
    # This coordinator reads the staff pages in English (chosen once, kept in a cookie);
    # the resources still follow the browser's languages.
    node_page.goto("/login?lang=en")
    log_in(node_page, COORDINATOR)
    with node_page.expect_navigation():
        node_page.get_by_role("link", name="Resources").click()
    node_page.get_by_role("searchbox", name="Search").fill("infirmiers")
    with node_page.expect_navigation():
        node_page.get_by_role("button", name="Search").click()
    with node_page.expect_navigation():
        node_page.get_by_role("link", name="Guide de licence en soins infirmiers").click()
    check_page(node_page, "node resource")
    node_page.screenshot(path="/tmp/node-resource.png", full_page=True)
    with node_page.expect_download() as download:
        node_page.locator("#download").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes() == PDF
    assert download.value.suggested_filename == "Guide de licence.pdf"
    node.close()
