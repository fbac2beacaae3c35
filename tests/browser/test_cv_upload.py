"""A connectee sends their CV from their own page in a real browser; staff download it.

The file goes through Chromium's own file input and multipart form, so what the node
checks is what a browser really sends (its name, its type, its bytes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect

from community_node.extensions import db
from community_node.mail import links
from community_node.mail.links import LinkPurpose
from community_node.participants.models import ConnecteeCV
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in
from tests.community_node import factories
from tests.community_node.factories import ConnecteeFactory
from tests.cv_files import FAKE_PDF, PDF

pytestmark = pytest.mark.browser

PHONE = {"width": 375, "height": 740}


def _own_page(app: Flask) -> tuple[int, str]:
    with app.app_context():
        factories.bind(db.session)
        person = ConnecteeFactory(first_name="Nadia")
        db.session.commit()
        token = links.make_token(LinkPurpose.CONNECTEE_PAGE, person.id)
        db.session.commit()
        return person.id, f"/me/{token}"


def _stored(app: Flask, connectee_id: int) -> ConnecteeCV | None:
    with app.app_context():
        cv = db.session.get(ConnecteeCV, connectee_id)
        if cv is not None:
            db.session.expunge(cv)
        return cv


def test_a_connectee_sends_a_cv_and_staff_download_it(
    page: Any, live_app: Flask, tmp_path: Path
) -> None:
    connectee_id, mine = _own_page(live_app)
    page.set_viewport_size(PHONE)
    page.goto(mine)
    expect(page.locator("#cv-on-file")).to_have_text("No CV on file yet.", use_inner_text=True)
    check_page(page, "selfservice connectee cv form")

    # A program renamed as a PDF is refused beside the field, and nothing is kept.
    page.get_by_label("Your CV file").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": FAKE_PDF}
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Send my CV").click()
    expect(page.locator("#f-cv-error")).to_be_visible()
    expect(page.locator("#f-cv-error")).to_contain_text("not really a PDF", use_inner_text=True)
    assert page.get_by_label("Your CV file").get_attribute("aria-invalid") == "true"
    assert _stored(live_app, connectee_id) is None
    check_page(page, "selfservice connectee cv refused")

    cv_file = tmp_path / "Nadia CV.pdf"
    cv_file.write_bytes(PDF)
    page.get_by_label("Your CV file").set_input_files(str(cv_file))
    with page.expect_navigation():
        page.get_by_role("button", name="Send my CV").click()
    expect(page.get_by_role("alert").filter(has_text="Your CV is saved")).to_be_visible()
    expect(page.locator("#cv-on-file")).to_contain_text("Nadia CV.pdf", use_inner_text=True)
    stored = _stored(live_app, connectee_id)
    assert stored is not None and stored.file_media_type == "application/pdf"
    check_page(page, "selfservice connectee cv saved")

    staff = page.context.browser.new_context(base_url=page.url.split("/me/")[0])
    staff_page = staff.new_page()
    log_in(staff_page, COORDINATOR)
    staff_page.goto(f"/connectees/{connectee_id}")
    expect(staff_page.locator("#cv")).to_contain_text("Nadia CV.pdf", use_inner_text=True)
    with staff_page.expect_download() as download:
        staff_page.locator("#cv").get_by_role("link", name="Download").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "Nadia CV.pdf"
    assert saved.read_bytes() == PDF
    staff.close()

    with page.expect_navigation():
        page.get_by_role("button", name="Remove my CV").click()
    expect(page.locator("#cv-on-file")).to_have_text("No CV on file yet.", use_inner_text=True)
    assert _stored(live_app, connectee_id) is None
