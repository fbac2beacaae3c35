"""A connectee sends their CV from their own page in a real browser; staff download it.

The file goes through Chromium's own file input and multipart form, so what the node
checks is what a browser really sends (its name, its type, its bytes).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask import Flask

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
    assert page.locator("#cv-on-file").inner_text() == "No CV on file yet."
    check_page(page, "selfservice connectee cv form")

    # A program renamed as a PDF is refused beside the field, and nothing is kept.
    page.get_by_label("Your CV file").set_input_files(
        {"name": "cv.pdf", "mimeType": "application/pdf", "buffer": FAKE_PDF}
    )
    page.get_by_role("button", name="Send my CV").click()
    page.wait_for_load_state()
    assert page.locator("#f-cv-error").is_visible()
    assert "not really a PDF" in page.locator("#f-cv-error").inner_text()
    assert page.get_by_label("Your CV file").get_attribute("aria-invalid") == "true"
    assert _stored(live_app, connectee_id) is None
    check_page(page, "selfservice connectee cv refused")

    cv_file = tmp_path / "Nadia CV.pdf"
    cv_file.write_bytes(PDF)
    page.get_by_label("Your CV file").set_input_files(str(cv_file))
    page.get_by_role("button", name="Send my CV").click()
    page.wait_for_load_state()
    assert page.get_by_role("alert").filter(has_text="Your CV is saved").is_visible()
    assert "Nadia CV.pdf" in page.locator("#cv-on-file").inner_text()
    stored = _stored(live_app, connectee_id)
    assert stored is not None and stored.file_media_type == "application/pdf"
    check_page(page, "selfservice connectee cv saved")

    staff = page.context.browser.new_context(base_url=page.url.split("/me/")[0])
    staff_page = staff.new_page()
    log_in(staff_page, COORDINATOR)
    staff_page.goto(f"/connectees/{connectee_id}")
    assert "Nadia CV.pdf" in staff_page.locator("#cv").inner_text()
    with staff_page.expect_download() as download:
        staff_page.locator("#cv").get_by_role("link", name="Download").click()
    saved = tmp_path / "downloaded.pdf"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "Nadia CV.pdf"
    assert saved.read_bytes() == PDF
    staff.close()

    page.get_by_role("button", name="Remove my CV").click()
    page.wait_for_load_state()
    assert page.locator("#cv-on-file").inner_text() == "No CV on file yet."
    assert _stored(live_app, connectee_id) is None
