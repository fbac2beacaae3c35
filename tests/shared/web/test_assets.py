"""Asset URLs carry their file's version, so a long browser cache never serves an old file."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from flask import Flask, url_for

from shared.web.assets import VERSION_LENGTH, file_version
from shared.web.system import VENDOR_ASSETS
from tests.shared.web.test_headers import SERVICES, TESTING

ASSET_URL = re.compile(r'(?:href|src)="(/(?:vendor|assets|shared-web/static|static)/[^"]*)"')


@SERVICES
def test_every_asset_a_page_links_names_its_version(
    service: Callable[..., Flask], tmp_path: Path
) -> None:
    client = service(tmp_path, **TESTING).test_client()
    page = client.get("/login").get_data(as_text=True)
    urls = ASSET_URL.findall(page)
    assert any(u.startswith("/vendor/pico/") for u in urls), urls
    for url in urls:
        path, _, query = url.partition("?")
        assert re.fullmatch(rf"v=[0-9a-f]{{{VERSION_LENGTH}}}", query), url
        with client.get(url) as response:  # closes the file it streams
            assert response.status_code == 200, url
            digest = hashlib.sha256(response.get_data()).hexdigest()
        assert query == f"v={digest[:VERSION_LENGTH]}", f"{url} does not name its bytes"


def test_a_changed_file_gets_a_new_version(tmp_path: Path) -> None:
    asset = tmp_path / "app.css"
    asset.write_text("body { color: black; }")
    before = file_version(asset)
    file_version.cache_clear()  # what a restart after an upgrade does
    asset.write_text("body { color: navy; }")
    assert file_version(asset) not in (None, before)
    assert file_version(tmp_path / "missing.css") is None


def test_only_files_inside_the_asset_folder_are_versioned(tmp_path: Path) -> None:
    from tests.shared.web.test_headers import node

    app: Flask = node(tmp_path, **TESTING)
    with app.test_request_context():
        inside = url_for("system.vendor", filename="htmx/htmx.min.js")
        outside = url_for("system.vendor", filename="../../web/assets.py")
        missing = url_for("system.vendor", filename="no/such.js")
    assert inside.endswith(f"?v={file_version(VENDOR_ASSETS / 'htmx' / 'htmx.min.js')}")
    assert "v=" not in outside
    assert "v=" not in missing
