"""The staff's outbox page in a real browser: a dead letter, Retry, counts that follow."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from community_node.extensions import db
from community_node.mail.messages import signup_received
from community_node.mail.models import MailState
from community_node.participants.models import Connectee
from tests.browser.a11y import check_page
from tests.browser.conftest import COORDINATOR, log_in

pytestmark = pytest.mark.browser


def test_a_coordinator_retries_a_dead_letter(page: Any, live_app: Flask) -> None:
    with live_app.app_context():
        person = db.session.scalars(select(Connectee).order_by(Connectee.id)).first()
        message = signup_received(person)
        assert message is not None
        message.state, message.last_error = MailState.DEAD, "SMTPDataError 550"
        db.session.commit()
        message_id = message.id
        db.session.remove()
    log_in(page, COORDINATOR)
    page.goto("/mail")
    expect(page.locator("#count-dead")).to_have_text("1", use_inner_text=True)
    check_page(page, "mail-outbox")
    page.get_by_role("button", name=f"Retry message {message_id}").click()
    page.wait_for_url("**/mail")
    expect(page.locator("#count-dead")).to_have_text("0", use_inner_text=True)
    expect(page.locator("#no-dead")).to_be_visible()
    assert "queued again" in page.content()
    check_page(page, "mail-outbox-empty")
